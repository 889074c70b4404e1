{#- The ledger of loaded files: every file the warehouse holds the lines of, with the
    fingerprint it had when it was loaded, its data lines, and the build that loaded it.
    Built after every model that applies a load batch (the depends_on below; a test
    checks the list against the models dbt_project.yml configures so), so that a build
    killed before it loads the same files again next time (raw_load_batch reads this
    table as the last build left it): a file the ledger lists is skipped from then on,
    by every model. -#}

-- depends_on: {{ ref('int_duplicate_lines') }}
-- depends_on: {{ ref('rejected_transaction_lines') }}
-- depends_on: {{ ref('int_customer_invoice_days') }}
-- depends_on: {{ ref('int_customer_products') }}
-- depends_on: {{ ref('int_kept_value_pairs') }}
-- depends_on: {{ ref('int_file_column_stats') }}
-- depends_on: {{ ref('int_line_value_counts') }}
-- depends_on: {{ ref('int_customer_rfm_history') }}

{% set ledger = load_ledger() -%}
{%- do log_loaded_lines() -%}

with

this_build as (

    select {{ run_stamp() }}

),

batch as (

    select * from {{ ref('raw_load_batch') }}

),

previous as (

    {% if ledger is not none -%}
        select
            source_file,
            data_lines,
            loaded_by_run_id,
            loaded_at
        from {{ ledger }}
    {%- else -%}
        select
            cast(null as string) as source_file,
            cast(null as bigint) as data_lines,
            cast(null as string) as loaded_by_run_id,
            cast(null as {{ type_timestamp_tz() }}) as loaded_at
        where false
    {%- endif %}

),

lines_per_source as (

    select
        source_file,
        count(*) as data_lines
    from {{ ref('int_transaction_lines_parsed') }}
    group by source_file

),

loaded_lines as (

    -- this build's files (an Excel workbook's lines name their sheet: file.xlsx[sheet])
    select
        batch.source_file,
        coalesce(sum(lines_per_source.data_lines), 0) as data_lines
    from batch
    left join lines_per_source
        on batch.source_file = lines_per_source.source_file
            or {{ text_starts_with('lines_per_source.source_file', "batch.source_file || '['") }}
    where batch.status = 'new'
    group by batch.source_file

)

select
    batch.source_file,
    batch.path_order,
    batch.file_format,
    batch.file_size,
    batch.file_modified_ns,
    cast(coalesce(loaded_lines.data_lines, previous.data_lines) as bigint) as data_lines,
    case when batch.status = 'new' then this_build.dbt_run_id else previous.loaded_by_run_id end
        as loaded_by_run_id,
    case
        when batch.status = 'new' then this_build.dbt_run_started_at else previous.loaded_at
    end as loaded_at,
    batch.status = 'new' as loaded_by_this_build,
    this_build.dbt_run_id,
    this_build.dbt_run_started_at
from batch
cross join this_build
left join loaded_lines on batch.source_file = loaded_lines.source_file
left join previous on batch.source_file = previous.source_file
order by batch.path_order
