"""Customer clustering for the ``cluster_evaluation``, ``segment_model``,
``customer_segments`` and ``pca_components`` models: pure functions, DataFrame in,
DataFrame out.

A dbt Python model calls one step each::

    config = from_meta(dbt.config.get("meta"))        # typed dbt vars -> validated config
    X = prepare_features(rfm, config, log=print)       # clip, log1p, scale
    evaluation = evaluate_k(X, config, log=print)      # cluster_evaluation
    model = fit_selected_model(rfm, evaluation, config, log=print)
    model.to_frame()                                   # segment_model
    segments = segment_customers(model, rfm)           # customer_segments
    history = score_rows(SegmentModel.from_frame(segment_model), rows,
                         keys=("customer_id", "as_of_date"))   # no refit
    components = pca_components(X)

:func:`run_segmentation` makes the same calls in one go. The same input and config give
identical frames on every run.
"""

from .algorithms import kneedle
from .config import (
    ALGORITHMS,
    DENSITY_ALGORITHMS,
    OPTIONS,
    OUTLIER_POLICIES,
    SCALERS,
    VAR_NAMES,
    Option,
    SegmentationConfig,
    from_meta,
    from_vars,
    option_defaults,
    option_docs,
    validate_config,
)
from .evaluation import EVALUATION_COLUMNS, evaluate_k, selected_k
from .features import FeatureTransform, prepare_features
from .model import MODEL_FRAME_COLUMNS, SegmentModel
from .naming import NOISE_NAME, name_clusters
from .pipeline import SegmentationResult, run_segmentation
from .planted import PLANTED_TYPES, make_planted_rfm
from .profiles import profile_segments
from .scoring import label_rows, score_customers, score_rows
from .segments import (
    fit_segment_model,
    fit_segments,
    fit_selected_model,
    pca_components,
    segment_customers,
)
from .silhouette import silhouette_scores

__all__ = [
    "ALGORITHMS",
    "DENSITY_ALGORITHMS",
    "EVALUATION_COLUMNS",
    "MODEL_FRAME_COLUMNS",
    "NOISE_NAME",
    "OPTIONS",
    "OUTLIER_POLICIES",
    "PLANTED_TYPES",
    "SCALERS",
    "VAR_NAMES",
    "FeatureTransform",
    "Option",
    "SegmentModel",
    "SegmentationConfig",
    "SegmentationResult",
    "evaluate_k",
    "fit_segment_model",
    "fit_segments",
    "fit_selected_model",
    "from_meta",
    "from_vars",
    "kneedle",
    "label_rows",
    "make_planted_rfm",
    "name_clusters",
    "option_defaults",
    "option_docs",
    "pca_components",
    "prepare_features",
    "profile_segments",
    "run_segmentation",
    "score_customers",
    "score_rows",
    "segment_customers",
    "selected_k",
    "silhouette_scores",
    "validate_config",
]
