{#- Every staged line with the one row-accounting reason that decides its fate.
    The rules apply in the contract's order and the first that matches wins. -#}

with

lines as (

    select * from {{ ref('int_transaction_lines_parsed') }}

),

later_copies as (

    select * from {{ ref('int_duplicate_lines') }}

),

non_product_codes as (

    select stock_code from {{ ref('non_product_stock_codes') }}

),

classified as (

    select
        lines.*,
        case
            when lines.malformed_detail is not null then 'malformed'
            when lines.customer_id is null then 'missing_customer_id'
            when later_copies.line_number is not null then 'duplicate'
            when {{ text_starts_with('lines.invoice_no', "'C'") }} then 'cancellation'
            when lines.quantity <= 0 then 'non_positive_quantity'
            when lines.unit_price <= 0 then 'non_positive_price'
            when lines.stock_code in (select npc.stock_code from non_product_codes as npc) then 'non_product_code'
            else 'kept'
        end as reason
    from lines
    left join later_copies
        on lines.source_file = later_copies.source_file
            and lines.line_number = later_copies.line_number

)

select
    {{ classified_line_columns() | join(",\n    ") }}
from classified
