{#- Pearson and Spearman correlations between the numeric customer features, over every
    customer: as measured ('raw') and after the clustering transform ('transformed').
    Definitions: _eda__models.yml. What it costs: nothing per line; per customer, one
    read of customer_rfm, a group-by per feature for the ranks (the per-value counts
    eda_column_profile reads quartiles off, not a window over every row), their joins
    back, and one aggregate pass for all pairs at once. -#}

{%- set features = customer_feature_columns() -%}
{%- set clip = var('cluster_outlier_policy') == 'clip' -%}
{%- set log_transform = var('cluster_log_transform') -%}
{%- set clip_quantile = var('cluster_clip_quantile') -%}
{%- if execute and features | length < 2 -%}
    {{ exceptions.raise_compiler_error(
        "eda_feature_correlations needs at least two features; var 'eda_correlation_features' gives "
        ~ features | join(', ')
    ) }}
{%- endif -%}

with

customers as (

    select
        customer_id,
    {% for feature in features -%}
        cast({{ feature }} as double) as {{ feature }}{{ "," if not loop.last }}
    {% endfor %}
    from {{ ref('customer_rfm') }}

),

{% if clip -%}
    clip_bounds as (

        -- cluster_outlier_policy 'clip': each feature's [1 - q, q] quantiles of its
        -- non-null values, interpolated linearly as numpy.quantile does (the bounds are
        -- the clustering's own, so 1 - q is computed as Python computes it)
        select
            {% for feature in features -%}
                quantile_cont({{ feature }}, cast({{ 1 - clip_quantile }} as double)) as {{ feature }}__low,
                quantile_cont({{ feature }}, cast({{ clip_quantile }} as double)) as {{ feature }}__high
                {{- "," if not loop.last }}
            {% endfor %}
        from customers

    ),
{%- endif %}

clipped as (

    select
        customers.customer_id,
    {% for feature in features -%}
        {% if clip -%}
            least(greatest(customers.{{ feature }}, clip_bounds.{{ feature }}__low), clip_bounds.{{ feature }}__high)
                as {{ feature }}
        {%- else -%}
            customers.{{ feature }}
        {%- endif %}{{ "," if not loop.last }}
    {% endfor %}
    from customers
    {% if clip -%}
        cross join clip_bounds
    {%- endif %}

),

transforms as (

    -- log1p where cluster_log_transform is on and no (clipped) value of the feature is
    -- negative, as the clustering decides it
    select
    {% for feature in features -%}
            {{ 'true' if log_transform else 'false' }} and coalesce(min({{ feature }}) >= 0, false)
                as {{ feature }}__log1p{{ "," if not loop.last }}
    {% endfor %}
    from clipped

),

transformed as (

    -- the clustering's scaler comes after this; it changes no correlation (a positive
    -- scale and a shift per feature), so it is left out. DuckDB has no log1p: ln(1 + x)
    -- differs from it by an ulp of 1 + x, far below what a correlation can show
    select
        clipped.customer_id,
    {% for feature in features -%}
        case
            when transforms.{{ feature }}__log1p then ln(1 + clipped.{{ feature }})
            else clipped.{{ feature }}
        end as {{ feature }}{{ "," if not loop.last }}
    {% endfor %}
    from clipped
    cross join transforms

),

stage_values as (

    select
        'raw' as stage,  -- noqa: RF04
        *
    from customers
    union all
    select
        'transformed' as stage,  -- noqa: RF04
        *
    from transformed

),

{% for feature in features %}

    {{ feature }}__ranks as (

        -- each value's average rank among the stage's non-null values of the feature:
        -- the values up to it, less half its ties beyond the first (pandas'
        -- rank(method='average')), read off a count per value
        select
            stage,
            {{ feature }} as feature_value,
            cast(sum(count(*)) over (partition by stage order by {{ feature }}) as double)
            - (count(*) - 1) / 2 as value_rank
        from stage_values
        where {{ feature }} is not null
        group by stage, {{ feature }}

    ),

{% endfor %}

ranked as (

    select
        stage_values.*,
    {% for feature in features -%}
        {{ feature }}__ranks.value_rank as {{ feature }}__rank{{ "," if not loop.last }}
    {% endfor %}
    from stage_values
    {% for feature in features -%}
        left join {{ feature }}__ranks
            on
                stage_values.stage = {{ feature }}__ranks.stage
                and stage_values.{{ feature }} = {{ feature }}__ranks.feature_value
    {% endfor %}

),

pair_sums as (

    -- every pair of features in one pass: the customers with both values, each
    -- feature's non-null values, Pearson, and Pearson of the ranks
    select
        stage,
    {% for feature_a in features -%}
        {% for feature_b in features[loop.index:] -%}
            count({{ feature_a }} + {{ feature_b }}) as {{ feature_a }}__{{ feature_b }}__customers,
            corr({{ feature_a }}, {{ feature_b }}) as {{ feature_a }}__{{ feature_b }}__pearson,
            corr({{ feature_a }}__rank, {{ feature_b }}__rank) as {{ feature_a }}__{{ feature_b }}__rank_pearson,
        {% endfor %}
        count({{ feature_a }}) as {{ feature_a }}__values,
        min({{ feature_a }}) < max({{ feature_a }}) as {{ feature_a }}__varies{{ "," if not loop.last }}
    {% endfor %}
    from ranked
    group by stage

),

pairs as (

    -- one row per pair, feature_a before feature_b in the feature order
    {% for feature_a in features -%}
        {%- set last_a = loop.revindex == 2 -%}
        {% for feature_b in features[loop.index:] -%}
            select
                stage,
                '{{ feature_a }}' as feature_a,
                '{{ feature_b }}' as feature_b,
                {{ feature_a }}__{{ feature_b }}__customers as customers,
                {{ feature_a }}__values as values_a,
                {{ feature_b }}__values as values_b,
                {{ feature_a }}__{{ feature_b }}__pearson as pearson,
                {{ feature_a }}__{{ feature_b }}__rank_pearson as rank_pearson
            from pair_sums
            {% if not (last_a and loop.last) %}union all{% endif %}
        {% endfor %}
    {%- endfor %}

),

rerank_pairs as (

    -- pairs where a feature has values on customers the other lacks: pandas ranks each
    -- pair over the customers with both values, so these are ranked again below. No
    -- pair qualifies when the features have no NULLs (or NULLs on the same customers),
    -- and then the work below reads nothing
    select
        stage,
        feature_a,
        feature_b
    from pairs
    where customers < values_a or customers < values_b

),

rerank_values as (

    select
        ranked.stage,
        rerank_pairs.feature_a,
        rerank_pairs.feature_b,
        case rerank_pairs.feature_a
            {% for feature in features -%}
                when '{{ feature }}' then ranked.{{ feature }}
            {% endfor %}
        end as value_a,
        case rerank_pairs.feature_b
            {% for feature in features -%}
                when '{{ feature }}' then ranked.{{ feature }}
            {% endfor %}
        end as value_b
    from ranked
    inner join rerank_pairs on ranked.stage = rerank_pairs.stage

),

complete_pairs as (

    select * from rerank_values
    where value_a is not null and value_b is not null

),

rerank_a as (

    select
        stage,
        feature_a,
        feature_b,
        value_a,
        cast(sum(count(*)) over (partition by stage, feature_a, feature_b order by value_a) as double)
        - (count(*) - 1) / 2 as rank_a
    from complete_pairs
    group by stage, feature_a, feature_b, value_a

),

rerank_b as (

    select
        stage,
        feature_a,
        feature_b,
        value_b,
        cast(sum(count(*)) over (partition by stage, feature_a, feature_b order by value_b) as double)
        - (count(*) - 1) / 2 as rank_b
    from complete_pairs
    group by stage, feature_a, feature_b, value_b

),

reranked as (

    select
        complete_pairs.stage,
        complete_pairs.feature_a,
        complete_pairs.feature_b,
        corr(rerank_a.rank_a, rerank_b.rank_b) as rank_pearson
    from complete_pairs
    inner join rerank_a
        on
            complete_pairs.stage = rerank_a.stage
            and complete_pairs.feature_a = rerank_a.feature_a
            and complete_pairs.feature_b = rerank_a.feature_b
            and complete_pairs.value_a = rerank_a.value_a
    inner join rerank_b
        on
            complete_pairs.stage = rerank_b.stage
            and complete_pairs.feature_a = rerank_b.feature_a
            and complete_pairs.feature_b = rerank_b.feature_b
            and complete_pairs.value_b = rerank_b.value_b
    group by complete_pairs.stage, complete_pairs.feature_a, complete_pairs.feature_b

),

upper_triangle as (

    select
        pairs.stage,
        pairs.feature_a,
        pairs.feature_b,
        pairs.customers,
        {{ bounded_correlation('pairs.pearson') }} as pearson,
        {{ bounded_correlation('coalesce(reranked.rank_pearson, pairs.rank_pearson)') }} as spearman
    from pairs
    left join reranked
        on
            pairs.stage = reranked.stage
            and pairs.feature_a = reranked.feature_a
            and pairs.feature_b = reranked.feature_b

),

diagonal as (

    -- a feature correlates exactly 1 with itself once it has two distinct values, and is
    -- undefined (NULL) before, as in pandas
    {% for feature in features -%}
        select
            stage,
            '{{ feature }}' as feature_a,
            '{{ feature }}' as feature_b,
            {{ feature }}__values as customers,
            case when {{ feature }}__varies then 1.0 end as pearson,
            case when {{ feature }}__varies then 1.0 end as spearman
        from pair_sums
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

matrix as (

    select * from upper_triangle
    union all
    select
        stage,
        feature_b as feature_a,
        feature_a as feature_b,
        customers,
        pearson,
        spearman
    from upper_triangle
    union all
    select * from diagonal

),

feature_list as (

    -- each feature's place in customer_rfm's column order and the transform it got
    {% for feature in features -%}
        select
            {{ loop.index }} as feature_position,
            '{{ feature }}' as feature,
            case
                when {{ 'true' if clip else 'false' }} and {{ feature }}__log1p then 'clip, log1p'
                when {{ 'true' if clip else 'false' }} then 'clip'
                when {{ feature }}__log1p then 'log1p'
                else 'none'
            end as transform_name
        from transforms
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    matrix.stage,
    matrix.feature_a,
    matrix.feature_b,
    list_a.feature_position as position_a,
    list_b.feature_position as position_b,
    case when matrix.stage = 'raw' then 'none' else list_a.transform_name end as transform_a,
    case when matrix.stage = 'raw' then 'none' else list_b.transform_name end as transform_b,
    matrix.customers,
    cast(matrix.pearson as double) as pearson,
    cast(matrix.spearman as double) as spearman,
    {{ run_stamp() }}
from matrix
inner join feature_list as list_a on matrix.feature_a = list_a.feature
inner join feature_list as list_b on matrix.feature_b = list_b.feature
order by matrix.stage, position_a, position_b
