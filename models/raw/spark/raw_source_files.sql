{#- Spark: every file var `transactions_path` matches (a file or a glob of one format), in
    path order, listed by Spark's binaryFile reader (only its path, length and
    modification time are read, not its content). An empty file, a file of a type Spark
    does not read here, or a glob mixing formats stops the build naming the file; a path
    that matches nothing stops it with Spark's PATH_NOT_FOUND, which names the path. -#}

{{ config(materialized='table') }}

with

listing as (

    select
        {{ spark_source_file('path') }} as source_file,
        length as file_size,
        modificationtime as modified_at
    from binaryfile.`{{ spark_export_path() }}`

),

typed as (

    select
        *,
        case
            when lower(source_file) like '%.csv' or lower(source_file) like '%.csv.gz' then 'csv'
            when lower(source_file) like '%.parquet' then 'parquet'
        end as file_format
    from listing

),

checked as (

    select
        source_file,
        file_format,
        file_size,
        modified_at,
        case
            when file_format is null
                then raise_error(concat(
                        "transactions file '", source_file, "': unsupported file type on the ",
                        'Spark target; allowed: .csv, .csv.gz, .parquet (or a glob of one of them)'
                    ))
            when file_size = 0
                then raise_error(concat(
                        "transactions file '", source_file, "': is empty (0 bytes)"
                    ))
            when size(collect_set(file_format) over ()) > 1 then raise_error(concat(
                    "transactions file '{{ var('transactions_path') }}': the glob mixes ",
                    'formats; point it at files of one format'
                ))
        end as refusal
    from typed

)

select
    source_file,
    cast(row_number() over (order by source_file) as bigint) as path_order,
    file_format,
    cast(file_size as bigint) as file_size,
    cast(unix_micros(modified_at) * 1000 as bigint) as file_modified_ns
from checked
where refusal is null
