{#- Recency, frequency and monetary of every customer at every as-of date (int_as_of_dates)
    at which they have a kept purchase dated (day) before it, computed from the
    purchases before that date only; scores are quintiles among the customers of the
    same date, the RFM segment from the seed. customer_rfm is this at the snapshot date.
    With var history_window_days, frequency and monetary count only the purchases of
    the trailing window (the other measures stay cumulative).

    A full build sums each purchase once, into the first as-of date after its day, and
    runs the sums on through the later dates: the cost grows with customers x dates,
    not with purchases x dates. A daily load recomputes only the dates its new lines
    can change (every as-of date after the earliest day among them, and the last
    build's snapshot date), each directly from the purchases before it. -#}

-- depends_on: {{ ref('raw_load_batch') }}
-- depends_on: {{ ref('int_transaction_lines_parsed') }}
{% set delta = applies_load_batch() -%}
{%- set window = history_window_days() -%}

with

as_of as (

    select * from {{ ref('int_as_of_dates') }}

),

invoice_days as (

    select * from {{ ref('int_customer_invoice_days') }}

),

products as (

    select * from {{ ref('int_customer_products') }}

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

{% if delta %}

    affected_dates as (

        -- the dates this build's lines can change, and the last build's snapshot
        select
            as_of.as_of_date,
            as_of.is_snapshot
        from as_of
        where as_of.as_of_date > (
                select min(cast(parsed.invoiced_at as date))
                from {{ ref('int_transaction_lines_parsed') }} as parsed
                where parsed.source_file in {{ load_batch_files() }}
            )
            or as_of.as_of_date in (
                select previous.as_of_date from {{ this }} as previous
                where previous.is_snapshot
            )

    ),

    dated as (

        select
            invoice_days.customer_id,
            affected_dates.as_of_date,
            any_value(affected_dates.is_snapshot) as is_snapshot,
            min(invoice_days.invoiced_on) as first_on,
            max(invoice_days.invoiced_on) as last_on,
            {% if window -%}
                count(distinct invoice_days.invoice_no) filter (
                    where invoice_days.invoiced_on >= affected_dates.as_of_date - {{ window }}
                ) as invoices,
                coalesce(sum(invoice_days.revenue) filter (
                    where invoice_days.invoiced_on >= affected_dates.as_of_date - {{ window }}
                ), 0) as revenue,
            {%- else -%}
                count(distinct invoice_days.invoice_no) as invoices,
                sum(invoice_days.revenue) as revenue,
            {%- endif %}
            sum(invoice_days.purchase_lines) as purchase_lines,
            sum(invoice_days.units) as units
        from invoice_days
        inner join affected_dates on invoice_days.invoiced_on < affected_dates.as_of_date
        group by invoice_days.customer_id, affected_dates.as_of_date

    ),

    dated_products as (

        select
            products.customer_id,
            affected_dates.as_of_date,
            count(*) as distinct_products
        from products
        inner join affected_dates on products.first_bought_on < affected_dates.as_of_date
        group by products.customer_id, affected_dates.as_of_date

    ),

    measured_in as (

        select
            dated.*,
            coalesce(dated_products.distinct_products, 0) as distinct_products
        from dated
        left join dated_products
            on dated.customer_id = dated_products.customer_id
                and dated.as_of_date = dated_products.as_of_date

    ),

{% else %}

    invoices as (

        -- an invoice counts from the first day it has a kept line (a line without an
        -- invoice number is no invoice)
        select
            customer_id,
            invoice_no,
            min(invoiced_on) as first_on
        from invoice_days
        where invoice_no is not null
        group by customer_id, invoice_no

    ),

    period_sums as (

        -- what each customer bought in the days that first count at each as-of date
        select
            invoice_days.customer_id,
            as_of.as_of_date,
            sum(invoice_days.purchase_lines) as purchase_lines,
            sum(invoice_days.units) as units,
            sum(invoice_days.revenue) as revenue,
            min(invoice_days.invoiced_on) as first_on,
            max(invoice_days.invoiced_on) as last_on
        from invoice_days
        inner join as_of
            on invoice_days.invoiced_on < as_of.as_of_date
                and invoice_days.invoiced_on >= coalesce(as_of.previous_as_of_date, invoice_days.invoiced_on)
        group by invoice_days.customer_id, as_of.as_of_date

    ),

    period_invoices as (

        select
            invoices.customer_id,
            as_of.as_of_date,
            count(*) as invoices
        from invoices
        inner join as_of
            on invoices.first_on < as_of.as_of_date
                and invoices.first_on >= coalesce(as_of.previous_as_of_date, invoices.first_on)
        group by invoices.customer_id, as_of.as_of_date

    ),

    period_products as (

        select
            products.customer_id,
            as_of.as_of_date,
            count(*) as products
        from products
        inner join as_of
            on products.first_bought_on < as_of.as_of_date
                and products.first_bought_on >= coalesce(as_of.previous_as_of_date, products.first_bought_on)
        group by products.customer_id, as_of.as_of_date

    ),

    customers as (

        select
            customer_id,
            min(as_of_date) as first_as_of_date,
            min(first_on) as first_on
        from period_sums
        group by customer_id

    ),

    grid as (

        -- every as-of date from a customer's first one on
        select
            customers.customer_id,
            customers.first_on,
            as_of.as_of_date,
            as_of.is_snapshot
        from customers
        inner join as_of on customers.first_as_of_date <= as_of.as_of_date

    ),

    running as (

        select
            grid.customer_id,
            grid.as_of_date,
            grid.is_snapshot,
            grid.first_on,
            max(period_sums.last_on) over customer_to_date as last_on,
            coalesce(sum(period_invoices.invoices) over customer_to_date, 0) as invoices,
            sum(period_sums.revenue) over customer_to_date as revenue,
            sum(period_sums.purchase_lines) over customer_to_date as purchase_lines,
            sum(period_sums.units) over customer_to_date as units,
            coalesce(sum(period_products.products) over customer_to_date, 0) as distinct_products
        from grid
        left join period_sums
            on grid.customer_id = period_sums.customer_id
                and grid.as_of_date = period_sums.as_of_date
        left join period_invoices
            on grid.customer_id = period_invoices.customer_id
                and grid.as_of_date = period_invoices.as_of_date
        left join period_products
            on grid.customer_id = period_products.customer_id
                and grid.as_of_date = period_products.as_of_date
        window customer_to_date as (
            partition by grid.customer_id order by grid.as_of_date
            rows between unbounded preceding and current row
        )

    ),

    {% if window %}

        windowed as (

            -- frequency and monetary over the trailing window [as-of date - window, as-of date)
            select
                invoice_days.customer_id,
                as_of.as_of_date,
                count(distinct invoice_days.invoice_no) as invoices,
                sum(invoice_days.revenue) as revenue
            from invoice_days
            inner join as_of
                on invoice_days.invoiced_on < as_of.as_of_date
                    and invoice_days.invoiced_on >= as_of.as_of_date - {{ window or 0 }}
            group by invoice_days.customer_id, as_of.as_of_date

        ),

        measured_in as (

            select
                running.customer_id,
                running.as_of_date,
                running.is_snapshot,
                running.first_on,
                running.last_on,
                coalesce(windowed.invoices, 0) as invoices,
                coalesce(windowed.revenue, 0) as revenue,
                running.purchase_lines,
                running.units,
                running.distinct_products
            from running
            left join windowed
                on running.customer_id = windowed.customer_id
                    and running.as_of_date = windowed.as_of_date

        ),

    {% else %}

        measured_in as (

            select * from running

        ),

    {% endif %}

{% endif %}

measured as (

    select
        customer_id,
        as_of_date,
        is_snapshot,
        {{ days_between('last_on', 'as_of_date') }} as recency_days,
        cast(invoices as bigint) as frequency,
        cast(round(revenue, 2) as decimal(18, 2)) as monetary,
        revenue,
        {{ days_between('first_on', 'as_of_date') }} as tenure_days,
        {{ cents_quotient('revenue', 'invoices') }} as avg_order_value,
        cast(purchase_lines as bigint) as purchase_lines,
        cast(units as bigint) as units,
        cast(distinct_products as bigint) as distinct_products
    from measured_in

),

scored as (

    select
        *,
        {{ quintile_score('recency_days', higher_is_better=false, partition_by='as_of_date') }} as r_score,
        {{ quintile_score('frequency', partition_by='as_of_date') }} as f_score,
        {{ quintile_score('monetary', partition_by='as_of_date') }} as m_score
    from measured

)

select
    scored.customer_id,
    scored.as_of_date,
    scored.is_snapshot,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    concat(scored.r_score, scored.f_score, scored.m_score) as rfm_score,
    segment_map.rfm_segment,
    scored.revenue,
    scored.tenure_days,
    scored.avg_order_value,
    scored.purchase_lines,
    scored.units,
    scored.distinct_products
from scored
left join segment_map
    on scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score
