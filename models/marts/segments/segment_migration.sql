{#- Who moved where: between each pair of consecutive as-of dates, for the rule-based
    rfm_segment and for the learned segment_name, how many customers went from each
    segment to each segment, and what they had spent by the later date. A customer with
    no row at the earlier date (no purchase before it yet) comes from '(none)'.

    It reads customer_rfm_history's two halves (the RFM history and the learned
    segments) rather than the mart, so it is built beside the mart instead of after it
    and its tests: the history is the longest chain of a daily load, and this takes
    about 0.5 s off it. Its test migration_adds_up_to_history checks it against the mart. -#}

{%- set segment_kinds = ['rfm_segment', 'segment_name'] -%}

with

history as (

    select
        history.customer_id,
        history.as_of_date,
        history.monetary,
        history.rfm_segment,
        cast(segments.segment_name as varchar) as segment_name
    from {{ ref('int_customer_rfm_history') }} as history
    inner join {{ ref('int_history_segments') }} as segments
        on history.customer_id = segments.customer_id
            and history.as_of_date = segments.as_of_date

),

as_of_pairs as (

    select
        previous_as_of_date as from_as_of_date,
        as_of_date as to_as_of_date
    from {{ ref('int_as_of_dates') }}
    where previous_as_of_date is not null

),

-- each customer's row at their previous as-of date, read with a window rather than a
-- self-join: one sort of the history (both kinds of segment at once) instead of a hash
-- join of it with itself
with_previous as (

    select
        customer_id,
        as_of_date,
        monetary,
        lag(as_of_date) over customer_dates as earlier_as_of_date,
    {% for kind in segment_kinds %}
        {{ kind }},
        lag({{ kind }}) over customer_dates as earlier_{{ kind }}{{ "," if not loop.last }}
    {% endfor %}
    from history
    window customer_dates as (partition by customer_id order by as_of_date)

),

-- the customers who made each pair of moves (one per kind of segment), counted before
-- the kinds are taken apart: a few thousand rows instead of two per customer and date
-- (monetary is a decimal, so summing in two steps gives the same revenue)
moves_by_customer as (

    select
        as_of_pairs.from_as_of_date,
        as_of_pairs.to_as_of_date,
        {% for kind in segment_kinds %}
            case
                when with_previous.earlier_as_of_date = as_of_pairs.from_as_of_date
                    then with_previous.earlier_{{ kind }}
                else '(none)'
            end as from_{{ kind }},
            with_previous.{{ kind }} as to_{{ kind }},
        {% endfor %}
        count(*) as customers,
        sum(with_previous.monetary) as revenue
    from with_previous
    inner join as_of_pairs on with_previous.as_of_date = as_of_pairs.to_as_of_date
    group by
        {% for kind in segment_kinds %}
            from_{{ kind }},
            to_{{ kind }},
        {% endfor %}
        as_of_pairs.from_as_of_date,
        as_of_pairs.to_as_of_date

),

segment_kinds as (

    {% for kind in segment_kinds %}
        select '{{ kind }}' as segment_kind
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

moves as (

    select
        segment_kinds.segment_kind,
        moves_by_customer.from_as_of_date,
        moves_by_customer.to_as_of_date,
        case segment_kinds.segment_kind
            {% for kind in segment_kinds %}
                when '{{ kind }}' then moves_by_customer.from_{{ kind }}
            {% endfor %}
        end as from_segment,
        case segment_kinds.segment_kind
            {% for kind in segment_kinds %}
                when '{{ kind }}' then moves_by_customer.to_{{ kind }}
            {% endfor %}
        end as to_segment,
        moves_by_customer.customers,
        moves_by_customer.revenue
    from moves_by_customer
    cross join segment_kinds

)

select
    segment_kind,
    from_as_of_date,
    to_as_of_date,
    from_segment,
    to_segment,
    cast(sum(customers) as bigint) as customers,
    cast(sum(revenue) as decimal(38, 2)) as revenue,
    from_segment = to_segment as is_same_segment,
    {{ run_stamp() }}
from moves
group by segment_kind, from_as_of_date, to_as_of_date, from_segment, to_segment
order by segment_kind, to_as_of_date, from_segment, to_segment
