{#- Lines per value of each profiled column (profiled_line_columns), over the lines
    that split into fields: the distinct counts of eda_column_profile, and the exact
    quartiles of its numeric columns and of eda_outliers, are read off these counts,
    never the lines, and so are their minimum and maximum. A value is keyed by its text
    (a number's + 0, so that -0 is 0, as grouping by the number has it).

    Incremental: a build that loads new files counts their lines' values and adds the
    counts held for the same values; every other value stays as it was. Adding is not
    idempotent, so the model records the files it applied in the transaction that
    writes them (record_applied_files) and never counts one twice. -#}

-- depends_on: {{ ref('raw_load_batch') }}
{% set delta = applies_load_batch() -%}

with

batch_counts as (

    -- one read of one column per profiled column (a CTE of the lines read by each
    -- would be materialised, every column of every line)
    {% for column in profiled_line_columns() %}
        select
            '{{ column.name }}' as column_name,
            {% if column.numeric -%}
                cast({{ column.name }} + 0 as string) as value_key,
                cast({{ column.name }} as double) + 0.0 as column_value,
            {%- else -%}
                cast({{ column.name }} as string) as value_key,
                cast(null as double) as column_value,
            {%- endif %}
            count(*) as line_count
        from {{ ref('int_transaction_lines_parsed') }}
        where {{ split_lines_where(delta, unapplied=true) }} and {{ column.name }} is not null
        group by {{ column.name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{% if delta %}

    held as (

        -- the counts of the values the new lines have too
        select held_counts.*
        from {{ this }} as held_counts
        where exists (
                select 1 from batch_counts
                where batch_counts.column_name = held_counts.column_name
                    and batch_counts.value_key = held_counts.value_key
            )

    ),

    counts as (

        select * from batch_counts
        union all
        select * from held

    ),

{% else %}

    counts as (

        select * from batch_counts

    ),

{% endif %}

value_counts as (

    select
        column_name,
        value_key,
        min(column_value) as column_value,
        cast(sum(line_count) as bigint) as line_count
    from counts
    group by column_name, value_key

)

select * from value_counts
