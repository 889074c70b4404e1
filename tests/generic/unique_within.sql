{% test unique_within(model, column_name, within, batch_key=none) %}
{#- Fails with one row per value of `within` in which the integer `column_name` repeats
    or is NULL. Counts distinct values with distinct_integers (on DuckDB a bitmap over
    the column's range: a file of millions of line numbers needs a few MB, where hashing
    every (within, column) pair needs hundreds). On an incremental model, batch_key
    limits a daily load's test to the rows it wrote (load_batch_rows). -#}
select
    {{ within }},
    count(*) as row_count,
    {{ distinct_integers(column_name) }} as distinct_values
from {{ load_batch_rows(model, batch_key) }} as tested
group by {{ within }}
having count(*) <> {{ distinct_integers(column_name) }}
{% endtest %}
