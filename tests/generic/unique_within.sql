{% test unique_within(model, column_name, within) %}
{#- Fails with one row per value of `within` in which `column_name` repeats or is NULL.
    The grain (within, column_name) without hashing every pair: one distinct count per
    value of `within`, which needs less time and memory when `within` has few values
    (a file per source_file, millions of line numbers in each). -#}
select
    {{ within }},
    count(*) as row_count,
    count(distinct {{ column_name }}) as distinct_values
from {{ model }}
group by {{ within }}
having count(*) <> count(distinct {{ column_name }})
{% endtest %}
