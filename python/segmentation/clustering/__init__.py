"""Customer clustering for the ``cluster_evaluation``, ``customer_segments`` and
``pca_components`` models: pure functions, DataFrame in, DataFrame out.
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
from .naming import NOISE_NAME, name_clusters

__all__ = [
    "ALGORITHMS",
    "NOISE_NAME",
    "OUTLIER_POLICIES",
    "SCALERS",
    "VAR_NAMES",
    "SegmentationConfig",
    "from_vars",
    "kneedle",
    "name_clusters",
    "validate_config",
]
