{#- This invocation of dbt: the stamp Python models copy onto their rows. -#}

select {{ run_stamp() }}
