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

    lines as (

        -- this build's lines, and the other lines of those groups: two reads, each
        -- with a filter the scan can skip row groups by (the new files; their days).
        -- Each reads the view itself: a CTE read twice, DuckDB would materialise whole.
        select * from {{ ref('int_transaction_lines_classified') }}
        where source_file in {{ load_batch_files() }}

        union all

        select classified.*
        from {{ ref('int_transaction_lines_classified') }} as classified
        inner join touched_groups
            on
                classified.customer_id = touched_groups.customer_id
                and classified.invoiced_at = touched_groups.invoiced_at
        where {{ load_batch_period('classified.invoiced_at') }}
            and classified.source_file not in {{ load_batch_files() }}

    ),
{%- else -%}
    lines as (

        select * from {{ ref('int_transaction_lines_classified') }}

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
