{#- Where every raw line went: one row per row-accounting reason, zeros included,
    so sum(row_count) is the number of data lines in the input.
    Counted from what the build keeps: the rejected lines by their reason, and the
    kept lines the customers' invoice-day sums add up. The test audit_adds_up_to_loaded_lines
    then proves those two hold every staged line, and the classification is not
    evaluated over every line a third time. -#}

with

rejected as (

    select * from {{ ref('rejected_transaction_lines') }}

),

purchases as (

    select * from {{ ref('int_customer_invoice_days') }}

),

reasons as (

    {% for reason in transaction_audit_reasons() -%}
        select
            '{{ reason }}' as reason,
            cast({{ loop.index }} as bigint) as rule_order
        {{ "union all" if not loop.last }}
    {% endfor %}

),

counted as (

    select
        reason,
        count(*) as row_count
    from rejected
    group by reason

    union all

    select
        'kept' as reason,
        cast(sum(purchase_lines) as bigint) as row_count
    from purchases

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
