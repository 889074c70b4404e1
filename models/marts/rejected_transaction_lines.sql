{#- Every line that did not make it into the features, with the rule that stopped it. -#}

with

classified as (

    select * from {{ ref('int_transaction_lines_classified') }}

),

rejected as (

    select
        source_file,
        line_number,
        reason,
        malformed_detail,
        invoice_no,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        customer_id,
        country,
        customer_id_text,
        quantity_text,
        unit_price_text,
        invoice_date_text,
        raw_line,
        {{ run_stamp() }}
    from classified
    where reason <> 'kept'

)

select * from rejected
