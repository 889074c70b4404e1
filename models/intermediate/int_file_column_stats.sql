{#- What eda_column_profile needs of each file's lines that split into fields, one row
    per file and profiled column (profiled_line_columns): the lines, the values
    present and cast, and for a numeric column their sum and squared deviations from
    the file's mean, from which the profile combines every file's (Chan's formula for
    the variance). So a daily load profiles its new files' lines only.

    Incremental by file: a build that loads new files adds their rows; every other row
    stays as it was. -#}

-- depends_on: {{ ref('raw_load_batch') }}
{% set delta = applies_load_batch() -%}
{%- set profiled_columns = profiled_line_columns() -%}

with

lines as (

    select * from {{ ref('int_transaction_lines_parsed') }}
    where {{ split_lines_where(delta) }}

),

-- one pass over the lines, every column's measures side by side
file_measures as (

    select
        source_file,
        count(*) as row_count,
    {% for column in profiled_columns %}
        count({{ column.name }}) as {{ column.name }}__non_null_count,
        {% if column.text -%}
            -- present = cast, plus text found where the value did not cast (the text is
            -- kept wherever the typed value is NULL)
            count({{ column.name }})
            + count(case when {{ column.name }} is null then nullif(trim({{ column.text }}), '') end)
                as {{ column.name }}__present_count,
        {%- else -%}
            count(nullif(trim({{ column.name }}), '')) as {{ column.name }}__present_count,
        {%- endif %}
    {% if column.numeric -%}
        -- exact: the numeric columns are whole numbers and decimals
        cast(sum({{ column.name }}) as decimal(38, 6)) as {{ column.name }}__value_sum,
        -- n x the population variance: the squared deviations from this file's mean
        coalesce(var_pop({{ column.name }}) * count({{ column.name }}), 0)
            as {{ column.name }}__squared_deviations{{ "," if not loop.last }}
    {%- else -%}
        cast(null as decimal(38, 6)) as {{ column.name }}__value_sum,
        cast(null as double) as {{ column.name }}__squared_deviations{{ "," if not loop.last }}
    {%- endif %}
    {% endfor %}
    from lines
    group by source_file

),

file_stats as (

    {% for column in profiled_columns %}
        select
            source_file,
            '{{ column.name }}' as column_name,
            row_count,
            {{ column.name }}__non_null_count as non_null_count,
            {{ column.name }}__present_count as present_count,
            {{ column.name }}__value_sum as value_sum,
            {{ column.name }}__squared_deviations as squared_deviations
        from file_measures
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from file_stats
