{% test unique_within(model, column_name, within) %}
{#- Fails with one row per value of `within` in which the integer `column_name` repeats
    or is NULL. Counts distinct values with distinct_integers (on DuckDB a bitmap over
    the column's range: a file of millions of line numbers needs a few MB, where hashing
    every (within, column) pair needs hundreds). -#}
select
    {{ within }},
    count(*) as row_count,
    {{ distinct_integers(column_name) }} as distinct_values
from {{ model }}
group by {{ within }}
having count(*) <> {{ distinct_integers(column_name) }}
{% endtest %}
