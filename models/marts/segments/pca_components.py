"""The principal components behind pca_1 / pca_2, one row per component x feature.

A thin adapter: the transformed features are read back from customer_segments, so
the components describe exactly the coordinates published there.
"""

from segmentation.clustering import pca_components
from segmentation.frames import relation_to_frame, with_run_stamp

TRANSFORMED_SUFFIX = "_transformed"


def model(dbt, session):
    segments = relation_to_frame(dbt.ref("customer_segments"))
    run = relation_to_frame(dbt.source("dbt_build", "dbt_run"))

    transformed = [c for c in segments.columns if c.endswith(TRANSFORMED_SUFFIX)]
    features = segments.set_index("customer_id")[transformed]
    wide = pca_components(features)
    loadings = [c for c in wide.columns if c.startswith("loading_")]
    long = wide.melt(
        id_vars=[c for c in wide.columns if c not in loadings],
        value_vars=loadings,
        var_name="feature",
        value_name="loading",
    )
    long["feature"] = long["feature"].str.removeprefix("loading_")
    long = long.sort_values(["component", "feature"], kind="stable").reset_index(drop=True)
    return with_run_stamp(long, run)
