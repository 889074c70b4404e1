{% macro run_stamp() -%}
    {#- The columns that stamp a row with the dbt invocation that built it. Every mart
        carries them, so anyone can check all marts came from the same build. -#}
    '{{ invocation_id }}' as dbt_run_id,
    cast('{{ run_started_at.isoformat() }}' as {{ type_timestamp_tz() }}) as dbt_run_started_at
{%- endmacro %}
