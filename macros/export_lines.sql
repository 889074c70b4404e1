{#- How a line of the export becomes fields, on either engine: the header names each
    column goes by, and the CSV splitting raw_transaction_lines applies to every line.
    The readers (python/segmentation/ingest.py on DuckDB, models/raw/spark/ on Spark)
    only find the lines and each file's layout; what makes a line malformed is decided
    in models/raw/raw_transaction_lines.sql with these macros. -#}

{% macro transaction_column_aliases() -%}
    {#- The header names each source column goes by (UCI Online Retail, then Online
        Retail II), compared after lower-casing and removing blanks and underscores. The
        same as COLUMN_ALIASES in python/segmentation/ingest.py (a test checks). -#}
    {{ return({
        'invoice_no': ['InvoiceNo', 'Invoice'],
        'stock_code': ['StockCode'],
        'description': ['Description'],
        'quantity': ['Quantity'],
        'invoice_date': ['InvoiceDate'],
        'unit_price': ['UnitPrice', 'Price'],
        'customer_id': ['CustomerID', 'Customer ID'],
        'country': ['Country'],
    }) }}
{%- endmacro %}

{% macro decimal_comma_columns() -%}
    {#- The columns written with a decimal comma (2,55) in a `;`-delimited export. -#}
    {{ return(['quantity', 'unit_price', 'customer_id']) }}
{%- endmacro %}

{% macro split_csv_line(line, delimiter) -%}
    {#- SQL: the fields of one CSV line (a list of text) split at the delimiter (a
        one-character text column): a line without quotes at every delimiter; an odd
        number of quotes gives NULL (an unclosed quote); else at the delimiters outside
        quotes, each quoted field losing its quotes and its doubled quotes undoubled.
        The quote segments at odd positions (counting from 1) are outside quotes; their
        delimiters become a unit separator (chr 31, never in retail text: if it ever
        is, the line fails the field count and is reported malformed, not mis-split). -#}
    {{ return(adapter.dispatch('split_csv_line', 'customer_segmentation')(line, delimiter)) }}
{%- endmacro %}

{% macro default__split_csv_line(line, delimiter) -%}
    case
        when {{ line }} is null then null
        when not contains({{ line }}, '"') then string_split({{ line }}, {{ delimiter }})
        when (length({{ line }}) - length(replace({{ line }}, '"', ''))) % 2 = 1 then null
        else list_transform(
                string_split(
                    array_to_string(
                        list_transform(
                            list_zip(
                                string_split({{ line }}, '"'),
                                range(1, len(string_split({{ line }}, '"')) + 1)
                            ),
                            lambda segment: if(
                                segment[2] % 2 = 1,
                                replace(segment[1], {{ delimiter }}, chr(31)),
                                segment[1]
                            )
                        ),
                        '"'
                    ),
                    chr(31)
                ),
                lambda value: if(
                    length(value) >= 2 and starts_with(value, '"') and ends_with(value, '"'),
                    replace(value[2:-2], '""', '"'),
                    value
                )
            )
    end
{%- endmacro %}

{% macro spark__split_csv_line(line, delimiter) -%}
    case
        when {{ line }} is null then null
        when not contains({{ line }}, '"') then split({{ line }}, concat('\\Q', {{ delimiter }}, '\\E'), -1)
        when (length({{ line }}) - length(replace({{ line }}, '"', ''))) % 2 = 1 then null
        else transform(
                split(
                    array_join(
                        transform(
                            split({{ line }}, '"', -1),
                            (segment, i) -> if(i % 2 = 0, replace(segment, {{ delimiter }}, char(31)), segment)
                        ),
                        '"'
                    ),
                    char(31),
                    -1
                ),
                value -> if(
                    length(value) >= 2 and startswith(value, '"') and endswith(value, '"'),
                    replace(substring(value, 2, length(value) - 2), '""', '"'),
                    value
                )
            )
    end
{%- endmacro %}

{% macro list_size(list) -%}
    {#- SQL: the number of elements of a list (an array on Spark). -#}
    {{ return(adapter.dispatch('list_size', 'customer_segmentation')(list)) }}
{%- endmacro %}

{% macro default__list_size(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_size(list) -%}
    size({{ list }})
{%- endmacro %}

{% macro list_item(list, position) -%}
    {#- SQL: the element at a 1-based position of a list (an array on Spark). -#}
    {{ return(adapter.dispatch('list_item', 'customer_segmentation')(list, position)) }}
{%- endmacro %}

{% macro default__list_item(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_item(list, position) -%}
    element_at({{ list }}, {{ position }})
{%- endmacro %}
