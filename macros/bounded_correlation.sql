{% macro bounded_correlation(expression) -%}
    {#- A correlation as pandas reports it: clamped to [-1, 1] (rounding can overshoot by
        an ulp) and NULL where it is undefined (DuckDB's corr gives NaN for a constant,
        NULL for fewer than two pairs; pandas NaN for both). -#}
    case
        when ({{ expression }}) is null or isnan({{ expression }}) then null
        else greatest(-1.0, least(1.0, {{ expression }}))
    end
{%- endmacro %}
