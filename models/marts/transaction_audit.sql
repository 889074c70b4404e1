{#- Where every raw line went: one row per row-accounting reason, zeros included,
    so sum(row_count) is the number of data lines in the input. -#}

with

classified as (

    select * from {{ ref('int_transaction_lines_classified') }}

),

reasons as (

    select
        reason,
        rule_order
    from unnest({{ transaction_audit_reasons() }}) with ordinality as r (reason, rule_order)

),

counted as (

    select
        reason,
        count(*) as row_count
    from classified
    group by reason

)

select
    reasons.rule_order,
    reasons.reason,
    coalesce(counted.row_count, 0) as row_count,
    coalesce(counted.row_count, 0) / sum(coalesce(counted.row_count, 0)) over () as share_of_lines,
    {{ run_stamp() }}
from reasons
left join counted using (reason)
order by reasons.rule_order
