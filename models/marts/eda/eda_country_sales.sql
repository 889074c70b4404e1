{#- Kept purchases per country of the line, with each country's share of revenue. -#}

with

kept as (

    select
        * exclude (country),
        coalesce(country, 'Unspecified') as country
    from {{ ref('int_transactions_kept') }}

),

by_country as (

    select
        country,
        count(distinct customer_id) as customers,
        count(distinct invoice_no) as invoices,
        count(*) as purchase_lines,
        cast(round(sum(line_revenue), 2) as decimal(18, 2)) as revenue
    from kept
    group by country

)

select
    *,
    revenue / sum(revenue) over () as share_of_revenue,
    {{ run_stamp() }}
from by_country
order by revenue desc, country asc
