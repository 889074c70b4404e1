{#- Kept purchases per country of the line, with each country's share of revenue. -#}

with

kept as (

    select
        * exclude (country),
        coalesce(country, 'Unspecified') as country
    from {{ ref('int_transactions_kept') }}

),

invoices as (

    -- the lines summed per invoice first: the distinct counts below then read one row
    -- per invoice, not one per line (a third faster)
    select
        country,
        invoice_no,
        customer_id,
        count(*) as purchase_lines,
        sum(line_revenue) as revenue
    from kept
    group by country, invoice_no, customer_id

),

by_country as (

    select
        country,
        count(distinct customer_id) as customers,
        count(distinct invoice_no) as invoices,
        cast(sum(purchase_lines) as bigint) as purchase_lines,
        cast(round(sum(revenue), 2) as decimal(18, 2)) as revenue
    from invoices
    group by country

)

select
    *,
    revenue / sum(revenue) over () as share_of_revenue,
    {{ run_stamp() }}
from by_country
order by revenue desc, country asc
