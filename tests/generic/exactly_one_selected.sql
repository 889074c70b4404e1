{% test exactly_one_selected(model, column_name='is_selected') %}
{#- Fails unless exactly one row has `column_name` true (one chosen k). -#}
select count(*) filter (where {{ column_name }}) as selected_rows
from {{ model }}
having count(*) filter (where {{ column_name }}) <> 1
{% endtest %}
