{% macro quintile_score(column, higher_is_better=true) -%}
    {#- 1-5 by the share of customers ranked below: percent_rank 0-0.2 scores 1, ...,
        0.8-1 scores 5. Equal values share a rank, so they always get equal scores;
        the lowest value always scores 1. -#}
    least(
        5,
        1 + floor(
            5 * percent_rank() over (
                order by {{ column }} {{ 'asc' if higher_is_better else 'desc' }}
            )
        )
    )::integer
{%- endmacro %}
