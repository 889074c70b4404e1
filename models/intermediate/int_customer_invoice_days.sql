{#- The kept purchase lines summed per customer, invoice, day and country: everything
    per customer (as of any date) is computed from these sums, not from the lines.

    Incremental: a build that loads new files recomputes only the (customer, day) pairs
    of its new lines, from every kept line of those pairs (a late file's line can make
    an older copy a duplicate, and that copy has the same customer, day and all);
    every other row stays as it was. -#}

-- depends_on: {{ ref('raw_load_batch') }}
-- depends_on: {{ ref('int_transaction_lines_parsed') }}
{% set delta = applies_load_batch() -%}

with

{% if delta -%}
    touched as (

        -- the (customer, day) pairs of this build's new lines, summed again from every
        -- kept line of those days
        select distinct
            customer_id,
            cast(invoiced_at as date) as invoiced_on
        from {{ ref('int_transaction_lines_parsed') }}
        where source_file in {{ load_batch_files() }} and customer_id is not null

    ),
{%- endif %}

kept as (

    select * from {{ ref('int_transactions_kept') }} as kept_lines
    {% if delta -%}
        where {{ load_batch_period('kept_lines.invoiced_at') }} and exists (
                select 1 from touched
                where touched.customer_id = kept_lines.customer_id
                    and touched.invoiced_on = kept_lines.invoiced_on
            )
    {%- endif %}

),

summed as (

    select
        customer_id,
        invoice_no,
        invoiced_on,
        country,
        count(*) as purchase_lines,
        cast(sum(quantity) as bigint) as units,
        sum(line_revenue) as revenue,
        min(invoiced_at) as first_purchase_at,
        max(invoiced_at) as last_purchase_at
    from kept
    group by customer_id, invoice_no, invoiced_on, country

)

select * from summed
