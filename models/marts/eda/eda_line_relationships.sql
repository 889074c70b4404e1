{#- What an analyst looks at first across the kept lines, in one row: how quantity and
    unit price move together (Pearson and Spearman), and how much of the revenue the
    most valuable lines carry (the top `eda_top_lines_share` of lines by quantity *
    unit_price). Definitions: _eda__models.yml.
    What it costs: it sums the kept lines per (quantity, unit_price) over the days of
    int_kept_value_pairs (counted when the lines are loaded); every measure is read off
    those counts, never off the lines. -#}

{%- set top_share = eda_top_lines_share() -%}

with

value_pairs as (

    select
        quantity,
        unit_price,
        cast(sum(line_count) as bigint) as line_count
    from {{ ref('int_kept_value_pairs') }}
    group by quantity, unit_price

),

totals as (

    select
        coalesce(sum(line_count), 0) as kept_lines,
        sum(line_count * cast(quantity as double)) / sum(line_count) as mean_quantity,
        sum(line_count * cast(unit_price as double)) / sum(line_count) as mean_unit_price,
        -- the average ranks of n lines always average (n + 1) / 2
        (sum(line_count) + 1) / 2 as mean_rank,
        sum(line_count * quantity * unit_price) as revenue,
        cast(ceil(coalesce(sum(line_count), 0) * cast({{ top_share }} as decimal(18, 9))) as bigint)
            as top_lines
    from value_pairs

),

quantity_ranks as (

    -- a quantity's average rank among the lines (pandas' rank(method='average')): the
    -- lines up to it, less half its ties beyond the first
    select
        quantity,
        cast(sum(sum(line_count)) over (order by quantity) as double) - (sum(line_count) - 1) / 2 as quantity_rank
    from value_pairs
    group by quantity

),

unit_price_ranks as (

    select
        unit_price,
        cast(sum(sum(line_count)) over (order by unit_price) as double) - (sum(line_count) - 1) / 2 as unit_price_rank
    from value_pairs
    group by unit_price

),

centred as (

    -- each (quantity, unit_price) pair's distance from the means, in values and in ranks
    select
        value_pairs.line_count,
        value_pairs.quantity - totals.mean_quantity as quantity_gap,
        value_pairs.unit_price - totals.mean_unit_price as unit_price_gap,
        quantity_ranks.quantity_rank - totals.mean_rank as quantity_rank_gap,
        unit_price_ranks.unit_price_rank - totals.mean_rank as unit_price_rank_gap
    from value_pairs
    cross join totals
    inner join quantity_ranks on value_pairs.quantity = quantity_ranks.quantity
    inner join unit_price_ranks on value_pairs.unit_price = unit_price_ranks.unit_price

),

moments as (

    -- centred sums of squares and products, each pair weighted by its lines
    select
        sum(line_count * quantity_gap * unit_price_gap) as quantity_unit_price,
        sum(line_count * quantity_gap * quantity_gap) as quantity_quantity,
        sum(line_count * unit_price_gap * unit_price_gap) as unit_price_unit_price,
        sum(line_count * quantity_rank_gap * unit_price_rank_gap) as rank_product,
        sum(line_count * quantity_rank_gap * quantity_rank_gap) as quantity_rank_square,
        sum(line_count * unit_price_rank_gap * unit_price_rank_gap) as unit_price_rank_square
    from centred

),

line_values as (

    -- lines per line value, the most valuable first, with the lines counted before it
    select
        line_value,
        line_count,
        sum(line_count) over (order by line_value desc) - line_count as lines_before
    from (
        select
            quantity * unit_price as line_value,
            sum(line_count) as line_count
        from value_pairs
        group by line_value
    ) as valued

),

top_lines as (

    -- the revenue of the top_lines most valuable lines. Lines that tie on the boundary
    -- value are taken only as many as the count needs; being equal, it does not matter
    -- which, so the sum is exact
    select
        sum(
            line_values.line_value
            * least(line_values.line_count, totals.top_lines - line_values.lines_before)
        ) as top_lines_revenue,
        min(line_values.line_value) as top_lines_min_value
    from line_values
    cross join totals
    where line_values.lines_before < totals.top_lines

)

select
    cast(totals.kept_lines as bigint) as kept_lines,
    {{ bounded_correlation(
        'moments.quantity_unit_price / nullif(sqrt(moments.quantity_quantity * moments.unit_price_unit_price), 0)'
    ) }} as quantity_unit_price_pearson,
    {{ bounded_correlation(
        'moments.rank_product / nullif(sqrt(moments.quantity_rank_square * moments.unit_price_rank_square), 0)'
    ) }} as quantity_unit_price_spearman,
    cast({{ top_share }} as double) as top_lines_share,
    totals.top_lines,
    cast(top_lines.top_lines_min_value as decimal(18, 6)) as top_lines_min_value,
    cast(round(coalesce(top_lines.top_lines_revenue, 0), 2) as decimal(18, 2)) as top_lines_revenue,
    cast(round(coalesce(totals.revenue, 0), 2) as decimal(18, 2)) as revenue,
    cast(top_lines.top_lines_revenue as double) / cast(nullif(totals.revenue, 0) as double) as top_lines_revenue_share,
    {{ run_stamp() }}
from totals
cross join moments
cross join top_lines
