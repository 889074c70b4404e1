{#- Every customer at every as-of date: their RFM as of that date and the learned
    segment the one model of this build (segment_model) gives them then. The rows at
    the snapshot date are customer_rfm and customer_segments. -#}

with

history as (

    select * from {{ ref('int_customer_rfm_history') }}

),

segments as (

    select * from {{ ref('int_history_segments') }}

)

select
    history.customer_id,
    history.as_of_date,
    history.is_snapshot,
    history.recency_days,
    history.frequency,
    history.monetary,
    history.r_score,
    history.f_score,
    history.m_score,
    history.rfm_score,
    history.rfm_segment,
    segments.cluster_id,
    cast(segments.segment_name as varchar) as segment_name,
    history.tenure_days,
    history.avg_order_value,
    history.purchase_lines,
    history.units,
    history.distinct_products,
    {{ run_stamp() }}
from history
inner join segments
    on history.customer_id = segments.customer_id
        and history.as_of_date = segments.as_of_date
