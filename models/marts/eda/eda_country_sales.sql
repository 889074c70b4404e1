{#- Kept purchases per country of the line, with each country's share of revenue. Read
    off the invoice-day sums (int_customer_invoice_days, whose grain includes the
    country), not the lines. -#}

with

invoice_days as (

    select
        customer_id,
        invoice_no,
        purchase_lines,
        revenue,
        coalesce(country, 'Unspecified') as country
    from {{ ref('int_customer_invoice_days') }}

),

by_country as (

    select
        country,
        count(distinct customer_id) as customers,
        count(distinct invoice_no) as invoices,
        cast(sum(purchase_lines) as bigint) as purchase_lines,
        cast(round(sum(revenue), 2) as decimal(18, 2)) as revenue
    from invoice_days
    group by country

)

select
    *,
    cast(revenue as double) / cast(sum(revenue) over () as double) as share_of_revenue,
    {{ run_stamp() }}
from by_country
order by revenue desc, country asc
