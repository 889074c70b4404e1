{#- Fails with one row per mart and stamp that is not this dbt invocation's: every row
    of every mart must carry the dbt_run_id of the build that is publishing it (so no
    mart is left over from an earlier build, and none lacks the stamp). One query over
    all marts instead of a not_null test per mart; the marts are the ones
    warehouse_publication publishes. -#}

{%- set marts = [
    'transaction_audit', 'rejected_transaction_lines', 'customer_rfm',
    'eda_column_profile', 'eda_monthly_sales', 'eda_country_sales',
    'cluster_evaluation', 'customer_segments', 'pca_components',
    'segment_profiles', 'segment_rfm_crosstab',
] -%}

with

this_run as (

    select dbt_run_id from {{ ref('dbt_run') }}

),

stamps as (

    {% for mart in marts %}
        select
            '{{ mart }}' as mart,
            dbt_run_id
        from {{ ref(mart) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    stamps.mart,
    stamps.dbt_run_id,
    count(*) as row_count
from stamps
where stamps.dbt_run_id is distinct from (select this_run.dbt_run_id from this_run)
group by stamps.mart, stamps.dbt_run_id
