{#- The kept purchase lines summed per customer, invoice, day and country: everything
    per customer (as of any date) is computed from these sums, not from the lines. -#}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}

),

summed as (

    select
        customer_id,
        invoice_no,
        invoiced_on,
        country,
        count(*) as purchase_lines,
        cast(sum(quantity) as bigint) as units,
        sum(line_revenue) as revenue,
        min(invoiced_at) as first_purchase_at,
        max(invoiced_at) as last_purchase_at
    from kept
    group by customer_id, invoice_no, invoiced_on, country

)

select * from summed
