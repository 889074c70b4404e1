{#- Each product a customer bought (kept lines), with the day they first bought it.

    Incremental: a build that loads new files updates only the (customer, product)
    pairs of their kept lines, to the earlier of the day it held and the first day
    among those lines; every other row stays as it was. That is a full build's answer
    because a load only adds lines (a file that changed or went stops the build), and
    the kept lines' (customer, product, day) only gain members: a line that a late
    file turns into a duplicate has the same customer, product and day as the earlier
    copy kept instead. Taking the earlier day twice (a build killed before its ledger
    was written, then run again) gives the same day. -#}

-- depends_on: {{ ref('raw_load_batch') }}
{% set delta = applies_load_batch() -%}

with

kept as (

    select * from {{ ref('int_transactions_kept') }}
    {% if delta -%}
        where source_file in {{ load_batch_files() }}
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

{% if delta -%}
    select
        products.customer_id,
        products.stock_code,
        least(products.first_bought_on, coalesce(held.first_bought_on, products.first_bought_on))
            as first_bought_on
    from products
    left join {{ this }} as held
        on products.customer_id = held.customer_id
            and products.stock_code = held.stock_code
{%- else -%}
    select * from products
{%- endif %}
