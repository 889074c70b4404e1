{% test shares_sum_to_one(model, columns, tolerance=0.000001) %}
{#- Fails when any of the share `columns` does not sum to 1 over the model's rows; a
    model with no rows, or only NULL shares, sums to 0 and fails too. -#}
select
    {% for column in columns -%}
        coalesce(sum({{ column }}), 0) as {{ column }}_total{{ "," if not loop.last }}
    {% endfor %}
from {{ model }}
having
    {% for column in columns -%}
        abs(coalesce(sum({{ column }}), 0) - 1) > {{ tolerance }}{{ " or" if not loop.last }}
    {% endfor %}
{% endtest %}
