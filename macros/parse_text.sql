{% macro integer_from_text(column) -%}
    {#- A whole number written as text ('6', ' 6', '6.0', '1e3'); NULL for anything else,
        including fractions ('6.5'), so a value that does not cast stays visible. -#}
    case
        when try_cast({{ column }} as double) = floor(try_cast({{ column }} as double))
            then try_cast(try_cast({{ column }} as double) as bigint)
    end
{%- endmacro %}

{% macro is_missing_text(column) -%}
    {#- True for an empty value or one of the NA spellings pandas reads as missing. -#}
    (
        nullif(trim({{ column }}), '') is null
        or lower(trim({{ column }})) in ('nan', 'na', 'n/a', 'null', 'none', '#n/a')
    )
{%- endmacro %}

{% macro timestamp_from_text(column) -%}
    {#- ISO ('2010-12-01 08:26:00', '2010-12-01T08:26', '2010-12-01') or the UCI CSV export
        style, month first ('12/1/2010 8:26'). The ISO cast is tried first: it is an
        order of magnitude cheaper than strptime and covers most exports. -#}
    coalesce(
        try_cast(trim({{ column }}) as timestamp),
        try_strptime(trim({{ column }}), ['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y'])
    )
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
