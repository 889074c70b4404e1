{#- Each product a customer bought (kept lines), with the day they first bought it.

    Incremental: a build that loads new files recomputes only the (customer, product) pairs
    of its new lines, from every kept line of those pairs (a late file's line can make
    an older copy a duplicate, and that copy has the same customer, product and all);
    every other row stays as it was. -#}

-- depends_on: {{ ref('raw_load_batch') }}
-- depends_on: {{ ref('int_transaction_lines_parsed') }}
{% set delta = applies_load_batch() -%}

with

{% if delta -%}
    touched as (

        -- the (customer, product) pairs of this build's new lines; their first day is
        -- found again from every kept line of the pair
        select distinct
            customer_id,
            stock_code
        from {{ ref('int_transaction_lines_parsed') }}
        where source_file in {{ load_batch_files() }} and customer_id is not null

    ),
{%- endif %}

kept as (

    select * from {{ ref('int_transactions_kept') }} as kept_lines
    {% if delta -%}
        where exists (
                select 1 from touched
                where touched.customer_id = kept_lines.customer_id
                    and touched.stock_code = kept_lines.stock_code
            )
    {%- endif %}

),

products as (

    select
        customer_id,
        stock_code,
        min(invoiced_on) as first_bought_on
    from kept
    group by customer_id, stock_code

)

select * from products
