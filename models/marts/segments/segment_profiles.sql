{#- One row per cluster: its size, revenue and typical recency, frequency, monetary. -#}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

profiled as (

    select
        segments.cluster_id,
        segments.segment_name,
        count(*) as customers,
        sum(rfm.monetary) as revenue,
        avg(rfm.recency_days) as mean_recency_days,
        median(rfm.recency_days) as median_recency_days,
        avg(rfm.frequency) as mean_frequency,
        median(rfm.frequency) as median_frequency,
        avg(rfm.monetary) as mean_monetary,
        median(rfm.monetary) as median_monetary,
        avg(segments.distance_to_centre) as mean_distance_to_centre
    from segments
    inner join rfm on segments.customer_id = rfm.customer_id
    group by segments.cluster_id, segments.segment_name

)

select
    cluster_id,
    segment_name,
    customers,
    customers / sum(customers) over () as share_of_customers,
    revenue,
    revenue / sum(revenue) over () as share_of_revenue,
    mean_recency_days,
    median_recency_days,
    mean_frequency,
    median_frequency,
    mean_monetary,
    median_monetary,
    mean_distance_to_centre,
    {{ run_stamp() }}
from profiled
order by cluster_id
