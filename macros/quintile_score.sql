{% macro quintile_score(column, higher_is_better=true, partition_by=none) -%}
    {#- 1-5 by the share of customers ranked below: percent_rank 0-0.2 scores 1, ...,
        0.8-1 scores 5. Equal values share a rank, so they always get equal scores;
        the lowest value always scores 1. With partition_by, within each of its values
        (the customers of one as-of date). -#}
    cast(least(
        5,
        1 + floor(
            5 * percent_rank() over (
                {% if partition_by %}partition by {{ partition_by }} {% endif -%}
                order by {{ column }} {{ 'asc' if higher_is_better else 'desc' }}
            )
        )
    ) as integer)
{%- endmacro %}
