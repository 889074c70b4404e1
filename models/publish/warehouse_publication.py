"""The last step of `dbt build`: publish the work file to DUCKDB_PATH atomically.

Every mart is a parent, so dbt runs this only after all of them were built and
every test on them passed; a failed build never gets here and the published
warehouse stays as the last successful build left it.
"""

import datetime as dt

import pandas as pd

from segmentation.warehouse import current_database_path, publish, published_path

PUBLISHED_MODELS = [
    "transaction_audit",
    "rejected_transaction_lines",
    "customer_rfm",
    "eda_column_profile",
    "eda_monthly_sales",
    "eda_country_sales",
    "cluster_evaluation",
    "customer_segments",
    "pca_components",
    "segment_profiles",
    "segment_rfm_crosstab",
]


def model(dbt, session):
    dbt.ref("transaction_audit")
    dbt.ref("rejected_transaction_lines")
    dbt.ref("customer_rfm")
    dbt.ref("eda_column_profile")
    dbt.ref("eda_monthly_sales")
    dbt.ref("eda_country_sales")
    dbt.ref("cluster_evaluation")
    dbt.ref("customer_segments")
    dbt.ref("pca_components")
    dbt.ref("segment_profiles")
    dbt.ref("segment_rfm_crosstab")
    run = dbt.ref("dbt_run").df()

    work = current_database_path(session)
    target = published_path(work)
    seconds = publish(session, work, target)
    return pd.DataFrame(
        {
            "dbt_run_id": run["dbt_run_id"],
            "dbt_run_started_at": run["dbt_run_started_at"],
            "published_at": [dt.datetime.now(dt.UTC)],
            "published_path": [str(target)],
            "published_models": [", ".join(PUBLISHED_MODELS)],
            "copy_seconds": [seconds],
        }
    )
