{#- Each product a customer bought (kept lines), with the day they first bought it. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

products as (

    select
        customer_id,
        stock_code,
        min(invoiced_on) as first_bought_on
    from kept
    group by customer_id, stock_code

)

select * from products
