{% test correlation_diagonal_is_one(model, columns, within, row_column='feature_a', column_column='feature_b') %}
{#- Fails with every row of a correlation matrix (one per `within`) whose diagonal cell is
    missing, or holds a value other than 1 in one of `columns`. NULL passes only for a
    feature whose correlations are all NULL (fewer than two distinct values). -#}
with

rows_of_matrix as (
    select
        {{ within }},
        {{ row_column }},
        {% for column in columns -%}
            count({{ column }}) as {{ column }}__defined,
        {% endfor %}
        count(*) filter (where {{ row_column }} = {{ column_column }}) as diagonal_cells
    from {{ model }}
    group by {{ within }}, {{ row_column }}
),

diagonal as (
    select * from {{ model }}
    where {{ row_column }} = {{ column_column }}
)

select
    rows_of_matrix.{{ within }},
    rows_of_matrix.{{ row_column }},
    rows_of_matrix.diagonal_cells
from rows_of_matrix
left join diagonal
    on
        rows_of_matrix.{{ within }} = diagonal.{{ within }}
        and rows_of_matrix.{{ row_column }} = diagonal.{{ row_column }}
where
    rows_of_matrix.diagonal_cells <> 1
    {% for column in columns -%}
        or diagonal.{{ column }} <> 1
        or (diagonal.{{ column }} is null and rows_of_matrix.{{ column }}__defined > 0)
    {% endfor %}
{% endtest %}
