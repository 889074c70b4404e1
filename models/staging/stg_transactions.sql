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
        case
            when not {{ is_missing_text('customer_id') }}
                then {{ integer_from_text('customer_id') }}
        end as customer_id,

        ---------- strings
        nullif(description, '') as description,
        nullif(country, '') as country,

        ---------- numerics
        {{ integer_from_text('quantity') }} as quantity,
        try_cast(trim(unit_price) as decimal(18, 6)) as unit_price,

        ---------- timestamps
        {{ timestamp_from_text('invoice_date') }} as invoiced_at,

        ---------- the text as found, to tell a missing value from one that does not cast
        {{ is_missing_text('customer_id') }} as is_customer_id_missing,
        customer_id as customer_id_text,
        quantity as quantity_text,
        unit_price as unit_price_text,
        invoice_date as invoice_date_text,
        parse_error,
        raw_line

    from source

)

select * from renamed
