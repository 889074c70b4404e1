{% test complete_score_grid(model, scores, label) %}
{#- Fails with one row per cell of the 1-5 score grid (every combination of the 1-5
    values of `scores`) that has no row in the model, more than one, or a NULL `label`,
    and per row whose scores are not 1-5: a map from scores to names covers every
    customer once. -#}
with

score_levels as (

    {% for level in range(1, 6) -%}
        select {{ level }} as score_level
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

grid as (

    select
    {% for score in scores -%}
        {{ score }}_levels.score_level as {{ score }}{{ "," if not loop.last }}
    {% endfor -%}
    from
    {% for score in scores -%}
        score_levels as {{ score }}_levels{{ " cross join" if not loop.last }}
    {% endfor %}

),

mapped as (

    select
        {{ scores | join(', ') }},
        count(*) as map_rows,
        count({{ label }}) as labelled_rows
    from {{ model }}
    group by {{ scores | join(', ') }}

)

select
    {% for score in scores -%}
        coalesce(grid.{{ score }}, mapped.{{ score }}) as {{ score }},
    {% endfor -%}
    grid.{{ scores[0] }} is not null as is_in_grid,
    coalesce(mapped.map_rows, 0) as map_rows,
    coalesce(mapped.labelled_rows, 0) as labelled_rows
from grid
full outer join mapped
    on {% for score in scores -%}
        grid.{{ score }} = mapped.{{ score }}{{ " and" if not loop.last }}
    {% endfor %}
where
    grid.{{ scores[0] }} is null
    or mapped.map_rows is null
    or mapped.map_rows <> 1
    or mapped.labelled_rows <> 1
{% endtest %}
