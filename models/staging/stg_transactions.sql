with

source as (

    select * from {{ ref('raw_transaction_lines') }}

),

renamed as (

    select

        ----------  ids
        source_file,
        line_number,
        nullif(invoice_no, '') as invoice_no,
        nullif(stock_code, '') as stock_code,
        {{ integer_from_text('customer_id') }} as customer_id,

        ---------- strings
        nullif(description, '') as description,
        nullif(country, '') as country,

        ---------- numerics
        {{ integer_from_text('quantity') }} as quantity,
        {{ decimal_from_text('unit_price') }} as unit_price,

        ---------- timestamps
        {{ timestamp_from_text('invoice_date') }} as invoiced_at,

        ---------- the text as found, to tell a missing value from one that does not cast
        customer_id as customer_id_text,
        quantity as quantity_text,
        unit_price as unit_price_text,
        invoice_date as invoice_date_text,
        parse_error,
        raw_line

    from source

),

flagged as (

    select
        *,
        -- a whole number is never missing, so the NA spellings are looked for only in
        -- the text of lines without one (a case evaluates its branch on those rows only;
        -- `and` would read every line)
        case
            when customer_id is null then {{ is_missing_text('customer_id_text') }}
            else false
        end as is_customer_id_missing
    from renamed

)

select * from flagged
