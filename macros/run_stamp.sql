{% macro run_stamp(id_column='dbt_run_id', started_column='dbt_run_started_at') -%}
    {#- The columns that stamp a row with the dbt invocation that built it. Every mart
        carries them, so anyone can check all marts came from the same build; the one
        mart daily loads extend names them loaded_by_run_id and loaded_at instead. -#}
    '{{ invocation_id }}' as {{ id_column }},
    cast('{{ run_started_at.isoformat() }}' as {{ type_timestamp_tz() }}) as {{ started_column }}
{%- endmacro %}
