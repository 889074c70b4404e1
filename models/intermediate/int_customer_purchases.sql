{#- One row per customer: what their kept purchase lines add up to. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

country_lines as (

    select
        customer_id,
        country,
        count(*) as line_count
    from kept
    group by customer_id, country

),

countries as (

    -- the country on most of a customer's lines; ties go to the alphabetically first
    select
        customer_id,
        country
    from country_lines
    qualify row_number() over (
            partition by customer_id order by line_count desc, country asc nulls last
        ) = 1

),

purchases as (

    select
        customer_id,
        min(invoiced_at) as first_purchase_at,
        max(invoiced_at) as last_purchase_at,
        count(distinct invoice_no) as invoices,
        count(*) as purchase_lines,
        cast(sum(quantity) as bigint) as units,
        sum(line_revenue) as revenue,
        count(distinct stock_code) as distinct_products
    from kept
    group by customer_id

)

select
    purchases.*,
    countries.country
from purchases
left join countries using (customer_id)
