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
        case
            when reason = 'malformed'
                then coalesce(
                        raw_line,
                    {{ csv_line([
                        'invoice_no', 'stock_code', 'description', 'quantity_text',
                        'invoice_date_text', 'unit_price_text', 'customer_id_text', 'country',
                    ]) }}
                    )
        end as raw_line,
        {{ run_stamp() }}
    from classified
    where reason <> 'kept'

)

select * from rejected
