"""One row per algorithm x k tried: the numbers k is chosen by (see README, "Segmentation").

A thin adapter: read customer_rfm and the clustering vars, call the package.
"""

from dbt.adapters.events.logging import AdapterLogger

from segmentation.clustering import evaluate_k, from_meta, prepare_features
from segmentation.frames import relation_to_frame, with_run_stamp

logger = AdapterLogger("cluster_evaluation")


def model(dbt, session):
    config = from_meta(dbt.config.get("meta"))
    rfm = relation_to_frame(dbt.ref("customer_rfm"))
    run = relation_to_frame(dbt.source("dbt_build", "dbt_run"))

    features = prepare_features(rfm, config, log=logger.info)
    return with_run_stamp(evaluate_k(features, config, log=logger.info), run)
