{#- Kept purchases per calendar month of the invoice date. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

invoices as (

    -- the lines summed per invoice and month first: the distinct counts below then
    -- read one row per invoice, not one per line (a fifth faster)
    select
        cast(date_trunc('month', invoiced_at) as date) as invoice_month,
        invoice_no,
        customer_id,
        count(*) as purchase_lines,
        sum(quantity) as units,
        sum(line_revenue) as revenue
    from kept
    group by invoice_month, invoice_no, customer_id

),

monthly as (

    select
        invoice_month as month,  -- noqa: RF04
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers,
        cast(sum(purchase_lines) as bigint) as purchase_lines,
        cast(sum(units) as bigint) as units,
        cast(round(sum(revenue), 2) as decimal(18, 2)) as revenue
    from invoices
    group by invoice_month

)

select
    *,
    {{ run_stamp() }}
from monthly
order by month
