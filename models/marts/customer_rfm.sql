{#- Recency, frequency and monetary per customer as of the snapshot date, their 1-5
    scores and the named RFM segment: the snapshot row of the customer's history, with
    when they first and last bought and where. Definitions: docs/contract.md and
    _marts__models.yml. -#}

with

history as (

    select * from {{ ref('int_customer_rfm_history') }}
    where is_snapshot

),

purchases as (

    select * from {{ ref('int_customer_purchases') }}

)

select
    history.customer_id,
    history.recency_days,
    history.frequency,
    history.monetary,
    history.r_score,
    history.f_score,
    history.m_score,
    history.rfm_score,
    history.rfm_segment,
    history.as_of_date as snapshot_date,
    purchases.first_purchase_at,
    purchases.last_purchase_at,
    history.tenure_days,
    history.avg_order_value,
    history.purchase_lines,
    history.units,
    history.distinct_products,
    purchases.country,
    {{ run_stamp() }}
from history
inner join purchases on history.customer_id = purchases.customer_id
