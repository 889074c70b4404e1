{#- Spark: the data lines of the export, the same rows as the DuckDB target's loader
    (python/segmentation/ingest.py) gives, read by Spark's own readers.
    CSV (also gzipped) is read with the text reader, one row per physical line in file
    order (numbered from each line's block offset and read order), so that every line
    counts: Spark's CSV reader drops blank lines and reads an unclosed quote on to
    later lines, which would change the row accounting. A file whose lines are not all
    UTF-8 is decoded as Latin-1. Each file's header gives its layout: the delimiter
    (, ; tab |) and the position of every column; raw_transaction_lines splits the
    lines. Parquet is read with the Parquet reader, its row index giving the line and
    its columns found by name. -#}

{{ config(materialized='table') }}

{%- set delimiters = [',', ';', '\t', '|'] -%}
{%- set aliases = transaction_column_aliases() -%}
{%- set path = spark_export_path() -%}

{% if spark_export_format() == 'parquet' %}

    {%- set names = [] -%}
    {%- if execute -%}
        {%- set names = run_query('select * from parquet.`' ~ path ~ '` limit 0').column_names -%}
    {%- endif -%}
    {%- set positions = {} -%}
    {%- for name in names -%}
        {%- set normal = modules.re.sub('[\\s_]+', '', (name | string).strip().lstrip('\ufeff')).lower() -%}
        {%- for canonical, names_for in aliases.items() -%}
            {%- set known = [] -%}
            {%- for alias in names_for -%}
                {%- do known.append(normalised_header_name(alias)) -%}
            {%- endfor -%}
            {%- if canonical not in positions and normal in known -%}
                {%- do positions.update({canonical: name}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if execute and positions | length < aliases | length -%}
        {{ exceptions.raise_compiler_error(
            "transactions file '" ~ var('transactions_path') ~ "': required column missing: "
            ~ aliases.items() | rejectattr(0, 'in', positions) | map(attribute=1) | map('join', ' or ') | join('; ')
            ~ ". Found columns: " ~ names | join(', ')) }}
    {%- endif %}

    select
        {{ spark_source_file('_metadata.file_path', encoded=true) }} as source_file,
        cast(_metadata.row_index + 2 as bigint) as line_number,
        {% for canonical in aliases -%}
            cast({{ '`' ~ (positions.get(canonical, canonical) | replace('`', '``')) ~ '`' }} as string)
                as {{ canonical }},
            cast(null as int) as {{ canonical }}_position,
        {% endfor -%}
        cast(null as string) as line,
        cast(null as string) as field_delimiter,
        cast(null as int) as field_count
    from parquet.`{{ path }}`

{% else %}

    with

    physical as (

        select
            {{ spark_source_file('_metadata.file_path', encoded=true) }} as source_file,
            _metadata.file_block_start as block_start,
            monotonically_increasing_id() as read_order,
            value as line
        from text.`{{ path }}`

    ),

    numbered as (

        select
            source_file,
            cast(row_number() over (
                partition by source_file order by block_start, read_order
            ) as bigint) as line_number,
            line
        from physical

    ),

    encodings as (

        -- a file is UTF-8 when every line is; else it is read as Latin-1 (any byte is)
        select
            source_file,
            bool_and(is_valid_utf8(line)) as is_utf8
        from numbered
        group by source_file

    ),

    decoded as (

        select
            numbered.source_file,
            numbered.line_number,
            nullif(
                case
                    when encodings.is_utf8 then numbered.line
                    else decode(cast(numbered.line as binary), 'ISO-8859-1')
                end,
                ''
            ) as line
        from numbered
        inner join encodings on numbered.source_file = encodings.source_file

    ),

    header_fields as (

        select
            source_file,
            header_line,
        {% for delimiter in delimiters -%}
            transform(
                split(header_line, '\\Q{{ delimiter }}\\E', -1),
                name -> lower(regexp_replace(
                    regexp_replace(regexp_replace(name, '^\\s+|\\s+$', ''), '^"+|"+$', ''),
                    '[\\s_]+', ''
                    ))
            ) as names_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor %}
        from (
            select
                source_file,
                regexp_replace(coalesce(line, ''), '^\uFEFF+', '') as header_line
            from decoded
            where line_number = 1
        ) as headers

    ),

    header_maps as (

        -- the first delimiter whose fields name all eight columns, and where each is
        select
            source_file,
            header_line,
            coalesce(
                {% for delimiter in delimiters -%}
                    {%- set names = 'names_' ~ loop.index -%}
                    case
                        when {% for canonical in aliases -%}
                                {{ spark_header_position(names, canonical) }} is not null{{ " and " if not loop.last }}
                            {%- endfor %}
                            then named_struct(
                                    'delimiter', '{{ delimiter }}',
                                    'field_count', size({{ names }}),
                                    {% for canonical in aliases -%}
                                        '{{ canonical }}',
                                        {{ spark_header_position(names, canonical) }}{{ "," if not loop.last }}
                                    {% endfor %}
                                )
                    end{{ "," if not loop.last }}
                {% endfor %}
            ) as layout,
            concat_ws(
                '; ',
                {% for canonical, names_for in aliases.items() -%}
                    case
                        when
                            {{ spark_header_position('names_1', canonical) }} is null
                            then '{{ names_for | join(" or ") }}'
                    end{{ "," if not loop.last }}
                {% endfor %}
            ) as missing
        from header_fields

    ),

    usable as (

        select
            *,
            case
                when layout is null then raise_error(concat(
                        "transactions file '", source_file, "': required column missing: ", missing,
                        '. Found columns: ',
                        array_join(transform(
                            split(header_line, ',', -1),
                            name -> regexp_replace(regexp_replace(name, '^\\s+|\\s+$', ''), '^"+|"+$', '')
                        ), ', '),
                        '. Expected the UCI Online Retail header (InvoiceNo, StockCode, Description, ',
                        'Quantity, InvoiceDate, UnitPrice, CustomerID, Country) or the Online Retail II ',
                        'header (Invoice, StockCode, Description, Quantity, InvoiceDate, Price, ',
                        "Customer ID, Country). The header was split on ',' and no other delimiter ",
                        "(';', tab, '|') gave all eight columns either"
                    ))
            end as refusal
        from header_maps

    ),

    data_lines as (

        select
            decoded.source_file,
            decoded.line_number,
            {% for canonical in aliases -%}
                usable.layout.{{ canonical }} as {{ canonical }}_position,
                cast(null as string) as {{ canonical }},
            {% endfor -%}
            decoded.line,
            usable.layout.delimiter as field_delimiter,
            usable.layout.field_count
        from decoded
        inner join usable on decoded.source_file = usable.source_file
        where decoded.line_number > 1 and usable.refusal is null

    )

    select * from data_lines

{% endif %}
