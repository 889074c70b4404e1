{% test unique_and_not_null(model, column_name) %}
{#- Fails with one row per value of `column_name` that is NULL or occurs more than once:
    dbt's unique and not_null in one test node, for the seeds and Python models, whose
    tables carry no contract constraints. -#}
select
    {{ column_name }} as tested_value,
    count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null
{% endtest %}
