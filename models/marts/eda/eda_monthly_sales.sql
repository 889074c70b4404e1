{#- Kept purchases per calendar month of the invoice date. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

kept_by_month as (

    select
        *,
        cast(date_trunc('month', invoiced_at) as date) as invoice_month
    from kept

),

monthly as (

    select
        invoice_month as month,  -- noqa: RF04
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers,
        count(*) as purchase_lines,
        cast(sum(quantity) as bigint) as units,
        cast(round(sum(line_revenue), 2) as decimal(18, 2)) as revenue
    from kept_by_month
    group by invoice_month

)

select
    *,
    {{ run_stamp() }}
from monthly
order by month
