{% test not_null_columns(model, columns) %}
{#- Fails with one row per column of `columns` that holds a NULL, with how many rows
    do: dbt's not_null for several columns at once, one test node instead of one per
    column. For the Python models and seeds, whose tables carry no constraints (the SQL
    models' not-null rules are contract constraints DuckDB enforces as it writes). -#}
with

null_counts as (

    select
    {% for column in columns -%}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
    {% endfor -%}
    from {{ model }}

)

{% for column in columns -%}
    select
        '{{ column }}' as column_name,
        null_rows_{{ loop.index }} as null_rows
    from null_counts
    where null_rows_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
