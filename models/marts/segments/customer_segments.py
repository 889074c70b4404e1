"""One row per customer of customer_rfm: their cluster, its name, PCA coordinates.

A thin adapter: k comes from cluster_evaluation's selected row, the fit and the
naming rule from python/segmentation/clustering.
"""

from dbt.adapters.events.logging import AdapterLogger

from segmentation.clustering import fit_segments, from_vars, prepare_features, selected_k
from segmentation.frames import relation_to_frame, with_run_stamp

logger = AdapterLogger("customer_segments")


def model(dbt, session):
    config = from_vars(dbt.config.get("meta"))
    rfm = relation_to_frame(dbt.ref("customer_rfm"))
    evaluation = relation_to_frame(dbt.ref("cluster_evaluation"))
    run = relation_to_frame(dbt.source("dbt_build", "dbt_run"))

    features = prepare_features(rfm, config, log=logger.info)
    segments = fit_segments(rfm, features, selected_k(evaluation), config, log=logger.info)
    selected = evaluation[evaluation["is_selected"]].iloc[0]
    segments["algorithm"] = selected["algorithm"]
    return with_run_stamp(segments, run)
