{#- Every staged line, typed, stored once, with why it is malformed when it is.
    The one table every line is written to: the rules after this read it, not the file.

    Incremental by file: staging holds only the files this build loads (raw_load_batch),
    so a daily load appends their lines (delete+insert on source_file, so loading a
    file again replaces its lines); everything loaded before stays as parsed. -#}

-- depends_on: {{ ref('raw_load_batch') }}

with

lines as (

    select * from {{ ref('stg_transactions') }}

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            when invoiced_at is null then 'InvoiceDate does not parse: ' || coalesce(invoice_date_text, 'empty')
            when quantity is null then 'Quantity is not a whole number: ' || coalesce(quantity_text, 'empty')
            when unit_price is null then 'UnitPrice is not a number: ' || coalesce(unit_price_text, 'empty')
            when customer_id is null and not is_customer_id_missing
                then 'CustomerID is not a whole number: ' || customer_id_text
        end as malformed_detail
    from lines

),

parsed as (

    select
        source_file,
        line_number,
        malformed_detail,
        parse_error,
        invoice_no,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        customer_id,
        country,
        -- the text as found (NULL for an empty field) on malformed lines, to show them
        -- as read, and wherever the typed value is NULL (missing, or it did not cast);
        -- elsewhere the typed value says it all, and text for every line would double
        -- what the build writes
        case
            when malformed_detail is not null or customer_id is null then nullif(customer_id_text, '')
        end as customer_id_text,
        case
            when malformed_detail is not null or quantity is null then nullif(quantity_text, '')
        end as quantity_text,
        case
            when malformed_detail is not null or unit_price is null then nullif(unit_price_text, '')
        end as unit_price_text,
        case
            when malformed_detail is not null or invoiced_at is null then nullif(invoice_date_text, '')
        end as invoice_date_text,
        raw_line
    from checked

)

select * from parsed
