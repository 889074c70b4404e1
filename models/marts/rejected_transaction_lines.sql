{#- Every line that did not make it into the features, with the rule that stopped it.

    Incremental: a build that loads new files writes the rejected lines of those files,
    and rewrites those of the (customer, timestamp) groups the new lines touch, whose
    duplicates may have changed (int_duplicate_lines); every other row stays as the
    build that wrote it left it. So its rows carry the build that wrote them
    (`loaded_by_run_id`, `loaded_at`) rather than one `dbt_run_id` for the table:
    stamping every row again would rewrite every rejected line on every build. -#}

-- depends_on: {{ ref('raw_load_batch') }}
-- depends_on: {{ ref('int_transaction_lines_parsed') }}
{% set delta = applies_load_batch() -%}

with

classified as (

    select * from {{ ref('int_transaction_lines_classified') }}

),

{% if delta -%}
    touched_groups as (

        -- the (customer, timestamp) groups of this build's lines, whose duplicates
        -- int_duplicate_lines recomputed
        select distinct
            customer_id,
            invoiced_at
        from {{ ref('int_transaction_lines_parsed') }}
        where source_file in {{ load_batch_files() }} and customer_id is not null

    ),

    touched_lines as (

        -- this build's lines, and the lines of those groups
        select
            source_file,
            line_number
        from {{ ref('int_transaction_lines_parsed') }}
        where source_file in {{ load_batch_files() }}

        union

        select
            parsed.source_file,
            parsed.line_number
        from {{ ref('int_transaction_lines_parsed') }} as parsed
        inner join touched_groups
            on
                parsed.customer_id = touched_groups.customer_id
                and parsed.invoiced_at = touched_groups.invoiced_at
        where {{ load_batch_period('parsed.invoiced_at') }}

    ),

    lines as (

        select classified.*
        from classified
        inner join touched_lines
            on classified.source_file = touched_lines.source_file
                and classified.line_number = touched_lines.line_number
        -- (the same lines, said so that the scan skips what no touched line can be)
        where classified.source_file in {{ load_batch_files() }}
            or {{ load_batch_period('classified.invoiced_at') }}

    ),
{%- else -%}
    lines as (

        select * from classified

    ),
{%- endif %}

rejected as (

    -- malformed lines always show their text: as read when it could not be split,
    -- else the eight values as found joined back into a line
    select
        {% for column in classified_line_columns() if column != 'raw_line' -%}
            {{ column }},
        {% endfor -%}
        case
            when reason = 'malformed' then coalesce(
                    raw_line,
                    {{ csv_line([
                        'invoice_no', 'stock_code', 'description', 'quantity_text',
                        'invoice_date_text', 'unit_price_text', 'customer_id_text', 'country',
                    ]) }}
                )
        end as raw_line,
        {{ run_stamp('loaded_by_run_id', 'loaded_at') }}
    from lines
    where reason <> 'kept'

)

select * from rejected  -- noqa: AM04
