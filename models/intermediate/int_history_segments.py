"""The learned segment of every customer at every as-of date, from the one fitted model.

A thin adapter: the model (segment_model, fitted once per build on the snapshot) labels
every row of int_customer_rfm_history with its own transform, scaler and centres, so a
cluster_id means the same kind of customer at every date (python/segmentation/clustering).
The rows stay in Arrow (only the features go to pandas): a million rows of keys through
pandas cost more than the labelling.
"""

from segmentation.clustering import SegmentModel, label_rows
from segmentation.frames import beside, relation_to_arrow, relation_to_frame

KEYS = ["customer_id", "as_of_date"]


def model(dbt, session):
    fitted = SegmentModel.from_frame(relation_to_frame(dbt.ref("segment_model")))
    features = list(fitted.transform.features)
    columns = ", ".join(f'"{name}"' for name in (*KEYS, *features))
    history = relation_to_arrow(dbt.ref("int_customer_rfm_history").select(columns))
    labels = label_rows(fitted, history.select(features).to_pandas())
    return beside(history.select(KEYS), labels)
