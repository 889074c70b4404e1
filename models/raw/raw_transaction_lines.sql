{#- One row of text fields per data line of the files this build loads, on either
    engine. The readers (raw_export_lines: python/segmentation/ingest.py on DuckDB,
    models/raw/spark/ on Spark) give a CSV's physical lines with each file's layout (its
    delimiter, its number of fields, where each column sits) and a Parquet or Excel row's
    values by column name. Here a CSV line is split into fields and checked: what makes
    a line unsplittable (`parse_error`) is decided in this model and nowhere else. -#}

{%- set columns = transaction_column_aliases().keys() | list %}

with

export_lines as (

    select * from {{ ref('raw_export_lines') }}

),

split as (

    -- a Parquet or Excel row (no field_delimiter) has its fields already
    select
        *,
        case
            when field_delimiter is not null then {{ split_csv_line('line', 'field_delimiter') }}
        end as field_values
    from export_lines

),

checked as (

    select
        *,
        case
            when field_delimiter is null then null
            when line is null then 'empty line'
            when field_values is null then 'unclosed quote'
            when {{ list_size('field_values') }} <> field_count
                then concat('expected ', field_count, ' fields, found ', {{ list_size('field_values') }})
        end as parse_error
    from split

)

select
    source_file,
    line_number,
    {% for column in columns -%}
        {%- set value = list_item('field_values', column ~ '_position') | trim %}
        case
            when field_delimiter is null then {{ column }}
            {% if column in decimal_comma_columns() -%}
                -- a `;` export writes numbers with a decimal comma: 1.234,5 -> 1234.5
                when parse_error is null and field_delimiter = ';' and contains({{ value }}, ',')
                    then replace(replace({{ value }}, '.', ''), ',', '.')
            {% endif -%}
            when parse_error is null then {{ value }}
        end as {{ column }},
    {% endfor -%}
    parse_error,
    case when parse_error is not null then coalesce(line, '') end as raw_line
from checked
