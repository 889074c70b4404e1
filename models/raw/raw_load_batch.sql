{#- Which files this build loads: the files transactions_path matches that the ledger of
    loaded files (transaction_files, written by the last build) does not hold yet. Every
    file is loaded (batch 'full') on the first build, with --full-refresh, for Excel
    workbooks, when transactions_path or the parsing changed (int_transaction_lines_parsed's
    signature), and when the one file transactions_path names changed. A file of a glob
    that the ledger holds whose fingerprint changed, or that the glob no longer matches,
    stops the build: its old lines would otherwise stay mixed with the new ones. -#}

{%- set ledger = load_ledger() -%}
{%- set full = load_batch_is_full(ledger) -%}
{%- do refuse_changed_files(ledger, full) -%}
{%- do log_load_batch(ledger, full) -%}

with

listing as (

    select * from {{ ref('raw_source_files') }}

),

ledger as (

    {% if ledger is not none and not full -%}
        select
            source_file,
            file_size,
            file_modified_ns
        from {{ ledger }}
    {%- else -%}
        select
            cast(null as string) as source_file,
            cast(null as bigint) as file_size,
            cast(null as bigint) as file_modified_ns
        where false
    {%- endif %}

)

select
    listing.source_file,
    listing.path_order,
    listing.file_format,
    listing.file_size,
    listing.file_modified_ns,
    case when ledger.source_file is null then 'new' else 'loaded' end as status,
    '{{ "full" if full else "incremental" }}' as batch
from listing
left join ledger on listing.source_file = ledger.source_file
order by listing.path_order
