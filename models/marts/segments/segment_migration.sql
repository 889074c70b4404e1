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

moves as (

    select
        later.segment_kind,
        as_of_pairs.from_as_of_date,
        as_of_pairs.to_as_of_date,
        coalesce(earlier.segment, '(none)') as from_segment,
        later.segment as to_segment,
        later.monetary
    from as_of_pairs
    inner join segments as later on as_of_pairs.to_as_of_date = later.as_of_date
    left join segments as earlier
        on later.customer_id = earlier.customer_id
            and later.segment_kind = earlier.segment_kind
            and as_of_pairs.from_as_of_date = earlier.as_of_date

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
