{#- One row per customer with a kept purchase dated (day) before the snapshot date: when
    they first and last bought, and where. -#}

with

invoice_days as (

    select * from {{ ref('int_customer_invoice_days') }}

),

snapshot as (

    select as_of_date as snapshot_date from {{ ref('int_as_of_dates') }}
    where is_snapshot

),

before_snapshot as (

    select invoice_days.*
    from invoice_days
    inner join snapshot on invoice_days.invoiced_on < snapshot.snapshot_date

),

country_lines as (

    select
        customer_id,
        country,
        sum(purchase_lines) as line_count
    from before_snapshot
    group by customer_id, country

),

countries as (

    -- the country on most of a customer's lines; ties go to the alphabetically first
    select
        customer_id,
        country
    from (
        select
            customer_id,
            country,
            row_number() over (
                partition by customer_id order by line_count desc, country asc nulls last
            ) as country_rank
        from country_lines
    ) as ranked
    where country_rank = 1

),

purchases as (

    select
        customer_id,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at
    from before_snapshot
    group by customer_id

)

select
    purchases.*,
    countries.country
from purchases
left join countries using (customer_id)
