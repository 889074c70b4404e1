{#- The purchase lines every feature is computed from: reason = 'kept'. -#}

with

classified as (

    select * from {{ ref('int_transaction_lines_classified') }}

),

kept as (

    select
        source_file,
        line_number,
        invoice_no,
        stock_code,
        description,
        customer_id,
        country,
        quantity,
        unit_price,
        invoiced_at,
        cast(invoiced_at as date) as invoiced_on,
        quantity * unit_price as line_revenue
    from classified
    where reason = 'kept'

)

select * from kept
