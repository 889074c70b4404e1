{#- Kept purchases per calendar month of the invoice date. Read off the invoice-day sums
    (int_customer_invoice_days), not the lines: an invoice-day is in one month, and an
    invoice with days in two months counts in both, as it would from the lines. -#}

with

invoice_days as (

    select * from {{ ref('int_customer_invoice_days') }}

),

monthly as (

    select
        cast(date_trunc('month', invoiced_on) as date) as month,  -- noqa: RF04
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers,
        cast(sum(purchase_lines) as bigint) as purchase_lines,
        cast(sum(units) as bigint) as units,
        cast(round(sum(revenue), 2) as decimal(18, 2)) as revenue
    from invoice_days
    group by month

)

select
    *,
    {{ run_stamp() }}
from monthly
order by month
