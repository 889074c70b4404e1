{#- warehouse_publication's materialization. The model's refs are the relations the
    published warehouse holds; this passes python/segmentation/publication.py what dbt
    knows about the command (the graph, the selection, the flags), and it decides what
    may be published and writes it. The table it leaves in the work file lists what it
    published (no rows when it published nothing). -#}

{% macro publication_context() -%}
    {%- set nodes = {} -%}
    {%- set tests = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- set depends_on = node.get('depends_on', {}).get('nodes', []) -%}
        {%- if node.package_name == project_name and node.resource_type in ['model', 'seed'] -%}
            {%- do nodes.update({node.unique_id: {
                'name': node.name, 'resource_type': node.resource_type, 'depends_on': depends_on,
                'materialized': node.config.materialized,
                'unique_key': node.config.get('unique_key'),
            }}) -%}
        {%- elif node.resource_type == 'test' -%}
            {%- do tests.update({node.unique_id: {'name': node.name, 'depends_on': depends_on}}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set columns = {} -%}
    {%- for column in model.columns.values() -%}
        {%- do columns.update({column.name: column.description}) -%}
    {%- endfor -%}
    {{ return({
        'command': flags.WHICH,
        'description': model.description,
        'column_descriptions': columns,
        'invocation_id': invocation_id,
        'run_started_at': run_started_at.isoformat(),
        'publication_id': model.unique_id,
        'nodes': nodes,
        'tests': tests,
        'selected': selected_resources | list,
    }) }}
{%- endmacro %}

{% materialization publication, adapter='duckdb', supported_languages=['python'] %}

    {%- set context = publication_context() -%}
    {%- set existing = load_cached_relation(this) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing is not none -%}
        {{ adapter.drop_relation(existing) }}
    {%- endif -%}

    {%- call statement('main', language='python') -%}
{{ compiled_code }}


PUBLICATION_CONTEXT = {{ tojson(tojson(context)) }}


def materialize(result, con):
    from segmentation.publication import run_publication

    run_publication(con, PUBLICATION_CONTEXT, '{{ this }}')
    {%- endcall -%}

    {%- set target_relation = this.incorporate(type='table') -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
