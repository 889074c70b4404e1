{#- The lines that repeat an earlier line: all eight source values equal. The first
    copy is not listed (it is kept); every later copy is, once. Only lines that passed
    the earlier rules (not malformed, with a customer) take part. "Earlier" is an
    earlier file in path order, then an earlier line.

    Incremental: copies always share their customer and timestamp, so a build that
    loads new files recomputes the groups of lines with a (customer_id, invoiced_at)
    of the new lines, and only those (a late file may be earlier in path order than
    lines already loaded, and turn them into later copies). -#}

-- depends_on: {{ ref('raw_load_batch') }}
{% set delta = applies_load_batch() -%}

{%- set eight_values -%}
    invoice_no, stock_code, description, quantity, invoiced_at, unit_price, customer_id, country
{%- endset -%}

{%- set takes_part -%}
    malformed_detail is null and customer_id is not null
{%- endset -%}

{#- the lines that take part; in a delta build only those of the touched groups. Written
    out twice below rather than as a CTE, which DuckDB would materialise (every line, in
    a full build) to read it twice. -#}
{%- set candidates -%}
    (
        select * from {{ ref('int_transaction_lines_parsed') }} as parsed
        where {{ takes_part }}
    {%- if delta %}
            and {{ load_batch_period('parsed.invoiced_at') }}
            and exists (
                select 1 from touched_groups
                where touched_groups.customer_id = parsed.customer_id
                    and touched_groups.invoiced_at = parsed.invoiced_at
            )
    {%- endif %}
    )
{%- endset -%}

with

{% if delta -%}
    touched_groups as (

        -- the (customer, timestamp) groups of this build's new lines
        select distinct
            customer_id,
            invoiced_at
        from {{ ref('int_transaction_lines_parsed') }}
        where {{ takes_part }} and source_file in {{ load_batch_files() }}

    ),
{%- endif %}

repeated_hashes as (

    -- only lines sharing a hash of their eight values with another line can be copies;
    -- the lines are read twice rather than once into a shared set, which would hold
    -- every line in memory
    select hash({{ eight_values }}) as row_hash
    from {{ candidates }} as candidate_lines
    group by row_hash
    having count(*) > 1

),

later_copies as (

    -- exact comparison of all eight values among them (a hash collision cannot make
    -- a line a duplicate); the earliest line of each set is the one kept
    select
        source_file,
        line_number,
        customer_id,
        invoiced_at
    from (
        select
            source_file,
            line_number,
            customer_id,
            invoiced_at,
            row_number() over (
                partition by {{ eight_values }}
                order by source_file, line_number
            ) as copy_number
        from {{ candidates }} as candidate_lines
        where hash({{ eight_values }}) in (select repeated_hashes.row_hash from repeated_hashes)
    ) as copies
    where copy_number > 1

)

select * from later_copies
