{#- What the work file remembers about the commands that wrote it, so that the
    publication can tell what was tested and published (python/segmentation/publication.py). -#}

{% macro record_run_start() -%}
    {#- on-run-start: this invocation's id and start, for the Python models' stamps. -#}
    {{ return(adapter.dispatch('record_run_start', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__record_run_start() -%}
    create or replace table {{ target.schema }}.dbt_run as
    select
        '{{ invocation_id }}' as dbt_run_id,
        cast('{{ run_started_at.isoformat() }}' as timestamp with time zone) as dbt_run_started_at,
        '{{ flags.WHICH }}' as command
{%- endmacro %}

{% macro spark__record_run_start() -%}
    {#- Spark keeps no work file and publishes nothing: its tables are the warehouse. Says
        once per command what does not run here (README "On Spark"). -#}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {{ log("spark target: the SQL models run; the Python models (clustering, segments,"
            ~ " segment history, publication) are disabled, as dbt-spark runs Python models"
            ~ " on Databricks only - README \"On Spark\"", info=true) }}
    {%- endif -%}
{%- endmacro %}

{% macro prepare_build_log() -%}
    {#- on-run-start: the append-only logs of builds and publications. -#}
    {{ return(adapter.dispatch('prepare_build_log', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__prepare_build_log() -%}
    create table if not exists {{ target.schema }}.dbt_build_log (
        unique_id varchar, dbt_run_id varchar, built_at timestamp with time zone
    );
    create table if not exists {{ target.schema }}.dbt_publication_log (
        dbt_run_id varchar, published_at timestamp with time zone
    );
    create table if not exists {{ target.schema }}.dbt_incremental_state (
        unique_id varchar, signature varchar, dbt_run_id varchar,
        recorded_at timestamp with time zone
    );
    create table if not exists {{ target.schema }}.dbt_applied_files (
        unique_id varchar, source_file varchar, dbt_run_id varchar
    )
{%- endmacro %}

{% macro spark__prepare_build_log() -%}
    {#- Spark keeps no work file and publishes nothing: its tables are the warehouse. -#}
{%- endmacro %}

{% macro record_build() -%}
    {#- pre-hook of every model and seed, committed before the node is built: this
        invocation (re)builds this node. Recorded first, so a node that a failed or killed
        command may have written never passes for what the last publication saw. -#}
    {{ return(adapter.dispatch('record_build', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__record_build() -%}
    insert into {{ target.schema }}.dbt_build_log
    values ('{{ model.unique_id }}', '{{ invocation_id }}', now())
{%- endmacro %}

{% macro spark__record_build() -%}
    {#- Spark keeps no work file and publishes nothing: its tables are the warehouse. -#}
{%- endmacro %}

{% macro publication_command(built) -%}
    {#- The `dbt build` that rebuilds, tests and publishes what `built` (unique ids of
        models and seeds) changed: each node none of the others feeds, with a `+`. -#}
    {%- set roots = [] -%}
    {%- for unique_id in built -%}
        {%- set parents = graph.nodes[unique_id].get('depends_on', {}).get('nodes', []) -%}
        {%- if not (parents | select('in', built) | list) -%}
            {%- do roots.append(graph.nodes[unique_id].name ~ '+') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('dbt build -s ' ~ (roots | sort | join(' '))) }}
{%- endmacro %}

{% macro report_publication(results) -%}
    {#- on-run-end: one line saying the published warehouse was not replaced, when the
        publication node did not run or did not finish (it says itself what it did). -#}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set warehouse = env_var('DUCKDB_PATH', 'warehouse.duckdb') -%}
        {%- set publication = 'model.' ~ project_name ~ '.warehouse_publication' -%}
        {%- set state = namespace(publication=none, failed=0) -%}
        {%- set built = [] -%}
        {%- for result in results -%}
            {%- if result.node.unique_id == publication -%}
                {%- set state.publication = result.status -%}
            {%- elif result.node.resource_type in ['model', 'seed'] and result.status == 'success' -%}
                {%- do built.append(result.node.unique_id) -%}
            {%- endif -%}
            {%- if result.status in ['error', 'fail', 'runtime error'] -%}
                {%- set state.failed = state.failed + 1 -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if state.publication is none and built -%}
            {{ log(warehouse ~ ' not replaced: `dbt ' ~ flags.WHICH ~ '` did not run '
                ~ 'warehouse_publication, so what it built stays in the work file; to test '
                ~ 'and publish: ' ~ publication_command(built), info=True) }}
        {%- elif state.publication is not none and state.publication != 'success' -%}
            {{ log(warehouse ~ ' not replaced: ' ~ state.failed ~ ' node(s) failed, so '
                ~ 'nothing of this command was published; the warehouse is as the last '
                ~ 'publication left it', info=True) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
