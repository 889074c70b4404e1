{#- Who moved where: between each pair of consecutive as-of dates, for the rule-based
    rfm_segment and for the learned segment_name, how many customers went from each
    segment to each segment, and what they had spent by the later date. A customer with
    no row at the earlier date (no purchase before it yet) comes from '(none)'. -#}

with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

as_of_pairs as (

    select
        previous_as_of_date as from_as_of_date,
        as_of_date as to_as_of_date
    from {{ ref('int_as_of_dates') }}
    where previous_as_of_date is not null

),

segments as (

    select
        customer_id,
        as_of_date,
        'rfm_segment' as segment_kind,
        rfm_segment as segment,
        monetary
    from history

    union all

    select
        customer_id,
        as_of_date,
        'segment_name' as segment_kind,
        segment_name as segment,
        monetary
    from history

),

-- each customer's row at their previous as-of date, read with a window rather than a
-- self-join: one sort of the history instead of a hash join of it with itself
with_previous as (

    select
        *,
        lag(as_of_date) over customer_dates as earlier_as_of_date,
        lag(segment) over customer_dates as earlier_segment
    from segments
    window customer_dates as (partition by customer_id, segment_kind order by as_of_date)

),

moves as (

    select
        with_previous.segment_kind,
        as_of_pairs.from_as_of_date,
        as_of_pairs.to_as_of_date,
        case
            when with_previous.earlier_as_of_date = as_of_pairs.from_as_of_date
                then with_previous.earlier_segment
            else '(none)'
        end as from_segment,
        with_previous.segment as to_segment,
        with_previous.monetary
    from with_previous
    inner join as_of_pairs on with_previous.as_of_date = as_of_pairs.to_as_of_date

)

select
    segment_kind,
    from_as_of_date,
    to_as_of_date,
    from_segment,
    to_segment,
    count(*) as customers,
    cast(sum(monetary) as decimal(38, 2)) as revenue,
    from_segment = to_segment as is_same_segment,
    {{ run_stamp() }}
from moves
group by segment_kind, from_as_of_date, to_as_of_date, from_segment, to_segment
order by segment_kind, to_as_of_date, from_segment, to_segment
