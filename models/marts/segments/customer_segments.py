"""One row per customer of customer_rfm: their cluster, its name, PCA coordinates.

A thin adapter: the model is segment_model (fitted once per build); this labels the
snapshot's customers with it, exactly as every history row is labelled.
"""

from segmentation.clustering import SegmentModel, segment_customers
from segmentation.frames import relation_to_frame, with_run_stamp


def model(dbt, session):
    fitted = SegmentModel.from_frame(relation_to_frame(dbt.ref("segment_model")))
    rfm = relation_to_frame(dbt.ref("customer_rfm"))
    run = relation_to_frame(dbt.source("dbt_build", "dbt_run"))

    segments = segment_customers(fitted, rfm).assign(algorithm=fitted.algorithm)
    return with_run_stamp(segments, run)
