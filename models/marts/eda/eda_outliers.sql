{#- Outliers by Tukey's fences, one row per numeric column: quantity and unit price of
    the raw lines (every line that split into fields, as eda_column_profile profiles
    them) and the numeric customer features of customer_rfm. Quartiles are exact and
    interpolated as pandas' describe() does; definitions in _eda__models.yml.
    What it costs: it reads the lines per quantity and per unit price
    (int_line_value_counts, counted when the lines are loaded) and the customers per
    feature value, never the lines, and no quantile_cont, which would hold every
    value. -#}

{%- set features = customer_feature_columns() -%}
-- depends_on: {{ ref('customer_rfm') }}

with

described_columns as (

    -- every column described gets a row, even one without a single value
    select
        'lines' as source,  -- noqa: RF04
        'quantity' as column_name,
        1 as column_position
    union all
    select
        'lines' as source,  -- noqa: RF04
        'unit_price' as column_name,
        2 as column_position
    {% for feature in features -%}
        union all
        select
            'customers' as source,  -- noqa: RF04
            '{{ feature }}' as column_name,
            {{ loop.index }} as column_position
    {% endfor %}

),

line_value_counts as (

    -- the lines per quantity and per unit price, counted once per line when it is loaded
    select
        column_name,
        column_value,
        line_count as value_count
    from {{ ref('int_line_value_counts') }}
    where column_name in ('quantity', 'unit_price')

),

customer_value_counts as (

    {% for feature in features -%}
        select
            '{{ feature }}' as column_name,
            cast({{ feature }} as double) as column_value,
            count(*) as value_count
        from {{ ref('customer_rfm') }}
        where {{ feature }} is not null
        group by {{ feature }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

value_counts as (

    select
        'lines' as source,  -- noqa: RF04
        *
    from line_value_counts
    union all
    select
        'customers' as source,  -- noqa: RF04
        *
    from customer_value_counts

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

ranked as (

    -- the 0-based ranks of a value's rows end just before values_up_to
    select
        source,
        column_name,
        column_value,
        sum(value_count) over (partition by source, column_name order by column_value) as values_up_to,
        sum(value_count) over (partition by source, column_name) - 1 as last_rank
    from value_counts

),

positions as (

    -- each quartile's 0-based rank among the values, which may fall between two
    select
        ranked.source,
        ranked.column_name,
        quartiles.quartile,
        ranked.column_value,
        ranked.values_up_to,
        ranked.last_rank * quartiles.fraction as quartile_rank
    from ranked
    cross join quartiles

),

quartile_bounds as (

    select
        source,
        column_name,
        quartile,
        min(column_value) filter (where values_up_to > floor(quartile_rank)) as lower_value,
        min(column_value) filter (where values_up_to > ceil(quartile_rank)) as upper_value,
        cast(any_value(quartile_rank - floor(quartile_rank)) as double) as weight
    from positions
    group by source, column_name, quartile

),

quartile_values as (

    -- numpy's linear interpolation term for term (pandas' quantile and describe() call
    -- it): from the lower value below the midpoint, from the upper one from it on, so a
    -- quartile is the very double pandas gives and a value on a fence counts the same
    select
        source,
        column_name,
        quartile,
        case
            when weight >= 0.5 then upper_value - (upper_value - lower_value) * (1 - weight)
            else lower_value + (upper_value - lower_value) * weight
        end as quartile_value
    from quartile_bounds

),

fences as (

    select
        source,
        column_name,
        q1,
        median,
        q3,
        q3 - q1 as iqr,
        q1 - 1.5 * (q3 - q1) as lower_fence,
        q3 + 1.5 * (q3 - q1) as upper_fence,
        q1 - 3 * (q3 - q1) as lower_far_fence,
        q3 + 3 * (q3 - q1) as upper_far_fence
    from (
        select
            source,
            column_name,
            any_value(quartile_value) filter (where quartile = 1) as q1,
            any_value(quartile_value) filter (where quartile = 2) as median,
            any_value(quartile_value) filter (where quartile = 3) as q3
        from quartile_values
        group by source, column_name
    ) as quartile_columns

),

counted as (

    -- the values outside each fence, summed from the counts per value
    select
        value_counts.source,
        value_counts.column_name,
        sum(value_counts.value_count) as value_count,
        min(value_counts.column_value) as min_value,
        max(value_counts.column_value) as max_value,
        coalesce(sum(value_counts.value_count) filter (
            where value_counts.column_value < fences.lower_fence
        ), 0) as outliers_below,
        coalesce(sum(value_counts.value_count) filter (
            where value_counts.column_value > fences.upper_fence
        ), 0) as outliers_above,
        coalesce(sum(value_counts.value_count) filter (
            where value_counts.column_value < fences.lower_far_fence
        ), 0) as far_outliers_below,
        coalesce(sum(value_counts.value_count) filter (
            where value_counts.column_value > fences.upper_far_fence
        ), 0) as far_outliers_above
    from value_counts
    inner join fences
        on
            value_counts.source = fences.source
            and value_counts.column_name = fences.column_name
    group by value_counts.source, value_counts.column_name

)

select
    described_columns.source,
    described_columns.column_name,
    described_columns.column_position,
    cast(coalesce(counted.value_count, 0) as bigint) as value_count,
    counted.min_value,
    fences.q1,
    fences.median,
    fences.q3,
    counted.max_value,
    fences.iqr,
    fences.lower_fence,
    fences.upper_fence,
    fences.lower_far_fence,
    fences.upper_far_fence,
    cast(coalesce(counted.outliers_below, 0) as bigint) as outliers_below,
    cast(coalesce(counted.outliers_above, 0) as bigint) as outliers_above,
    cast(coalesce(counted.outliers_below + counted.outliers_above, 0) as bigint) as outliers,
    cast((counted.outliers_below + counted.outliers_above) / counted.value_count as double) as outlier_share,
    cast(coalesce(counted.far_outliers_below, 0) as bigint) as far_outliers_below,
    cast(coalesce(counted.far_outliers_above, 0) as bigint) as far_outliers_above,
    cast(coalesce(counted.far_outliers_below + counted.far_outliers_above, 0) as bigint) as far_outliers,
    cast((counted.far_outliers_below + counted.far_outliers_above) / counted.value_count as double)
        as far_outlier_share,
    {{ run_stamp() }}
from described_columns
left join counted
    on
        described_columns.source = counted.source
        and described_columns.column_name = counted.column_name
left join fences
    on
        described_columns.source = fences.source
        and described_columns.column_name = fences.column_name
order by described_columns.source desc, described_columns.column_position asc
