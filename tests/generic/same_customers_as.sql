{% test same_customers_as(model, other, column_name='customer_id') %}
{#- Fails with every customer that is in one relation but not the other, or that
    appears more than once in `model`: every customer exactly once. -#}
with

counted as (
    select {{ column_name }} as customer_id, count(*) as rows_in_model
    from {{ model }}
    group by {{ column_name }}
),

expected as (
    select distinct {{ column_name }} as customer_id from {{ other }}
)

select
    coalesce(counted.customer_id, expected.customer_id) as customer_id,
    coalesce(counted.rows_in_model, 0) as rows_in_model,
    expected.customer_id is not null as in_other
from counted
full outer join expected on counted.customer_id = expected.customer_id
where counted.customer_id is null or expected.customer_id is null or counted.rows_in_model <> 1
{% endtest %}
