{% test unique_combination(model, columns, batch_key=none) %}
{#- Fails with one row per combination of `columns` that occurs more than once. On an
    incremental model, batch_key limits a daily load's test to the rows it wrote
    (load_batch_rows). -#}
select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ load_batch_rows(model, batch_key) }} as tested
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
