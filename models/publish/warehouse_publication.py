"""The last node of the DAG: publish what this command rebuilt and tested.

Its refs are the relations the published warehouse holds (the one list of them: the
publication and the tests read it from dbt's graph as this node's parents). The
``publication`` materialization decides what this command may publish and writes it
(python/segmentation/publication.py); the model itself only declares what is published.
"""


def model(dbt, session):
    # row accounting
    dbt.ref("transaction_audit")
    dbt.ref("rejected_transaction_lines")
    dbt.ref("transaction_files")
    # features
    dbt.ref("customer_rfm")
    # exploratory analysis
    dbt.ref("eda_column_profile")
    dbt.ref("eda_monthly_sales")
    dbt.ref("eda_country_sales")
    dbt.ref("eda_feature_correlations")
    dbt.ref("eda_outliers")
    dbt.ref("eda_line_relationships")
    # segments
    dbt.ref("cluster_evaluation")
    dbt.ref("customer_segments")
    dbt.ref("pca_components")
    dbt.ref("segment_profiles")
    dbt.ref("segment_rfm_crosstab")
    dbt.ref("segment_model")
    # segments over time
    dbt.ref("customer_rfm_history")
    dbt.ref("segment_migration")
    # the lookup tables analysts edit
    dbt.ref("non_product_stock_codes")
    dbt.ref("rfm_segment_map")
    return None
