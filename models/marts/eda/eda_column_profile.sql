{#- What pandas' info(), describe() and isnull().sum() would say about the raw
    columns, one row per column, over every line that split into fields.
    Numbers are profiled after casting; a value present in the file that does not
    cast counts as invalid, not as null.

    What it costs: it reads the per-file statistics (int_file_column_stats, one row per
    file) and the lines per value (int_line_value_counts), never the lines, so a daily
    load profiles only its new files' lines. -#}

{%- set profiled_columns = profiled_line_columns() -%}

with

file_stats as (

    select * from {{ ref('int_file_column_stats') }}

),

value_counts as (

    select * from {{ ref('int_line_value_counts') }}

),

-- each column's type, read off the model's columns without reading a line
column_types as (

    select
    {% for column in profiled_columns %}
            {{ value_type_name('any_value(' ~ column.name ~ ')') }} as {{ column.name }}{{ "," if not loop.last }}
    {% endfor %}
    from (
        select * from {{ ref('int_transaction_lines_parsed') }}
        where false
    ) as no_lines

),

-- every file's statistics combined; a numeric column's mean as if from one pass over
-- the lines
stats as (

    select
        column_name,
        cast(coalesce(sum(row_count), 0) as bigint) as row_count,
        cast(coalesce(sum(non_null_count), 0) as bigint) as non_null_count,
        cast(coalesce(sum(present_count), 0) as bigint) as present_count,
        cast(sum(value_sum) as double) / sum(non_null_count) as mean
    from file_stats
    group by column_name

),

-- and its standard deviation: the squared deviations of each file from its own mean,
-- plus its values' count x the square of its mean's distance to the overall mean
deviations as (

    select
        stats.column_name,
        any_value(stats.non_null_count) as non_null_count,
        sum(
            file_stats.squared_deviations
            + file_stats.non_null_count
            * power(cast(file_stats.value_sum as double) / file_stats.non_null_count - stats.mean, 2)
        ) as squared_deviations
    from file_stats
    inner join stats on file_stats.column_name = stats.column_name
    where file_stats.value_sum is not null
    group by stats.column_name

),

values_seen as (

    -- the distinct values, and the least and greatest (a number's by its value, a text's
    -- and a timestamp's by its text, which orders as the timestamps do)
    select
        column_name,
        count(*) as distinct_count,
        coalesce(min_by(value_key, column_value), min(value_key)) as min_value,
        coalesce(max_by(value_key, column_value), max(value_key)) as max_value
    from value_counts
    group by column_name

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

-- a numeric column's exact quartiles read off its lines per value (pandas' linear
-- interpolation between the two nearest ranks); the 0-based ranks of a value's lines
-- end just before lines_up_to
ranked as (

    select
        column_name,
        column_value,
        sum(line_count) over (partition by column_name order by column_value) as lines_up_to,
        sum(line_count) over (partition by column_name) - 1 as last_rank
    from value_counts
    where column_name in (
            {%- for column in profiled_columns if column.numeric -%}
                '{{ column.name }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        )

),

positions as (

    -- each quartile's 0-based rank among the lines, which may fall between two
    select
        ranked.column_name,
        quartiles.quartile,
        ranked.column_value,
        ranked.lines_up_to,
        ranked.last_rank * quartiles.fraction as quartile_rank
    from ranked
    cross join quartiles

),

quartile_values as (

    select
        column_name,
        quartile,
        min(column_value) filter (where lines_up_to > floor(quartile_rank)) as lower_value,
        min(column_value) filter (where lines_up_to > ceil(quartile_rank)) as upper_value,
        any_value(quartile_rank - floor(quartile_rank)) as weight
    from positions
    group by column_name, quartile

),

distributions as (

    select
        column_name,
        max(case when quartile = 1 then lower_value + (upper_value - lower_value) * weight end) as p25,
        max(case when quartile = 2 then lower_value + (upper_value - lower_value) * weight end) as p50,
        max(case when quartile = 3 then lower_value + (upper_value - lower_value) * weight end) as p75
    from quartile_values
    group by column_name

),

profiles as (

    {% for column in profiled_columns %}
        select
            {{ loop.index }} as ordinal_position,
            '{{ column.name }}' as column_name,
            '{{ column.source }}' as source_column,
            column_types.{{ column.name }} as data_type
        from column_types
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    profiles.ordinal_position,
    profiles.column_name,
    profiles.source_column,
    profiles.data_type,
    coalesce(stats.row_count, 0) as row_count,
    coalesce(stats.non_null_count, 0) as non_null_count,
    coalesce(stats.row_count - stats.present_count, 0) as null_count,
    coalesce(stats.present_count - stats.non_null_count, 0) as invalid_count,
    (stats.row_count - stats.present_count) / nullif(stats.row_count, 0) as null_share,
    coalesce(values_seen.distinct_count, 0) as distinct_count,
    values_seen.min_value,
    values_seen.max_value,
    stats.mean,
    case
        when deviations.non_null_count > 1
            then sqrt(deviations.squared_deviations / (deviations.non_null_count - 1))
    end as std,
    distributions.p25,
    distributions.p50,
    distributions.p75,
    {{ run_stamp() }}
from profiles
left join stats on profiles.column_name = stats.column_name
left join deviations on profiles.column_name = deviations.column_name
left join values_seen on profiles.column_name = values_seen.column_name
left join distributions on profiles.column_name = distributions.column_name
order by profiles.ordinal_position
