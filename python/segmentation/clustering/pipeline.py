"""Every step in one call, for notebooks and tests; dbt models call the steps one by one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ._progress import Log, timed
from .config import SegmentationConfig
from .evaluation import evaluate_k, selected_k
from .features import prepare_features
from .model import SegmentModel
from .profiles import profile_segments
from .segments import fit_segment_model, pca_components, segment_customers


@dataclass(frozen=True)
class SegmentationResult:
    """What :func:`run_segmentation` returns; each frame is what one dbt model publishes.

    Attributes
    ----------
    features : DataFrame
        :func:`prepare_features` output (indexed by customer_id).
    evaluation : DataFrame
        :func:`evaluate_k` output (``cluster_evaluation``).
    segments : DataFrame
        :func:`segment_customers` output (``customer_segments``).
    pca_components : DataFrame
        :func:`pca_components` output.
    profiles : DataFrame
        :func:`profile_segments` output (``segment_profiles``).
    k : int
        Clusters of the model (the selected k; for the density algorithms, the
        clusters found).
    model : SegmentModel
        The fitted model (``segment_model`` is its :meth:`SegmentModel.to_frame`).
    """

    features: pd.DataFrame
    evaluation: pd.DataFrame
    segments: pd.DataFrame
    pca_components: pd.DataFrame
    profiles: pd.DataFrame
    k: int
    model: SegmentModel


def run_segmentation(
    rfm: pd.DataFrame, config: SegmentationConfig | None = None, log: Log | None = None
) -> SegmentationResult:
    """prepare_features -> evaluate_k -> fit_segment_model(selected k) -> segments,
    PCA and profiles.

    The same calls, in the same order, as the dbt models make, so the frames are
    identical to theirs.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm, one row per customer.
    config : SegmentationConfig, optional
        Defaults to ``SegmentationConfig()``.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    SegmentationResult
    """
    config = config or SegmentationConfig()
    with timed(log, "segmentation done"):
        features = prepare_features(rfm, config, log)
        evaluation = evaluate_k(features, config, log)
        k = selected_k(evaluation)
        model = fit_segment_model(rfm, k, config, log)
        segments = segment_customers(model, rfm)
        components = pca_components(features)
        profiles = profile_segments(rfm, segments)
    return SegmentationResult(
        features=features,
        evaluation=evaluation,
        segments=segments,
        pca_components=components,
        profiles=profiles,
        k=model.k,
        model=model,
    )
