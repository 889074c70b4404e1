{#- What pandas' info(), describe() and isnull().sum() would say about the raw
    columns, one row per column, over every line that split into fields.
    Numbers are profiled after casting; a value present in the file that does not
    cast counts as invalid, not as null. -#}

{%- set profiled_columns = [
    {'name': 'invoice_no', 'source': 'InvoiceNo', 'text': 'invoice_no', 'numeric': false},
    {'name': 'stock_code', 'source': 'StockCode', 'text': 'stock_code', 'numeric': false},
    {'name': 'description', 'source': 'Description', 'text': 'description', 'numeric': false},
    {'name': 'quantity', 'source': 'Quantity', 'text': 'quantity_text', 'numeric': true},
    {'name': 'invoiced_at', 'source': 'InvoiceDate', 'text': 'invoice_date_text', 'numeric': false},
    {'name': 'unit_price', 'source': 'UnitPrice', 'text': 'unit_price_text', 'numeric': true},
    {'name': 'customer_id', 'source': 'CustomerID', 'text': 'customer_id_text', 'numeric': true},
    {'name': 'country', 'source': 'Country', 'text': 'country', 'numeric': false},
] -%}

with

lines as (

    select * from {{ ref('stg_transactions') }}
    where parse_error is null

),

profiles as (

    {% for column in profiled_columns %}
        select
            {{ loop.index }} as ordinal_position,
            '{{ column.name }}' as column_name,
            '{{ column.source }}' as source_column,
            typeof(any_value({{ column.name }})) as data_type,
            count(*) as row_count,
            count({{ column.name }}) as non_null_count,
            count(*) - count(nullif(trim({{ column.text }}), '')) as null_count,
            count(nullif(trim({{ column.text }}), '')) - count({{ column.name }}) as invalid_count,
            count(distinct {{ column.name }}) as distinct_count,
            cast(min({{ column.name }}) as varchar) as min_value,
            cast(max({{ column.name }}) as varchar) as max_value,
            {% if column.numeric -%}
                avg({{ column.name }})::double as mean,
                stddev_samp({{ column.name }})::double as std,
                quantile_cont({{ column.name }}, 0.25)::double as p25,
                quantile_cont({{ column.name }}, 0.50)::double as p50,
                quantile_cont({{ column.name }}, 0.75)::double as p75
            {%- else -%}
                null::double as mean,
                null::double as std,
                null::double as p25,
                null::double as p50,
                null::double as p75
            {%- endif %}
        from lines
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    ordinal_position,
    column_name,
    source_column,
    data_type,
    row_count,
    non_null_count,
    null_count,
    invalid_count,
    null_count / nullif(row_count, 0) as null_share,
    distinct_count,
    min_value,
    max_value,
    mean,
    std,
    p25,
    p50,
    p75,
    {{ run_stamp() }}
from profiles
order by ordinal_position
