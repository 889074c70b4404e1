{#- A Python model whose result is SQL text becomes a view of that SQL; one whose
    result is a relation or a data frame becomes a table (as with `table`).

    raw_export_lines uses it so that the export's fields are not written to the
    warehouse as text before they are typed: writing every field of every line as
    text cost more than all the cleaning after it. Its view reads a CSV's lines
    (copied once, compactly, into raw_csv_lines) or a Parquet file in place; an Excel
    workbook, read through pandas, still lands in a table. -#}
{% materialization python_view, adapter='duckdb', supported_languages=['python'] %}

    {%- set existing = load_cached_relation(this) -%}
    {%- set scratch = '__dbt_python_view_' ~ this.identifier -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing is not none -%}
        {{ adapter.drop_relation(existing) }}
    {%- endif -%}

    {%- call statement('main', language='python') -%}
{{ compiled_code }}


def materialize(result, con):
    if isinstance(result, str):
        con.execute('create view {{ this }} as ' + result)
    else:
        con.register('{{ scratch }}', result)
        con.execute('create table {{ this }} as select * from "{{ scratch }}"')
        con.unregister('{{ scratch }}')
    {%- endcall -%}

    {%- set kind = run_query(
        "select table_type from information_schema.tables"
        ~ " where table_catalog = '" ~ this.database ~ "'"
        ~ " and table_schema = '" ~ this.schema ~ "'"
        ~ " and table_name = '" ~ this.identifier ~ "'"
    ).columns[0].values()[0] -%}
    {%- set target_relation = this.incorporate(type='view' if kind == 'VIEW' else 'table') -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
