{% test shares_sum_to_one(model, columns, tolerance=0.000001) %}
{#- Fails when any of the share `columns` does not sum to 1 over the model's rows. -#}
select
    {% for column in columns -%}
        sum({{ column }}) as {{ column }}_total{{ "," if not loop.last }}
    {% endfor %}
from {{ model }}
having
    {% for column in columns -%}
        abs(sum({{ column }}) - 1) > {{ tolerance }}{{ " or" if not loop.last }}
    {% endfor %}
{% endtest %}
