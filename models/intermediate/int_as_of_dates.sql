{#- The dates customers are measured as of: the first day of every period (var
    history_grain: month, week or quarter) after the period of the earliest kept
    purchase, up to the snapshot date, and the snapshot date itself (var snapshot_date,
    else the day after the latest kept purchase). -#}

{%- set grain = history_grain() -%}

with

days as (

    select
        min(invoiced_on) as first_day,
        max(invoiced_on) as last_day
    from {{ ref('int_customer_invoice_days') }}

),

snapshot as (

    select
        first_day,
        coalesce({{ snapshot_date_sql() }}, last_day + 1) as snapshot_date
    from days
    where first_day is not null

),

period_starts as (

    select
        snapshot.snapshot_date,
        {{ period_starts(grain, 'snapshot.first_day', 'snapshot.snapshot_date') }} as as_of_date
    from snapshot

),

as_of_dates as (

    select
        as_of_date,
        false as is_snapshot
    from period_starts
    where as_of_date < snapshot_date

    union all

    select
        snapshot_date as as_of_date,
        true as is_snapshot
    from snapshot

)

select
    as_of_date,
    is_snapshot,
    lag(as_of_date) over (order by as_of_date) as previous_as_of_date
from as_of_dates
