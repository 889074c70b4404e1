{% test correlation_matrix_is_symmetric(model, columns, within, row_column='feature_a', column_column='feature_b') %}
{#- Fails with every cell of a square matrix (one per `within`, e.g. stage) whose mirror
    cell, row and column swapped, is missing or holds other values in `columns`. -#}
select
    cell.{{ within }},
    cell.{{ row_column }},
    cell.{{ column_column }}
from {{ model }} as cell
left join {{ model }} as mirror
    on
        cell.{{ within }} = mirror.{{ within }}
        and cell.{{ row_column }} = mirror.{{ column_column }}
        and cell.{{ column_column }} = mirror.{{ row_column }}
where
    mirror.{{ row_column }} is null
    {% for column in columns -%}
        or cell.{{ column }} is distinct from mirror.{{ column }}
    {% endfor %}
{% endtest %}
