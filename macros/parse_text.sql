{% macro integer_from_text(column) -%}
    {#- A whole number written as text ('6', ' 6', '6.0', '1e3'); NULL for anything else,
        including fractions ('6.5'), so a value that does not cast stays visible. -#}
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
