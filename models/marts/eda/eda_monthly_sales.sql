{#- Kept purchases per calendar month of the invoice date. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

monthly as (

    select
        cast(date_trunc('month', invoiced_at) as date) as month,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers,
        count(*) as purchase_lines,
        cast(sum(quantity) as bigint) as units,
        cast(round(sum(line_revenue), 2) as decimal(18, 2)) as revenue
    from kept
    group by 1

)

select * from monthly
order by month
