{% test unique_within(model, column_name, within) %}
{#- Fails with one row per value of `within` in which the integer `column_name` repeats
    or is NULL. Counts distinct values with a bitmap (bitstring_agg over the column's
    range), so a file of millions of line numbers needs a few MB, where hashing every
    (within, column) pair needs hundreds. -#}
select
    {{ within }},
    count(*) as row_count,
    bit_count(bitstring_agg({{ column_name }})) as distinct_values
from {{ model }}
group by {{ within }}
having count(*) <> bit_count(bitstring_agg({{ column_name }}))
{% endtest %}
