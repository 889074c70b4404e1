{#- Every line that did not make it into the features, with the rule that stopped it. -#}

with

classified as (

    select * from {{ ref('int_transaction_lines_classified') }}

),

rejected as (

    -- malformed lines always show their text: as read when it could not be split,
    -- else the eight values as found joined back into a line
    select
        * replace (
            case
                when reason = 'malformed' then coalesce(
                        raw_line,
                        {{ csv_line([
                            'invoice_no', 'stock_code', 'description', 'quantity_text',
                            'invoice_date_text', 'unit_price_text', 'customer_id_text', 'country',
                        ]) }}
                    )
            end as raw_line
        ),
        {{ run_stamp() }}
    from classified
    where reason <> 'kept'

)

select * from rejected  -- noqa: AM04
