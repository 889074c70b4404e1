{#- The vars that say "as of when": each validated up front, with an error naming the var,
    the value and what is allowed, and handed to SQL as a typed value, never as its text. -#}

{% macro snapshot_date_sql() -%}
    {#- The var snapshot_date as a SQL DATE built from its validated year, month and day,
        or `null` when the var is null (then the day after the latest kept purchase). -#}
    {%- set value = var('snapshot_date') -%}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set allowed = "allowed: null (the day after the latest kept purchase) or a date "
        ~ "written YYYY-MM-DD, e.g. 2011-12-10" -%}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- if not parts -%}
        {{ exceptions.raise_compiler_error("var 'snapshot_date' is '" ~ text ~ "'; " ~ allowed) }}
    {%- endif -%}
    {%- set year, month, day = parts.group(1) | int, parts.group(2) | int, parts.group(3) | int -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {{ exceptions.raise_compiler_error(
            "var 'snapshot_date' is '" ~ text ~ "', which is not a day of the calendar; "
            ~ allowed) }}
    {%- endif -%}
    {{ return('make_date(' ~ year ~ ', ' ~ month ~ ', ' ~ day ~ ')') }}
{%- endmacro %}

{% macro history_grain() -%}
    {#- The var history_grain: month, week or quarter. -#}
    {%- set grain = var('history_grain') | string | trim | lower -%}
    {%- if grain not in ['month', 'week', 'quarter'] -%}
        {{ exceptions.raise_compiler_error(
            "var 'history_grain' is '" ~ var('history_grain') ~ "'; allowed: month, week, quarter") }}
    {%- endif -%}
    {{ return(grain) }}
{%- endmacro %}

{% macro history_window_days() -%}
    {#- The var history_window_days: none (all history) or a whole number of days >= 1. -#}
    {%- set value = var('history_window_days') -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', text) or text | int < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var 'history_window_days' is '" ~ text ~ "'; allowed: null (all history) or a "
            ~ "whole number of days >= 1, e.g. 365") }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}
