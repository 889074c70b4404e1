"""Every step in one call, for notebooks and tests; dbt models call the steps one by one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ._progress import Log, timed
from .config import SegmentationConfig
from .evaluation import evaluate_k, selected_k
from .features import prepare_features
from .profiles import profile_segments
from .segments import fit_segments, pca_components


@dataclass(frozen=True)
class SegmentationResult:
    """What :func:`run_segmentation` returns; each frame is what one dbt model publishes.

    Attributes:
        features: :func:`prepare_features` output (indexed by customer_id).
        evaluation: :func:`evaluate_k` output (``cluster_evaluation``).
        segments: :func:`fit_segments` output (``customer_segments``).
        pca_components: :func:`pca_components` output.
        profiles: :func:`profile_segments` output (``segment_profiles``).
        k: the selected k (for DBSCAN, the clusters found).
    """

    features: pd.DataFrame
    evaluation: pd.DataFrame
    segments: pd.DataFrame
    pca_components: pd.DataFrame
    profiles: pd.DataFrame
    k: int


def run_segmentation(
    rfm: pd.DataFrame, config: SegmentationConfig | None = None, log: Log | None = None
) -> SegmentationResult:
    """prepare_features -> evaluate_k -> fit_segments(selected k) -> PCA and profiles.

    The same calls, in the same order, as the dbt models make, so the frames are
    identical to theirs.

    Args:
        rfm: customer_rfm, one row per customer.
        config: defaults to ``SegmentationConfig()``.
        log: receives progress messages.
    """
    config = config or SegmentationConfig()
    with timed(log, "segmentation done"):
        features = prepare_features(rfm, config, log)
        evaluation = evaluate_k(features, config, log)
        k = selected_k(evaluation)
        segments = fit_segments(rfm, features, k, config, log)
        components = pca_components(features)
        profiles = profile_segments(rfm, segments)
    return SegmentationResult(
        features=features,
        evaluation=evaluation,
        segments=segments,
        pca_components=components,
        profiles=profiles,
        k=k,
    )
