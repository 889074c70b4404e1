"""The fitted clustering model as a relation: what defines every learned segment.

Fitted once per build, on customer_rfm with the k cluster_evaluation selected. Every
model that labels customers (customer_segments, and int_history_segments for every
as-of date) reads it back with SegmentModel.from_frame instead of fitting again, so a
cluster means the same kind of customer everywhere (python/segmentation/clustering).
"""

from dbt.adapters.events.logging import AdapterLogger

from segmentation.clustering import fit_selected_model, from_meta
from segmentation.frames import relation_to_frame, with_run_stamp

logger = AdapterLogger("segment_model")


def model(dbt, session):
    config = from_meta(dbt.config.get("meta"))
    rfm = relation_to_frame(dbt.ref("customer_rfm"))
    evaluation = relation_to_frame(dbt.ref("cluster_evaluation"))
    run = relation_to_frame(dbt.source("dbt_build", "dbt_run"))

    fitted = fit_selected_model(rfm, evaluation, config, log=logger.info)
    return with_run_stamp(fitted.to_frame(), run)
