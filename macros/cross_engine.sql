{#- Where DuckDB and Spark SQL differ: one dispatched macro per difference, the DuckDB
    form as default__ (dbt's own cross-database macros cover the rest: type_string,
    dateadd, ...). The models call these and name no engine. -#}

{% macro days_between(start_date, end_date) -%}
    {#- Whole days from start_date to end_date (dates), as an integer. -#}
    {{ return(adapter.dispatch('days_between', 'customer_segmentation')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{% macro type_timestamp_tz() -%}
    {#- An instant in time (UTC): DuckDB's timestamp with time zone; Spark's timestamp
        is one already (shown in the session time zone, UTC in profiles.yml). -#}
    {{ return(adapter.dispatch('type_timestamp_tz', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__type_timestamp_tz() -%}
    timestamp
{%- endmacro %}

{% macro text_starts_with(text, prefix) -%}
    {#- Whether the text begins with prefix (NULL for NULL text). -#}
    {{ return(adapter.dispatch('text_starts_with', 'customer_segmentation')(text, prefix)) }}
{%- endmacro %}

{% macro default__text_starts_with(text, prefix) -%}
    starts_with({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro spark__text_starts_with(text, prefix) -%}
    startswith({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro period_starts(grain, first_day, last_day) -%}
    {#- One row per first day of a period (grain: month, week or quarter) after the
        period of first_day, up to last_day: a set-returning expression for a select
        list, typed DATE. -#}
    {{ return(adapter.dispatch('period_starts', 'customer_segmentation')(grain, first_day, last_day)) }}
{%- endmacro %}

{% macro default__period_starts(grain, first_day, last_day) -%}
    cast(unnest(generate_series(
        date_trunc('{{ grain }}', {{ first_day }}) + interval 1 {{ grain }},
        {{ last_day }},
        interval 1 {{ grain }}
    )) as date)
{%- endmacro %}

{% macro spark__period_starts(grain, first_day, last_day) -%}
    {%- set step = {'month': 'interval 1 month', 'week': 'interval 7 days', 'quarter': 'interval 3 months'}[grain] -%}
    {%- set first = {'month': 'add_months(trunc(' ~ first_day ~ ", 'MM'), 1)",
                     'week': 'date_add(trunc(' ~ first_day ~ ", 'WEEK'), 7)",
                     'quarter': 'add_months(trunc(' ~ first_day ~ ", 'QUARTER'), 3)"}[grain] -%}
    explode(case
        when {{ first }} <= {{ last_day }} then sequence({{ first }}, {{ last_day }}, {{ step }})
        else array()
    end)
{%- endmacro %}

{% macro run_hooks(hooks, inside_transaction=True) -%}
    {#- dbt's run_hooks without the COMMIT it sends before the hooks that run outside the
        model's transaction: dbt-duckdb's own version (DuckDB opens no transaction with a
        connection), which this project's override must keep, and right for Spark too,
        which has no transactions and rejects the statement (the seeds' record_build
        pre-hook runs outside the transaction). -#}
    {% for hook in hooks | selectattr('transaction', 'equalto', inside_transaction) %}
        {% set rendered = render(hook.get('sql')) | trim %}
        {% if (rendered | length) > 0 %}
            {% call statement(auto_begin=inside_transaction) %}
                {{ rendered }}
            {% endcall %}
        {% endif %}
    {% endfor %}
{%- endmacro %}

{% macro distinct_integers(column) -%}
    {#- Aggregate: how many distinct non-NULL values an integer column holds. -#}
    {{ return(adapter.dispatch('distinct_integers', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__distinct_integers(column) -%}
    {#- a bitmap over the column's range (bitstring_agg), a few MB for millions of values -#}
    bit_count(bitstring_agg({{ column }}))
{%- endmacro %}

{% macro spark__distinct_integers(column) -%}
    count(distinct {{ column }})
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {#- dbt-spark's seed loader, with each value written as an escaped literal: its
        session connection pastes bindings into the SQL unquoted, so a seed value with
        a quote (Can't Lose Them) broke the statement. -#}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast({{ spark_string_literal(value | string) }} as {{ type }})
                    {%- endif -%}
                    {{- ", " if not loop.last -}}
                {%- endfor -%}
                ){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}

{% macro value_type_name(expression) -%}
    {#- The SQL type of the expression's value as DuckDB names it (BIGINT, VARCHAR,
        DECIMAL(18,6), TIMESTAMP), on either engine. -#}
    {{ return(adapter.dispatch('value_type_name', 'customer_segmentation')(expression)) }}
{%- endmacro %}

{% macro default__value_type_name(expression) -%}
    typeof({{ expression }})
{%- endmacro %}

{% macro spark__value_type_name(expression) -%}
    case typeof({{ expression }})
        when 'string' then 'VARCHAR'
        else upper(typeof({{ expression }}))
    end
{%- endmacro %}

{% macro cents_quotient(amount, divisor) -%}
    {#- amount / divisor rounded to the cent, half away from zero, exactly: amount (a
        decimal of at most 6 places) in millionths, divided in integers, so both engines
        give the same cent (dividing decimals gives a double on DuckDB, and a rounded
        decimal on Spark, each off by a cent now and then). NULL when divisor is 0. -#}
    {#- the product in 38 digits: DuckDB multiplies an 18-digit decimal in 64 bits, which
        overflows from 9,223,372.04 on -#}
    {%- set micros = "cast(round(cast(" ~ amount ~ " as decimal(38, 6)), 6) * 1000000 as bigint)" -%}
    {%- set count = "cast(nullif(" ~ divisor ~ ", 0) as bigint)" -%}
    cast(
        cast(
            case when {{ micros }} < 0 then -1 else 1 end
            * {{ integer_divide('abs(' ~ micros ~ ') + ' ~ count ~ ' * 5000', count ~ ' * 10000') }}
            as decimal(18, 0)
        ) * 0.01
        as decimal(18, 2)
    )
{%- endmacro %}

{% macro integer_divide(dividend, divisor) -%}
    {#- Integer division of two integers, truncated toward zero. -#}
    {{ return(adapter.dispatch('integer_divide', 'customer_segmentation')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}
