{% test audit_adds_up_to_staged_lines(model, staged) %}
{#- Fails with one row when the audit's row counts do not add up to the number of
    staged lines, i.e. when a line was lost or counted twice. -#}
with

audited as (
    select coalesce(sum(row_count), 0) as audited_lines from {{ model }}
),

staged as (
    select count(*) as staged_lines from {{ staged }}
)

select
    audited.audited_lines,
    staged.staged_lines
from audited
cross join staged
where audited.audited_lines <> staged.staged_lines
{% endtest %}
