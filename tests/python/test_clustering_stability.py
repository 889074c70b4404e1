"""stability_ari is the documented bootstrap: capped resamples, refits with 3 starts.

The resamples are spelled out here with numpy, from the documented rule, not drawn
with the module's own seeding helper, so a bug in that helper fails these tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from segmentation.clustering import (
    SegmentationConfig,
    evaluate_k,
    make_planted_rfm,
    prepare_features,
)
from segmentation.clustering import evaluation as evaluation_module
from segmentation.clustering.features import feature_matrix


def bootstrap_draw(random_state: int, resample: int, customers: int, size: int) -> np.ndarray:
    """Positions of resample ``resample``: ``size`` draws with replacement out of
    ``customers``, from numpy's default generator seeded with ``SeedSequence(random_state,
    spawn_key=(3, resample))`` (3: the stability stream, one substream per resample)."""
    seed = np.random.SeedSequence(random_state, spawn_key=(3, resample))
    return np.random.Generator(np.random.PCG64(seed)).integers(0, customers, size)


def test_stability_refits_draw_the_capped_resample_with_three_starts(monkeypatch):
    rfm, _ = make_planted_rfm(600, random_state=5)
    config = SegmentationConfig(k_min=3, k_max=5, stability_resamples=2, n_init=10)
    monkeypatch.setattr(evaluation_module, "STABILITY_RESAMPLE_SIZE", 250)
    X = prepare_features(rfm, config)
    reported = evaluate_k(X, config).set_index("k")["stability_ari"]

    values = feature_matrix(X)  # 600 customers < k_selection_sample_size: all of them
    for k in (3, 4, 5):
        scored = KMeans(n_clusters=k, n_init=10, random_state=config.random_state).fit(values)
        scores = []
        for resample in range(2):
            drawn = bootstrap_draw(config.random_state, resample, 600, 250)
            refit = KMeans(n_clusters=k, n_init=3, random_state=config.random_state)
            predicted = refit.fit(values[drawn]).predict(values)
            scores.append(adjusted_rand_score(scored.labels_, predicted))
        assert reported[k] == pytest.approx(np.mean(scores), abs=1e-12), k


def test_stability_refits_use_fewer_starts_only_when_n_init_is_smaller():
    rfm, _ = make_planted_rfm(400, random_state=6)
    one_start = SegmentationConfig(k_min=2, k_max=3, stability_resamples=2, n_init=1)
    X = prepare_features(rfm, one_start)
    values = feature_matrix(X)
    reported = evaluate_k(X, one_start).set_index("k")["stability_ari"]
    scored = KMeans(n_clusters=3, n_init=1, random_state=one_start.random_state).fit(values)
    scores = []
    for resample in range(2):
        drawn = bootstrap_draw(one_start.random_state, resample, 400, 400)
        refit = KMeans(n_clusters=3, n_init=1, random_state=one_start.random_state)
        scores.append(adjusted_rand_score(scored.labels_, refit.fit(values[drawn]).predict(values)))
    assert reported[3] == pytest.approx(np.mean(scores), abs=1e-12)
