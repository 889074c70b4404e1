{#- How the learned segments and the rule-based RFM segments relate: customers in
    each (cluster, rfm_segment) pair, zeros left out. -#}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

paired as (

    select
        segments.cluster_id,
        segments.segment_name,
        rfm.rfm_segment,
        count(*) as customers
    from segments
    inner join rfm on segments.customer_id = rfm.customer_id
    group by segments.cluster_id, segments.segment_name, rfm.rfm_segment

)

select
    cluster_id,
    segment_name,
    rfm_segment,
    customers,
    customers / sum(customers) over (partition by cluster_id) as share_of_segment,
    customers / sum(customers) over (partition by rfm_segment) as share_of_rfm_segment,
    {{ run_stamp() }}
from paired
order by cluster_id asc, customers desc, rfm_segment asc
