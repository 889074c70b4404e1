{#- Kept lines per day, quantity and unit price: eda_line_relationships reads its
    correlations and top lines off these counts (summed over the days), never off the
    lines.

    Incremental: a build that loads new files recounts only the days of its new lines,
    from every kept line of those days (a late file's line can make an older copy a
    duplicate, and that copy is dated the same day); every other day stays as it was. -#}

-- depends_on: {{ ref('raw_load_batch') }}
-- depends_on: {{ ref('int_transaction_lines_parsed') }}
{% set delta = applies_load_batch() -%}

with

{% if delta -%}
    touched as (

        -- the days of this build's new lines, counted again from every kept line of them
        select distinct cast(invoiced_at as date) as invoiced_on
        from {{ ref('int_transaction_lines_parsed') }}
        where source_file in {{ load_batch_files() }} and invoiced_at is not null

    ),
{%- endif %}

kept as (

    select * from {{ ref('int_transactions_kept') }}
    {% if delta -%}
        where {{ load_batch_period('invoiced_at') }}
            and invoiced_on in (select touched.invoiced_on from touched)
    {%- endif %}

),

value_pairs as (

    select
        invoiced_on,
        quantity,
        unit_price,
        count(*) as line_count
    from kept
    group by invoiced_on, quantity, unit_price

)

select * from value_pairs
