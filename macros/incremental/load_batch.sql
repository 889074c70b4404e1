{#- Daily loads: the models that hold every line (or every customer's sums) are dbt
    incremental models that apply only the files this build loads (raw_load_batch).
    Each applies that batch only when nothing upstream of it changed since it last
    did (the code of every model and the content of every seed it is computed from);
    otherwise, and on the first build or with --full-refresh, it rebuilds in full. A
    batch is applied idempotently, and the ledger of loaded files (transaction_files) is
    written after every such model, so a build killed part way is redone by the next. -#}

{% macro engine_loads_incrementally() -%}
    {#- Whether this engine applies daily loads (DuckDB); Spark rebuilds every table. -#}
    {{ return(adapter.dispatch('engine_loads_incrementally', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__engine_loads_incrementally() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__engine_loads_incrementally() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro upstream_signature(unique_id) -%}
    {#- A digest of the checksums of the node and every model and seed it is computed
        from, and of the vars its meta.load_batch_vars names. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = graph.nodes -%}
    {%- set seen = [unique_id] -%}
    {%- set frontier = namespace(nodes=[unique_id]) -%}
    {%- for _ in range(64) if frontier.nodes -%}
        {%- set next = [] -%}
        {%- for uid in frontier.nodes -%}
            {%- for parent in nodes[uid].get('depends_on', {}).get('nodes', []) -%}
                {%- if parent in nodes and parent not in seen -%}
                    {%- do seen.append(parent) -%}
                    {%- do next.append(parent) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set frontier.nodes = next -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for uid in seen | sort -%}
        {%- do parts.append(uid ~ '=' ~ nodes[uid].checksum.checksum) -%}
    {%- endfor -%}
    {#- and the vars the node says its rows depend on (meta.load_batch_vars) -#}
    {%- for name in nodes[unique_id].config.get('meta', {}).get('load_batch_vars', []) -%}
        {%- do parts.append('var:' ~ name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join(';'))) }}
{%- endmacro %}

{% macro stored_signature(unique_id, before_this_build=false) -%}
    {#- The signature the node recorded when it last built (none if it never did);
        with before_this_build, when it last built in an earlier invocation. -#}
    {%- set query -%}
        select arg_max(signature, recorded_at) from {{ target.schema }}.dbt_incremental_state
        where unique_id = '{{ unique_id }}'
        {%- if before_this_build %} and dbt_run_id <> '{{ invocation_id }}'{% endif %}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{% macro load_batch_kind() -%}
    {#- 'incremental' or 'full': what raw_load_batch decided for this build. -#}
    {%- set query -%}
        select coalesce(any_value(batch), 'incremental') from {{ ref('raw_load_batch') }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{% macro applies_load_batch() -%}
    {#- True when this incremental model applies only the files this build loads: it
        exists, the batch is incremental, and nothing upstream of it changed since it
        last built. Else it rebuilds from every line. -#}
    {#- (a unit test checks the model's full rebuild: it has no `this`) -#}
    {%- if not execute or this is none or model.resource_type != 'model' or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(
        load_batch_kind() == 'incremental'
        and stored_signature(model.unique_id) == upstream_signature(model.unique_id)
    ) }}
{%- endmacro %}

{% macro applied_load_batch(relation) -%}
    {#- In a data test, after its model ran: true when the model (relation, an
        incremental model of this project) applied only this build's new files, as
        applies_load_batch decided when it ran: the batch is incremental, the model
        built in this invocation, and nothing upstream of it changed since the build
        before. A test may then check only the rows this build wrote. -#}
    {%- if not execute or not engine_loads_incrementally() or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set unique_id = 'model.' ~ project_name ~ '.' ~ relation.identifier -%}
    {%- if unique_id not in graph.nodes -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set built_now = run_query(
        "select count(*) from " ~ target.schema ~ ".dbt_incremental_state where unique_id = '"
        ~ unique_id ~ "' and dbt_run_id = '" ~ invocation_id ~ "'").columns[0].values()[0] -%}
    {{ return(
        built_now > 0
        and load_batch_kind() == 'incremental'
        and stored_signature(unique_id, before_this_build=true) == upstream_signature(unique_id)
    ) }}
{%- endmacro %}

{% macro load_batch_rows(relation, batch_key) -%}
    {#- A data test's rows: every row of the model, or, when it applied only this build's
        new files (applied_load_batch), the rows it may have written: those whose
        batch_key (a column of the model and of int_transaction_lines_parsed, or
        invoiced_on: the day of its invoiced_at) has a value on a line of those files.
        The other rows were tested by the build that wrote them. Without a batch_key,
        every row. -#}
    {%- if batch_key is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {#- (the refs are taken before `execute` is known, so dbt records the test's
        dependence on them when it parses) -#}
    {%- set parsed = ref('int_transaction_lines_parsed') -%}
    {%- set files = load_batch_files() -%}
    {%- if not applied_load_batch(relation) -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if batch_key == 'source_file' -%}
        {%- set keys = files -%}
    {%- else -%}
        {%- set on_lines = {'invoiced_on': 'cast(invoiced_at as date)'}.get(batch_key, batch_key) -%}
        {%- set keys = "(select " ~ on_lines ~ " from " ~ parsed ~ " where source_file in "
            ~ files ~ ")" -%}
    {%- endif -%}
    {{ return("(select * from " ~ relation ~ " where " ~ batch_key ~ " in " ~ keys ~ ")") }}
{%- endmacro %}

{% macro clear_unless_applying_load_batch() -%}
    {#- pre-hook of the incremental models, in their transaction: empty the table when
        it rebuilds in full (so delete+insert leaves nothing of an earlier build). -#}
    {%- if execute and is_incremental() and not applies_load_batch() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{% macro record_incremental_state() -%}
    {#- post-hook of the incremental models, in their transaction: the signature they
        were built with, which the next build compares. -#}
    {%- if engine_loads_incrementally() -%}
        insert into {{ target.schema }}.dbt_incremental_state
        values ('{{ model.unique_id }}', '{{ upstream_signature(model.unique_id) }}',
                '{{ invocation_id }}', now())
    {%- endif -%}
{%- endmacro %}

{% macro load_ledger() -%}
    {#- The ledger of loaded files the last build wrote (transaction_files), or none:
        on the first build, and with --full-refresh, which loads everything again. -#}
    {%- if not execute or flags.FULL_REFRESH or not engine_loads_incrementally() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=this.database, schema=this.schema, identifier='transaction_files')) }}
{%- endmacro %}

{% macro transactions_path_is_glob() -%}
    {#- Whether var transactions_path names files by a pattern (a folder of exports)
        rather than one file. -#}
    {%- set path = var('transactions_path') | string -%}
    {{ return('*' in path or '?' in path or '[' in path) }}
{%- endmacro %}

{% macro changed_loaded_files(ledger) -%}
    {#- (source_file, 'changed' | 'removed') for each file the ledger holds whose size or
        modification time differ now, or that transactions_path no longer matches. -#}
    {%- set query -%}
        select
            ledger.source_file,
            case when listing.source_file is null then 'removed' else 'changed' end as change
        from {{ ledger }} as ledger
        left join {{ ref('raw_source_files') }} as listing
            on ledger.source_file = listing.source_file
        where listing.source_file is null
            or listing.file_size <> ledger.file_size
            or listing.file_modified_ns <> ledger.file_modified_ns
        order by ledger.path_order
    {%- endset -%}
    {{ return(run_query(query).rows) }}
{%- endmacro %}

{% macro load_batch_is_full(ledger) -%}
    {#- Why this build loads every file, or none when it loads only the new ones: no
        ledger (first build, --full-refresh), an Excel workbook (read whole every time),
        parsing or transactions_path that changed since the lines were parsed
        (int_transaction_lines_parsed's signature), or the one file transactions_path
        names that changed since it was loaded. -#}
    {%- if not execute -%}
        {{ return('parse') }}
    {%- elif not engine_loads_incrementally() -%}
        {{ return('the ' ~ target.type ~ ' target rebuilds every table') }}
    {%- elif flags.FULL_REFRESH -%}
        {{ return('--full-refresh') }}
    {%- elif ledger is none -%}
        {{ return('first build') }}
    {%- endif -%}
    {%- set workbooks = run_query(
        "select count(*) from " ~ ref('raw_source_files') ~ " where file_format = 'xlsx'"
    ).columns[0].values()[0] -%}
    {%- set parsed = 'model.' ~ project_name ~ '.int_transaction_lines_parsed' -%}
    {%- if workbooks > 0 -%}
        {{ return('an Excel workbook is read whole') }}
    {%- elif stored_signature(parsed) != upstream_signature(parsed) -%}
        {{ return('transactions_path or the parsing changed since the last load') }}
    {%- elif not transactions_path_is_glob() and changed_loaded_files(ledger) | length > 0 -%}
        {{ return('the file changed since it was loaded') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{% macro refuse_changed_files(ledger, full) -%}
    {#- Stop the build, naming the files, when a file of the glob that the ledger holds
        has changed or is no longer matched: its old lines would stay mixed with its new
        ones, or stay when it is gone. -#}
    {%- if not execute or ledger is none or full -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = changed_loaded_files(ledger) -%}
    {%- if rows | length > 0 -%}
        {%- set first = rows[0] -%}
        {%- set why = "has changed since (its size or modification time differ): its old "
            ~ "lines would stay mixed with its new ones"
            if first[1] == 'changed'
            else "is no longer matched by var 'transactions_path' (" ~ var('transactions_path')
            ~ "): its lines would stay in the warehouse" -%}
        {%- set more = " (and " ~ (rows | length - 1) ~ " more file(s) changed or removed)"
            if rows | length > 1 else "" -%}
        {{ exceptions.raise_compiler_error(
            "transactions file '" ~ first[0] ~ "' was loaded by an earlier build and " ~ why
            ~ more ~ ". Run `dbt build --full-refresh` to load every file again.") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro load_batch_files(unapplied=false) -%}
    {#- The files this build loads, as a parenthesised list for `in` (the caller must
        also declare `-- depends_on: ref('raw_load_batch')`, for dbt to order it after).
        Read when the caller compiles, just before it runs, so the list is literal and
        DuckDB skips the row groups of every other file; a subquery where the batch
        cannot be read yet (parsing, `dbt compile` before the first build). With
        unapplied, only those the calling model has not applied yet (an additive
        model, which records them: record_applied_files). -#}
    {%- set batch = "select batch.source_file from " ~ ref('raw_load_batch')
        ~ " as batch where batch.status = 'new'" -%}
    {%- if unapplied -%}
        {%- set batch = batch ~ " and batch.source_file not in (select applied.source_file from "
            ~ target.schema ~ ".dbt_applied_files as applied where applied.unique_id = '"
            ~ model.unique_id ~ "')" -%}
    {%- endif -%}
    {%- if execute and load_relation(ref('raw_load_batch')) is not none -%}
        {%- set files = run_query(batch ~ " order by batch.source_file").columns[0].values() -%}
        {%- if files | length > 0 -%}
            {%- set quoted = [] -%}
            {%- for file in files -%}
                {%- do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") -%}
            {%- endfor -%}
            {{ return("(" ~ quoted | join(", ") ~ ")") }}
        {%- endif -%}
    {%- endif -%}
    {{ return("(" ~ batch ~ ")") }}
{%- endmacro %}

{% macro load_batch_period(column) -%}
    {#- A condition on a timestamp column of the lines that holds on every day this
        build's new lines are dated: from the first day of them to the end of the last,
        as literals, so that DuckDB skips the row groups of every other period when the
        lines are in time order (as weekly or daily exports are). A daily load's
        (customer, day) and (customer, timestamp) groups lie inside it. `false` when the
        new lines have no dates. Read when the caller compiles. -#}
    {%- if not execute -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set bounds = run_query(
        "select cast(min(invoiced_at) as date), cast(max(invoiced_at) as date) + 1 from "
        ~ ref('int_transaction_lines_parsed') ~ " where source_file in " ~ load_batch_files()
    ).rows[0] -%}
    {%- if bounds[0] is none -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return("(" ~ column ~ " >= cast('" ~ bounds[0] ~ "' as timestamp) and " ~ column
        ~ " < cast('" ~ bounds[1] ~ "' as timestamp))") }}
{%- endmacro %}

{% macro log_load_batch(ledger, full) -%}
    {#- One line in dbt's log: how many files transactions_path matches, how many this
        build loads, how many it skips as loaded before (or why it loads them all). -#}
    {%- if execute -%}
        {%- set listing = run_query(
            "select count(*), coalesce(sum(file_size), 0) from " ~ ref('raw_source_files')
        ).rows[0] -%}
        {%- if full -%}
            {{ log("transactions: " ~ listing[0] ~ " file(s) matched, all loaded (" ~ full ~ ")",
                info=True) }}
        {%- else -%}
            {%- set known = run_query(
                "select count(*) from " ~ ledger ~ " where source_file in (select source_file from "
                ~ ref('raw_source_files') ~ ")").columns[0].values()[0] -%}
            {{ log("transactions: " ~ listing[0] ~ " file(s) matched: " ~ (listing[0] - known)
                ~ " new, " ~ known ~ " loaded before (skipped), 0 changed", info=True) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro log_loaded_lines() -%}
    {#- One line in dbt's log: the data lines of the files this build loaded. -#}
    {%- if execute -%}
        {%- set row = run_query(
            "select count(*) filter (where status = 'new') from " ~ ref('raw_load_batch')
        ).rows[0] -%}
        {%- set lines = run_query(
            "select count(*) from " ~ ref('int_transaction_lines_parsed')
            ~ " where source_file in " ~ load_batch_files()
        ).columns[0].values()[0] -%}
        {{ log("transactions: loaded " ~ row[0] ~ " file(s), " ~ "{:,}".format(lines)
            ~ " data line(s)", info=True) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro drop_dates_no_longer_as_of() -%}
    {#- pre-hook of int_customer_rfm_history, in its transaction: rows of dates that are
        not as-of dates any more (the last build's snapshot, when new purchases moved it). -#}
    {%- if execute and is_incremental() -%}
        delete from {{ this }}
        where as_of_date not in (select as_of_date from {{ ref('int_as_of_dates') }})
    {%- endif -%}
{%- endmacro %}

{% macro forget_applied_files_unless_applying_load_batch() -%}
    {#- pre-hook of an additive incremental model (one that adds a batch's counts to
        those it holds, so applying a batch twice would count it twice), in its
        transaction: when it rebuilds in full, forget the files it had applied. -#}
    {%- if execute and engine_loads_incrementally() and not applies_load_batch() -%}
        delete from {{ target.schema }}.dbt_applied_files where unique_id = '{{ model.unique_id }}'
    {%- endif -%}
{%- endmacro %}

{% macro record_applied_files() -%}
    {#- post-hook of an additive incremental model, in the transaction that wrote its
        rows: the files it applied (those of this build's batch it had not applied
        before; every file on a full rebuild). A build killed after it committed is
        finished by the next, which loads the same files again: the model skips those
        (load_batch_files(unapplied=true)), so none is counted twice. -#}
    {%- if execute and engine_loads_incrementally() -%}
        insert into {{ target.schema }}.dbt_applied_files
        select '{{ model.unique_id }}', batch.source_file, '{{ invocation_id }}'
        from {{ ref('raw_load_batch') }} as batch
        where batch.source_file in {{ load_batch_files(unapplied=true) }}
    {%- endif -%}
{%- endmacro %}
