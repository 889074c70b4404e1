{% macro integer_from_text(column) -%}
    {#- A whole number written as text ('6', ' 6', '6.0', '1e3'); NULL for anything else,
        including fractions ('6.5'), so a value that does not cast stays visible. -#}
    {{ return(adapter.dispatch('integer_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__integer_from_text(column) -%}
    case
        when try_cast({{ column }} as double) = floor(try_cast({{ column }} as double))
            then try_cast(try_cast({{ column }} as double) as bigint)
    end
{%- endmacro %}

{% macro decimal_from_text(column) -%}
    {#- A number written as text ('2.55', ' 2.55', '1e3') as DECIMAL(18, 6); NULL for
        anything else. Cast as found (the cast skips spaces, tabs and line ends), else
        trimmed (of no-break spaces too): only the few values that need the trim pay
        for it. The same answer as casting the trimmed text. -#}
    {{ return(adapter.dispatch('decimal_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__decimal_from_text(column) -%}
    coalesce(
        try_cast({{ column }} as decimal(18, 6)),
        try_cast(trim({{ column }}) as decimal(18, 6))
    )
{%- endmacro %}

{% macro is_missing_text(column) -%}
    {#- True for an empty value or one of the NA spellings the data contract names
        (nan, null, none, n/a, any case); other text (NA, #N/A) is a value that does not cast.
        The text is trimmed once: an expression written twice is computed for every
        line by DuckDB's common-subexpression pass, even where a case skips it. -#}
    {{ return(adapter.dispatch('is_missing_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__is_missing_text(column) -%}
    coalesce(lower(trim({{ column }})), '') in ('', 'nan', 'null', 'none', 'n/a')
{%- endmacro %}

{% macro timestamp_from_text(column) -%}
    {#- ISO ('2010-12-01 08:26:00', '2010-12-01T08:26', '2010-12-01') or the UCI CSV export
        style, month first ('12/1/2010 8:26'), blanks around it allowed. The answer is
        always that of: the ISO cast of the trimmed text, else strptime of it. It is
        written so that each line pays for about one parse:
        - text in exactly the UCI shape goes straight to strptime. The ISO cast cannot
          read it (a day has at most two digits, and four follow), and a cast that
          fails costs several times one that succeeds;
        - other text is cast as it is (the cast skips spaces around it). Only text that
          does not cast is trimmed and tried again. The trim is written once, inside a
          lambda: written twice, DuckDB's common-subexpression pass would compute it
          for every line. -#}
    {{ return(adapter.dispatch('timestamp_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__timestamp_from_text(column) -%}
    {%- set uci_formats = "['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y']" -%}
    case
        when contains({{ column }}, '/')
            and regexp_full_match({{ column }}, '\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?')
            then try_strptime({{ column }}, {{ uci_formats }})
        else coalesce(
                try_cast({{ column }} as timestamp),
                list_transform(
                    [trim({{ column }})],
                    lambda trimmed: coalesce(
                        try_cast(trimmed as timestamp),
                        try_strptime(trimmed, {{ uci_formats }})
                    )
                )[1]
            )
    end
{%- endmacro %}

{% macro csv_line(columns) -%}
    {#- The values joined back into one CSV line: empty for NULL, quoted (inner quotes
        doubled) when a value holds a comma or a quote. -#}
    {{ return(adapter.dispatch('csv_line', 'customer_segmentation')(columns)) }}
{%- endmacro %}

{% macro default__csv_line(columns) -%}
    concat_ws(
        ',',
        {% for column in columns -%}
            case
                when contains({{ column }}, ',') or contains({{ column }}, '"')
                    then '"' || replace({{ column }}, '"', '""') || '"'
                else coalesce({{ column }}, '')
            end{{ "," if not loop.last }}
        {% endfor %}
    )
{%- endmacro %}

{#- Spark. Its casts read more than DuckDB's (`6d` and `0x1p3` as numbers, `2010` as a
    timestamp), so text must first have the shape DuckDB reads; then it is cast. -#}

{% macro spark__number_shape(column) -%}
    {#- text DuckDB casts to a number: blanks around it, a sign, digits (single
        underscores between them), a point, an exponent -#}
    {{ column }} rlike '^\\s*[+-]?([0-9]+(_[0-9]+)*(\\.([0-9]+(_[0-9]+)*)?)?|\\.[0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+)?\\s*$'
{%- endmacro %}

{% macro spark__integer_from_text(column) -%}
    case
        when {{ spark__number_shape(column) }}
            and try_cast(try_cast(replace({{ column }}, '_', '') as double) as bigint)
            = try_cast(replace({{ column }}, '_', '') as double)
            then try_cast(try_cast(replace({{ column }}, '_', '') as double) as bigint)
    end
{%- endmacro %}

{% macro spark__decimal_from_text(column) -%}
    {%- set trimmed = "regexp_replace(" ~ column ~ ", '^[\\\\s\\u00A0]+|[\\\\s\\u00A0]+$', '')" -%}
    case
        when {{ spark__number_shape(trimmed) }}
            then try_cast(replace({{ trimmed }}, '_', '') as decimal(18, 6))
    end
{%- endmacro %}

{% macro spark__timestamp_from_text(column) -%}
    {#- ISO-like (a `-` or `/` between year, month and day; `T` or a blank before the
        time; a zone suffix is ignored, as DuckDB ignores it) from its parts; the UCI
        style with to_timestamp's patterns. Out-of-range parts give NULL. -#}
    {%- set trimmed = "regexp_replace(" ~ column ~ ", '^[\\\\s\\u00A0]+|[\\\\s\\u00A0]+$', '')" -%}
    {%- set iso = "'^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})([T ]([0-9]{1,2}):([0-9]{1,2})(:([0-9]{1,2})(\\\\.([0-9]+))?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'" -%}
    {%- set uci = "'^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?$'" -%}
    case
        when {{ trimmed }} rlike {{ uci }} then coalesce(
                try_to_timestamp({{ trimmed }}, 'M/d/yyyy H:mm'),
                try_to_timestamp({{ trimmed }}, 'M/d/yyyy H:mm:ss'),
                try_to_timestamp({{ trimmed }}, 'M/d/yyyy')
            )
        when {{ trimmed }} rlike {{ iso }} then make_timestamp(
                cast(regexp_extract({{ trimmed }}, {{ iso }}, 1) as int),
                cast(regexp_extract({{ trimmed }}, {{ iso }}, 2) as int),
                cast(regexp_extract({{ trimmed }}, {{ iso }}, 3) as int),
                coalesce(try_cast(regexp_extract({{ trimmed }}, {{ iso }}, 5) as int), 0),
                coalesce(try_cast(regexp_extract({{ trimmed }}, {{ iso }}, 6) as int), 0),
                coalesce(try_cast(regexp_extract({{ trimmed }}, {{ iso }}, 8) as int), 0)
                + coalesce(try_cast(
                    concat('0.', substring(regexp_extract({{ trimmed }}, {{ iso }}, 10), 1, 6))
                    as decimal(8, 6)), 0)
            )
    end
{%- endmacro %}
