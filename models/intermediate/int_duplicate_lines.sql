{#- The lines that repeat an earlier line: all eight source values equal. The first
    copy is not listed (it is kept); every later copy is, once. Only lines that passed
    the earlier rules (not malformed, with a customer) take part. -#}

{%- set eight_values -%}
    invoice_no, stock_code, description, quantity, invoiced_at, unit_price, customer_id, country
{%- endset -%}

{%- set takes_part -%}
    malformed_detail is null and customer_id is not null
{%- endset -%}

with

repeated_hashes as (

    -- only lines sharing a hash of their eight values with another line can be copies;
    -- the lines are read twice rather than once into a shared set, which would hold
    -- every line in memory
    select hash({{ eight_values }}) as row_hash
    from {{ ref('int_transaction_lines_parsed') }}
    where {{ takes_part }}
    group by row_hash
    having count(*) > 1

),

later_copies as (

    -- exact comparison of all eight values among them (a hash collision cannot make
    -- a line a duplicate); the earliest line of each set is the one kept
    select
        source_file,
        line_number
    from {{ ref('int_transaction_lines_parsed') }}
    where
        {{ takes_part }}
        and hash({{ eight_values }}) in (select repeated_hashes.row_hash from repeated_hashes)
    qualify row_number() over (
            partition by {{ eight_values }}
            order by source_file, line_number
        ) > 1

)

select * from later_copies
