"""Customer clustering for the ``cluster_evaluation``, ``customer_segments`` and
``pca_components`` models: pure functions, DataFrame in, DataFrame out.

A dbt Python model calls one step each::

    config = from_vars(dbt.config.get("meta"))       # dbt vars -> validated config
    X = prepare_features(rfm, config, log=print)      # clip, log1p, scale
    evaluation = evaluate_k(X, config, log=print)     # cluster_evaluation
    segments = fit_segments(rfm, X, selected_k(evaluation), config, log=print)
    components = pca_components(X)

:func:`run_segmentation` makes the same calls in one go. The same input and config give
identical frames on every run.
"""

from .algorithms import kneedle
from .config import (
    ALGORITHMS,
    OUTLIER_POLICIES,
    SCALERS,
    VAR_NAMES,
    SegmentationConfig,
    from_vars,
    validate_config,
)
from .evaluation import EVALUATION_COLUMNS, evaluate_k, selected_k
from .features import prepare_features
from .naming import NOISE_NAME, name_clusters
from .pipeline import SegmentationResult, run_segmentation
from .planted import PLANTED_TYPES, make_planted_rfm
from .profiles import profile_segments
from .segments import fit_segments, pca_components
from .silhouette import silhouette_scores

__all__ = [
    "ALGORITHMS",
    "EVALUATION_COLUMNS",
    "NOISE_NAME",
    "OUTLIER_POLICIES",
    "PLANTED_TYPES",
    "SCALERS",
    "VAR_NAMES",
    "SegmentationConfig",
    "SegmentationResult",
    "evaluate_k",
    "fit_segments",
    "from_vars",
    "kneedle",
    "make_planted_rfm",
    "name_clusters",
    "pca_components",
    "prepare_features",
    "profile_segments",
    "run_segmentation",
    "selected_k",
    "silhouette_scores",
    "validate_config",
]
