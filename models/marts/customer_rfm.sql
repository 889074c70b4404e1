{#- Recency, frequency and monetary per customer, their 1-5 scores and the named
    RFM segment. Definitions: ../shared/design/contract.md and _marts__models.yml. -#}

with

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

snapshot as (

    {% if var('snapshot_date') -%}
        select cast('{{ var("snapshot_date") }}' as date) as snapshot_date
    {%- else -%}
        select cast(max(last_purchase_at) as date) + 1 as snapshot_date
        from purchases
    {%- endif %}

),

measured as (

    select
        purchases.customer_id,
        purchases.country,
        purchases.first_purchase_at,
        purchases.last_purchase_at,
        snapshot.snapshot_date,
        purchases.invoices as frequency,
        cast(round(purchases.revenue, 2) as decimal(18, 2)) as monetary,
        cast(round(purchases.revenue / purchases.invoices, 2) as decimal(18, 2)) as avg_order_value,
        purchases.purchase_lines,
        purchases.units,
        purchases.distinct_products,
        snapshot.snapshot_date - cast(purchases.last_purchase_at as date) as recency_days,
        snapshot.snapshot_date - cast(purchases.first_purchase_at as date) as tenure_days
    from purchases
    cross join snapshot

),

scored as (

    select
        *,
        {{ quintile_score('recency_days', higher_is_better=false) }} as r_score,
        {{ quintile_score('frequency') }} as f_score,
        {{ quintile_score('monetary') }} as m_score
    from measured

)

select
    scored.customer_id,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    cast(scored.r_score as varchar) || scored.f_score || scored.m_score as rfm_score,
    segment_map.rfm_segment,
    scored.snapshot_date,
    scored.first_purchase_at,
    scored.last_purchase_at,
    scored.tenure_days,
    scored.avg_order_value,
    scored.purchase_lines,
    scored.units,
    scored.distinct_products,
    scored.country,
    {{ run_stamp() }}
from scored
left join segment_map
    on scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score
