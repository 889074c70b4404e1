{% macro integer_from_text(column) -%}
    {#- A whole number written as text ('6', ' 6', '6.0', '1e3', blanks around it as in
        default__trimmed_text); NULL for anything else, including fractions ('6.5'), so a value
        that does not cast stays visible. Cast as found, else trimmed. -#}
    {{ return(adapter.dispatch('integer_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__integer_from_text(column) -%}
    {%- set number = "coalesce(try_cast(" ~ column ~ " as double), try_cast(" ~ default__trimmed_text(column) ~ " as double))" -%}
    case
        when {{ number }} = floor({{ number }}) then try_cast({{ number }} as bigint)
    end
{%- endmacro %}

{% macro decimal_from_text(column) -%}
    {#- A number written as text ('2.55', ' 2.55', '1e3') as DECIMAL(18, 6); NULL for
        anything else. Cast as found (the cast skips spaces, tabs and line ends), else
        trimmed (default__trimmed_text: no-break spaces too): only the few values that need the
        trim pay for it. The same answer as casting the trimmed text. -#}
    {{ return(adapter.dispatch('decimal_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__decimal_from_text(column) -%}
    coalesce(
        try_cast({{ column }} as decimal(18, 6)),
        try_cast({{ default__trimmed_text(column) }} as decimal(18, 6))
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
    {#- DuckDB's trim takes spaces and no-break spaces, not tabs or line ends: text with
        one of those is trimmed with default__trimmed_text -#}
    case
        when coalesce(lower(trim({{ column }})), '') in {{ missing_spellings() }} then true
        when regexp_matches({{ column }}, '[\t\n\r\f\x0B]')
            then lower({{ default__trimmed_text(column) }}) in {{ missing_spellings() }}
        else false
    end
{%- endmacro %}

{% macro spark__is_missing_text(column) -%}
    coalesce(lower({{ spark__trimmed_text(column) }}), '') in {{ missing_spellings() }}
{%- endmacro %}

{% macro missing_spellings() -%}
    {#- The text of a missing value, lower-cased and trimmed: empty, or an NA spelling
        of the data contract. -#}
    ('', 'nan', 'null', 'none', 'n/a')
{%- endmacro %}

{% macro default__trimmed_text(column) -%}
    {#- The text without the blanks around it: spaces, tabs, line ends (\r, \n), form
        and vertical tabs, and no-break spaces (U+00A0). Every parse reads the text inside
        the blanks, on both engines (spark__trimmed_text is the Spark form). The parse
        macros call the form of their own engine. -#}
    regexp_replace({{ column }}, '^[ \t\n\r\f\x0B\xA0]+|[ \t\n\r\f\x0B\xA0]+$', '', 'g')
{%- endmacro %}

{% macro spark__trimmed_text(column) -%}
    regexp_replace({{ column }}, '^[ \\t\\n\\r\\f\\x0B\\xA0]+|[ \\t\\n\\r\\f\\x0B\\xA0]+$', '')
{%- endmacro %}

{% macro iso_timestamp_pattern() -%}
    {#- ISO 8601 as the data contract reads it, a regular expression both engines run:
        YYYY-MM-DD, then optionally T or a blank and HH:MM, :SS, a fraction of a
        second; then optionally a zone (Z, +HH, +HH:MM), which is ignored. Groups: 1
        year, 2 month, 3 day, 5 hour, 6 minute, 8 second, 10 fraction. -#}
    {{- return("([0-9]{4})-([0-9]{2})-([0-9]{2})([T ]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]+))?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?") -}}
{%- endmacro %}

{% macro uci_timestamp_pattern() -%}
    {#- The UCI CSV export style, month first: M/D/YYYY, then optionally a blank and
        H:MM and :SS, a regular expression both engines run. -#}
    {{- return("[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?") -}}
{%- endmacro %}

{% macro timestamp_from_text(column) -%}
    {#- The text inside its blanks (default__trimmed_text) in exactly one of the two shapes the data
        contract names, else NULL: ISO (iso_timestamp_pattern: '2010-12-01 08:26:00',
        '2010-12-01T08:26', '2010-12-01') or the UCI CSV export style, month first
        (uci_timestamp_pattern: '12/1/2010 8:26'). Nothing else is a date, however an
        engine would cast it ('epoch', 'infinity', '1/2/3', '2010/12/01', a zone name).
        DuckDB: written so that each line pays for about one parse. Text in exactly the
        UCI shape goes straight to strptime; text in exactly the ISO shape to the cast;
        only the rest is trimmed and tried again. The trim is written once, inside a
        lambda: written twice, DuckDB's common-subexpression pass would compute it for
        every line. -#}
    {{ return(adapter.dispatch('timestamp_from_text', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__timestamp_from_text(column) -%}
    {%- set uci_formats = "['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y']" -%}
    {%- set iso = "'" ~ iso_timestamp_pattern() ~ "'" -%}
    {%- set uci = "'" ~ uci_timestamp_pattern() ~ "'" -%}
    case
        when contains({{ column }}, '/') and regexp_full_match({{ column }}, {{ uci }})
            then try_strptime({{ column }}, {{ uci_formats }})
        when regexp_full_match({{ column }}, {{ iso }})
            then try_cast({{ column }} as timestamp)
        else list_transform(
                [{{ default__trimmed_text(column) }}],
                lambda trimmed: case
                    when regexp_full_match(trimmed, {{ iso }})
                        then try_cast(trimmed as timestamp)
                    when regexp_full_match(trimmed, {{ uci }})
                        then try_strptime(trimmed, {{ uci_formats }})
                end
            )[1]
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
    {%- set trimmed = spark__trimmed_text(column) -%}
    {%- set number = "try_cast(replace(" ~ trimmed ~ ", '_', '') as double)" -%}
    case
        when {{ spark__number_shape(trimmed) }}
            and try_cast({{ number }} as bigint) = {{ number }}
            then try_cast({{ number }} as bigint)
    end
{%- endmacro %}

{% macro spark__decimal_from_text(column) -%}
    {%- set trimmed = spark__trimmed_text(column) -%}
    case
        when {{ spark__number_shape(trimmed) }}
            then try_cast(replace({{ trimmed }}, '_', '') as decimal(18, 6))
    end
{%- endmacro %}

{% macro spark__timestamp_from_text(column) -%}
    {#- ISO from its parts (make_timestamp: out-of-range parts give NULL); the UCI style
        with to_timestamp's patterns. -#}
    {%- set trimmed = spark__trimmed_text(column) -%}
    {%- set iso = "'^" ~ iso_timestamp_pattern() ~ "$'" -%}
    {%- set uci = "'^" ~ uci_timestamp_pattern() ~ "$'" -%}
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
