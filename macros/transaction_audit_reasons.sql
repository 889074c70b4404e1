{% macro transaction_audit_reasons() -%}
    {#- The row-accounting buckets in the order their rules apply (the contract's order). -#}
    {{ return([
        'malformed',
        'missing_customer_id',
        'duplicate',
        'cancellation',
        'non_positive_quantity',
        'non_positive_price',
        'non_product_code',
        'kept',
    ]) }}
{%- endmacro %}
