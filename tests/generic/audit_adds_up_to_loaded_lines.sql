{% test audit_adds_up_to_loaded_lines(model, loaded) %}
{#- Fails with one row when the audit's row counts do not add up to the number of
    loaded lines (every data line of every file loaded, this build's and earlier
    builds'), i.e. when a line was lost or counted twice. -#}
with

audited as (
    select coalesce(sum(row_count), 0) as audited_lines from {{ model }}
),

loaded as (
    select count(*) as loaded_lines from {{ loaded }}
)

select
    audited.audited_lines,
    loaded.loaded_lines
from audited
cross join loaded
where audited.audited_lines <> loaded.loaded_lines
{% endtest %}
