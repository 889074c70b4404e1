{% macro customer_feature_columns() -%}
    {#- The numeric customer features of customer_rfm, in its column order: the var
        `eda_correlation_features` when set, else every column its contract types as a
        number but the ids (`*_id`) and the 1-5 scores (`*_score`, ranks of a feature).
        Read from the contract in dbt's graph, so a numeric column added to customer_rfm
        joins by itself, and nothing needs the table to exist yet. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set chosen = var('eda_correlation_features') -%}
    {%- set node = (graph.get('nodes') or {}).values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'customer_rfm')
        | first -%}
    {%- if node is not defined or node is none -%}
        {#- a unit test sees no graph: it names its features in the var -#}
        {%- if chosen -%}
            {{ return(chosen | list) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "customer_feature_columns: customer_rfm is not in dbt's graph; set var 'eda_correlation_features'"
        ) }}
    {%- endif -%}
    {%- set numeric_types = [
        'tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'ubigint', 'uinteger',
        'decimal', 'numeric', 'double', 'float', 'real'
    ] -%}
    {%- set numeric, features = [], [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- set type_name = (column.data_type or '') | lower | replace(' ', '') -%}
        {%- if type_name.split('(')[0] in numeric_types -%}
            {%- do numeric.append(name) -%}
            {%- if not (name.endswith('_id') or name.endswith('_score')) -%}
                {%- do features.append(name) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if chosen is none -%}
        {{ return(features) }}
    {%- endif -%}
    {%- if chosen is string or chosen | length == 0 or chosen | reject('in', numeric) | list -%}
        {{ exceptions.raise_compiler_error(
            "var 'eda_correlation_features' is " ~ chosen ~ "; allowed: null (every numeric "
            ~ "feature of customer_rfm) or a list of its numeric columns: " ~ numeric | join(', ')
        ) }}
    {%- endif -%}
    {{ return(chosen | list) }}
{%- endmacro %}

{% macro eda_top_lines_share() -%}
    {#- The var `eda_top_lines_share`, checked: a number above 0 and at most 1. -#}
    {%- set share = var('eda_top_lines_share') -%}
    {%- if share is not number or share is sameas true or share is sameas false
        or not (0 < share <= 1) -%}
        {{ exceptions.raise_compiler_error(
            "var 'eda_top_lines_share' is " ~ share ~ "; allowed: a number above 0 and at most 1 "
            ~ "(0.01 = the top 1% of kept lines)"
        ) }}
    {%- endif -%}
    {{ return(share) }}
{%- endmacro %}

{% macro profiled_line_columns() -%}
    {#- The columns of the export eda_column_profile profiles, in the export's order:
        name in int_transaction_lines_parsed, the export's header, the column holding
        the text found where the typed value is NULL (none for text columns), and
        whether pandas' describe() would treat it as a number. -#}
    {{ return([
        {'name': 'invoice_no', 'source': 'InvoiceNo', 'text': none, 'numeric': false},
        {'name': 'stock_code', 'source': 'StockCode', 'text': none, 'numeric': false},
        {'name': 'description', 'source': 'Description', 'text': none, 'numeric': false},
        {'name': 'quantity', 'source': 'Quantity', 'text': 'quantity_text', 'numeric': true},
        {'name': 'invoiced_at', 'source': 'InvoiceDate', 'text': 'invoice_date_text', 'numeric': false},
        {'name': 'unit_price', 'source': 'UnitPrice', 'text': 'unit_price_text', 'numeric': true},
        {'name': 'customer_id', 'source': 'CustomerID', 'text': 'customer_id_text', 'numeric': true},
        {'name': 'country', 'source': 'Country', 'text': none, 'numeric': false},
    ]) }}
{%- endmacro %}

{% macro split_lines_where(delta, unapplied=false) -%}
    {#- The lines the EDA profiles: every line of int_transaction_lines_parsed that split
        into fields; with delta (a daily load), only those of this build's new files
        (with unapplied, of those the calling model has not applied yet). -#}
    parse_error is null
    {%- if delta %} and source_file in {{ load_batch_files(unapplied) }}{% endif %}
{%- endmacro %}
