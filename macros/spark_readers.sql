{#- How the Spark target reads the export (models/raw/spark/). DuckDB reads it with
    python/segmentation/ingest.py; the two must give the same lines, and
    tests/python/test_spark_target.py compares them. -#}

{% macro spark_export_path() -%}
    {#- var transactions_path for Spark's file readers: a file or a glob, relative to the
        project root (dbt's working directory), refused when Spark cannot read its
        format. -#}
    {%- set path = var('transactions_path') | string | trim -%}
    {%- if not path and execute -%}
        {{ exceptions.raise_compiler_error(
            "var 'transactions_path' is empty; give a file or glob, e.g. "
            ~ "--vars '{transactions_path: data/online_retail.csv}'") }}
    {%- endif -%}
    {{ return(path | replace('`', '``')) }}
{%- endmacro %}

{% macro spark_export_format() -%}
    {#- csv or parquet, from the end of var transactions_path (the Spark target reads
        no Excel workbooks: save the sheet as CSV). -#}
    {%- set path = var('transactions_path') | string | trim | lower -%}
    {%- if path.endswith('.csv') or path.endswith('.csv.gz') -%}
        {{ return('csv') }}
    {%- elif path.endswith('.parquet') -%}
        {{ return('parquet') }}
    {%- elif not execute or target.type != 'spark' -%}
        {#- dbt renders every model when it parses, the disabled Spark readers too:
            only a Spark run that is compiling may refuse the path. -#}
        {{ return('csv') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "var 'transactions_path' is '" ~ var('transactions_path') ~ "'; on the Spark target "
        ~ "allowed: a .csv, .csv.gz or .parquet file, or a glob ending in one of them") }}
{%- endmacro %}

{% macro spark_source_file(uri, encoded=false) -%}
    {#- A file's path as the DuckDB target writes it in source_file (as Python's glob gives
        it), from the absolute URI a Spark reader gives: var transactions_path itself for
        a single file; for a glob, the pattern's directory as written, then the rest of
        the path below that directory. The `file:` scheme is dropped, and the %-escapes of
        a reader's `_metadata.file_path` (encoded) undone. A path with another scheme
        (s3:, dbfs:) is kept as Spark gives it. -#}
    {%- set given = var('transactions_path') | string | trim -%}
    {%- set path = "regexp_replace(" ~ uri ~ ", '^file:', '')" -%}
    {%- if encoded -%}
        {#- url_decode also reads + as a blank: a + stays one by being escaped first -#}
        {%- set path = "url_decode(replace(" ~ path ~ ", '+', '%2B'))" -%}
    {%- endif -%}
    {%- set magic = modules.re.search("[*?]|\\x5b", given) -%}
    {%- if not magic -%}
        {{ spark_string_literal(given) }}
    {%- elif modules.re.match('^[A-Za-z][A-Za-z0-9+.-]*:', given) or not execute -%}
        {{ path }}
    {%- else -%}
        {#- the directory before the first wildcard, as written and as an absolute path
            (the working directory is the JVM's, the dbt process's) -#}
        {%- set written = given[:magic.start()].rpartition('/')[0] -%}
        {%- set cwd = run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')").columns[0].values()[0] -%}
        {%- set parts = [] -%}
        {%- for part in ((written if given.startswith('/') else cwd ~ '/' ~ written)).split('/') -%}
            {%- if part == '..' and parts -%}
                {%- do parts.pop() -%}
            {%- elif part not in ('', '.', '..') -%}
                {%- do parts.append(part) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set absolute = '/' ~ parts | join('/') ~ ('/' if parts else '') -%}
        {%- set prefix = written ~ '/' if (written or given.startswith('/')) else '' -%}
        case
            when startswith({{ path }}, {{ spark_string_literal(absolute) }})
                then concat({{ spark_string_literal(prefix) }}, substring({{ path }}, {{ absolute | length + 1 }}))
            else {{ path }}
        end
    {%- endif -%}
{%- endmacro %}

{% macro spark_string_literal(text) -%}
    {#- text as a Spark SQL string literal (backslashes and quotes escaped). -#}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro normalised_header_name(name) -%}
    {#- A header name as compared with the aliases (Python's _normalise). -#}
    {{ return(name | lower | replace(' ', '') | replace('_', '')) }}
{%- endmacro %}

{% macro spark_header_position(names, canonical) -%}
    {#- SQL: the 1-based position of canonical's first alias in the array of normalised
        header names `names`, NULL when absent. -#}
    {%- set found = [] -%}
    {%- for alias in transaction_column_aliases()[canonical] -%}
        {%- do found.append("nullif(array_position(" ~ names ~ ", '" ~ normalised_header_name(alias) ~ "'), 0)") -%}
    {%- endfor -%}
    {{ return('cast(' ~ (found[0] if found | length == 1 else 'least(' ~ found | join(', ') ~ ')') ~ ' as int)') }}
{%- endmacro %}
