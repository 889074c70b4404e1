{#- What pandas' info(), describe() and isnull().sum() would say about the raw
    columns, one row per column, over every line that split into fields.
    Numbers are profiled after casting; a value present in the file that does not
    cast counts as invalid, not as null. -#}

{%- set profiled_columns = [
    {'name': 'invoice_no', 'source': 'InvoiceNo', 'text': none, 'numeric': false},
    {'name': 'stock_code', 'source': 'StockCode', 'text': none, 'numeric': false},
    {'name': 'description', 'source': 'Description', 'text': none, 'numeric': false},
    {'name': 'quantity', 'source': 'Quantity', 'text': 'quantity_text', 'numeric': true},
    {'name': 'invoiced_at', 'source': 'InvoiceDate', 'text': 'invoice_date_text', 'numeric': false},
    {'name': 'unit_price', 'source': 'UnitPrice', 'text': 'unit_price_text', 'numeric': true},
    {'name': 'customer_id', 'source': 'CustomerID', 'text': 'customer_id_text', 'numeric': true},
    {'name': 'country', 'source': 'Country', 'text': none, 'numeric': false},
] -%}

with

lines as (

    select * from {{ ref('int_transaction_lines_parsed') }}
    where parse_error is null

),

-- one pass over the lines computes every column's statistics but the distinct counts
-- and the quartiles
stats as (

    select
        count(*) as row_count,
    {% for column in profiled_columns %}
        {{ value_type_name('any_value(' ~ column.name ~ ')') }} as {{ column.name }}__data_type,
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
        cast(min({{ column.name }}) as string) as {{ column.name }}__min_value,
        cast(max({{ column.name }}) as string) as {{ column.name }}__max_value,
        {% if column.numeric -%}
            cast(sum({{ column.name }}) as double) / count({{ column.name }}) as {{ column.name }}__mean,
            cast(stddev_samp({{ column.name }}) as double) as {{ column.name }}__std
        {%- else -%}
            cast(null as double) as {{ column.name }}__mean,
            cast(null as double) as {{ column.name }}__std,
            -- numeric columns' quartiles: {{ column.name }}__distribution below
            cast(null as double) as {{ column.name }}__p25,
            cast(null as double) as {{ column.name }}__p50,
            cast(null as double) as {{ column.name }}__p75
        {%- endif %}{{ "," if not loop.last }}
    {% endfor %}
    from lines

),

-- each distinct count on its own reads one column; inside the pass above, DuckDB would
-- first copy every column of every line aside to count them
distinct_counts as (

    select
    {% for column in profiled_columns if not column.numeric %}
            (
                select count(distinct {{ column.name }}) from {{ ref('int_transaction_lines_parsed') }}
                where parse_error is null
            ) as {{ column.name }}__distinct_count{{ "," if not loop.last }}
    {% endfor %}

),

quartiles as (

    select
        1 as quartile,
        0.25 as fraction
    union all
    select
        2 as quartile,
        0.5 as fraction
    union all
    select
        3 as quartile,
        0.75 as fraction

),

{% for column in profiled_columns if column.numeric %}

    -- a numeric column's lines counted per value: the distinct count, and the exact
    -- quartiles read off the running count (pandas' linear interpolation between the
    -- two nearest ranks). Unlike quantile_cont, which holds every value in memory, the
    -- grouping spills to disk when it must. It reads the table, not `lines`: a CTE read
    -- by more than one query is materialised, every column of every line.
    {{ column.name }}__value_counts as (

        select
            {{ column.name }} as column_value,
            count(*) as line_count
        from {{ ref('int_transaction_lines_parsed') }}
        where parse_error is null and {{ column.name }} is not null
        group by column_value

    ),

    {{ column.name }}__ranked as (

        -- the 0-based ranks of a value's lines end just before lines_up_to
        select
            cast(column_value as double) as column_value,
            sum(line_count) over (order by column_value) as lines_up_to,
            sum(line_count) over () - 1 as last_rank
        from {{ column.name }}__value_counts

    ),

    {{ column.name }}__positions as (

        -- each quartile's 0-based rank among the lines, which may fall between two
        select
            quartiles.quartile,
            ranked.column_value,
            ranked.lines_up_to,
            ranked.last_rank * quartiles.fraction as quartile_rank
        from {{ column.name }}__ranked as ranked
        cross join quartiles

    ),

    {{ column.name }}__quartile_values as (

        select
            quartile,
            min(column_value) filter (where lines_up_to > floor(quartile_rank)) as lower_value,
            min(column_value) filter (where lines_up_to > ceil(quartile_rank)) as upper_value,
            any_value(quartile_rank - floor(quartile_rank)) as weight
        from {{ column.name }}__positions
        group by quartile

    ),

    {{ column.name }}__distribution as (

        select
            (select count(*) from {{ column.name }}__value_counts) as {{ column.name }}__distinct_count,
            max(case when quartile = 1 then lower_value + (upper_value - lower_value) * weight end)
                as {{ column.name }}__p25,
            max(case when quartile = 2 then lower_value + (upper_value - lower_value) * weight end)
                as {{ column.name }}__p50,
            max(case when quartile = 3 then lower_value + (upper_value - lower_value) * weight end)
                as {{ column.name }}__p75
        from {{ column.name }}__quartile_values

    ),

{% endfor %}

measures as (

    select *  -- noqa: RF02
    from stats
    cross join distinct_counts
    {% for column in profiled_columns if column.numeric %}
        cross join {{ column.name }}__distribution
    {% endfor %}

),

profiles as (

    {% for column in profiled_columns %}
        select
            {{ loop.index }} as ordinal_position,
            '{{ column.name }}' as column_name,
            '{{ column.source }}' as source_column,
            {{ column.name }}__data_type as data_type,
            row_count,
            {{ column.name }}__non_null_count as non_null_count,
            row_count - {{ column.name }}__present_count as null_count,
            {{ column.name }}__present_count - {{ column.name }}__non_null_count as invalid_count,
            {{ column.name }}__distinct_count as distinct_count,
            {{ column.name }}__min_value as min_value,
            {{ column.name }}__max_value as max_value,
            {{ column.name }}__mean as mean,
            {{ column.name }}__std as std,
            {{ column.name }}__p25 as p25,
            {{ column.name }}__p50 as p50,
            {{ column.name }}__p75 as p75
        from measures
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
