{% macro classified_line_columns() -%}
    {#- The columns of a classified line (int_transaction_lines_classified), in order:
        rejected_transaction_lines keeps the same ones. -#}
    {{ return([
        'source_file',
        'line_number',
        'reason',
        'malformed_detail',
        'parse_error',
        'invoice_no',
        'stock_code',
        'description',
        'quantity',
        'invoiced_at',
        'unit_price',
        'customer_id',
        'country',
        'customer_id_text',
        'quantity_text',
        'unit_price_text',
        'invoice_date_text',
        'raw_line',
    ]) }}
{%- endmacro %}
