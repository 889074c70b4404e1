{#- Every staged line with the one row-accounting reason that decides its fate.
    The rules apply in the contract's order and the first that matches wins. -#}

with

lines as (

    select * from {{ ref('stg_transactions') }}

),

non_product_codes as (

    select stock_code from {{ ref('non_product_stock_codes') }}

),

cast_checked as (

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

hashed as (

    -- a hash of the eight source values of every line the earlier rules let through;
    -- only lines sharing a hash with another line can be copies
    select
        *,
        case
            when malformed_detail is null and customer_id is not null
                then hash(
                        invoice_no, stock_code, description, quantity,
                        invoiced_at, unit_price, customer_id, country
                    )
        end as row_hash
    from cast_checked

),

repeated_hashes as (

    select row_hash
    from hashed
    where row_hash is not null
    group by row_hash
    having count(*) > 1

),

duplicates as (

    -- exact comparison of all eight values among the candidates (a hash collision
    -- cannot make a line a duplicate); the earliest line of each set is kept
    select
        source_file,
        line_number
    from hashed
    where row_hash in (select repeated_hashes.row_hash from repeated_hashes)
    qualify row_number() over (
            partition by
                invoice_no, stock_code, description, quantity,
                invoiced_at, unit_price, customer_id, country
            order by source_file, line_number
        ) > 1

),

duplicate_checked as (

    select
        hashed.*,
        duplicates.line_number is not null as is_duplicate
    from hashed
    left join duplicates
        on hashed.source_file = duplicates.source_file
            and hashed.line_number = duplicates.line_number

),

classified as (

    select
        *,
        case
            when malformed_detail is not null then 'malformed'
            when customer_id is null then 'missing_customer_id'
            when is_duplicate then 'duplicate'
            when starts_with(invoice_no, 'C') then 'cancellation'
            when quantity <= 0 then 'non_positive_quantity'
            when unit_price <= 0 then 'non_positive_price'
            when stock_code in (select npc.stock_code from non_product_codes as npc) then 'non_product_code'
            else 'kept'
        end as reason
    from duplicate_checked

)

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
    raw_line
from classified
