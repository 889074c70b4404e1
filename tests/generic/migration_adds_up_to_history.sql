{% test migration_adds_up_to_history(model, history) %}
{#- Fails with one row per segment kind and as-of date (every one but the first) at
    which the migration's customers do not add up to the customers of `history` at that
    date, or do not come from all the customers of the date before: every customer
    moves exactly once between two consecutive dates, for each kind. -#}
with

kinds as (
    select * from (values ('rfm_segment'), ('segment_name')) as k (segment_kind)
),

counted as (
    select as_of_date, count(*) as customers from {{ history }} group by as_of_date
),

expected as (
    select
        kinds.segment_kind,
        later.as_of_date,
        later.customers as customers_at_later_date,
        earlier.customers as customers_at_earlier_date
    from counted as later
    inner join counted as earlier
        on earlier.as_of_date = (
            select max(c.as_of_date) from counted as c where c.as_of_date < later.as_of_date
        )
    cross join kinds
),

migrated as (
    select
        segment_kind,
        to_as_of_date as as_of_date,
        sum(customers) as customers_at_later_date,
        sum(customers) filter (where from_segment <> '(none)') as customers_at_earlier_date
    from {{ model }}
    group by segment_kind, to_as_of_date
)

select
    coalesce(expected.segment_kind, migrated.segment_kind) as segment_kind,
    coalesce(expected.as_of_date, migrated.as_of_date) as as_of_date,
    expected.customers_at_later_date as in_history,
    migrated.customers_at_later_date as in_migration,
    expected.customers_at_earlier_date as in_history_before,
    migrated.customers_at_earlier_date as in_migration_from_a_segment
from expected
full outer join migrated
    on expected.segment_kind = migrated.segment_kind
        and expected.as_of_date = migrated.as_of_date
where expected.customers_at_later_date is distinct from migrated.customers_at_later_date
    or coalesce(expected.customers_at_earlier_date, 0)
    is distinct from coalesce(migrated.customers_at_earlier_date, 0)
{% endtest %}
