"""Exact mean silhouettes of several labellings of the same customers, in one pass.

scikit-learn's ``silhouette_score`` builds the pairwise distances of the customers for
every call (up to ``working_memory``, 1 GiB by default, at a time). The k sweep scores
nine labellings of the same silhouette sample, so :func:`silhouette_scores` computes
the distances once, a block of rows at a time against themselves and the rows after
them (each pair once: the distances are symmetric), and adds each block to both sides'
per-cluster distance sums of every labelling with matrix products against a one-hot
label matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Rows of the distance matrix held at once: 256 x 10,000 customers is 20 MB of float64.
SILHOUETTE_CHUNK_ROWS = 256


def silhouette_scores(
    values: np.ndarray,
    labelings: Sequence[np.ndarray],
    *,
    chunk_rows: int = SILHOUETTE_CHUNK_ROWS,
    noise_label: int | None = None,
) -> list[float]:
    """Mean silhouette coefficient of each labelling of ``values`` (Euclidean).

    The same numbers as ``sklearn.metrics.silhouette_score(values, labels)`` for each
    labelling (to rounding), with the definition of ``silhouette_samples``: for
    customer i in cluster C, a(i) is the mean distance to the other members of C,
    b(i) the smallest mean distance to the members of another cluster, and
    s(i) = (b(i) - a(i)) / max(a(i), b(i)); s(i) = 0 when C has one member (and when
    a(i) = b(i) = 0). The score is the mean of s(i) over all customers.

    Distances are computed as scikit-learn does (``|x|^2 - 2 x.y + |y|^2``, clipped at
    0, 0 from a customer to itself) in float64, ``chunk_rows`` rows at a time, so the
    memory held is about ``8 x chunk_rows x n_customers`` bytes plus the one-hot
    matrix and the distance sums (each ``8 x n_customers x`` the total number of
    clusters), never n x n.

    Parameters
    ----------
    values : ndarray of shape (n_customers, n_features)
        Finite.
    labelings : sequence of ndarray of shape (n_customers,)
        Any integer or string labels, each with at least 2 and at most ``n_customers
        - 1`` distinct values (not counting ``noise_label``).
    chunk_rows : int
        Distance rows per block (memory against per-block overhead).
    noise_label : int, optional
        Customers with this label are left out of that labelling's score, as if
        they were not in ``values`` (the score of DBSCAN's clustered customers):
        ``silhouette_score(values[kept], labels[kept])``.

    Returns
    -------
    list of float
        One score per labelling, in order, each in [-1, 1].

    Raises
    ------
    ValueError
        A labelling of the wrong length or with too few or too many labels.
    """
    points = np.asarray(values, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"values must be 2-D (customers x features), got shape {points.shape}")
    if not isinstance(chunk_rows, int) or isinstance(chunk_rows, bool) or chunk_rows < 1:
        raise ValueError(f"chunk_rows is {chunk_rows!r}; allowed: an integer >= 1")
    n = points.shape[0]
    if not labelings:
        return []

    kept = [
        np.ones(n, dtype=bool) if noise_label is None else np.asarray(labels) != noise_label
        for labels in labelings
    ]
    encoded = [
        _encode(labels, n, position, mask)
        for position, (labels, mask) in enumerate(zip(labelings, kept, strict=True))
    ]
    n_clusters = np.array([int(codes.max()) + 1 for codes in encoded])
    offsets = np.concatenate(([0], np.cumsum(n_clusters)[:-1]))
    # own_column[i, j]: the one-hot column of customer i's cluster in labelling j.
    own_column = np.column_stack(encoded) + offsets
    one_hot = np.zeros((n, int(n_clusters.sum())), dtype=np.float64)
    for j in range(len(encoded)):
        # a left-out customer has no column: it adds to no cluster's distances
        one_hot[np.flatnonzero(kept[j]), own_column[kept[j], j]] = 1.0
    cluster_sizes = one_hot.sum(axis=0)

    squared_norms = np.einsum("ij,ij->i", points, points)
    # The distances are symmetric: each block of rows is measured against itself and
    # the rows after it only, and adds to both sides' cluster sums (half the distances).
    cluster_sums = np.zeros((n, one_hot.shape[1]))
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        distances = _euclidean_block(points, squared_norms, start, stop)
        cluster_sums[start:stop] += distances @ one_hot[start:]
        cluster_sums[stop:] += distances[:, stop - start :].T @ one_hot[start:stop]
    own_sums = np.take_along_axis(cluster_sums, own_column, axis=1)
    np.put_along_axis(cluster_sums, own_column, np.inf, axis=1)
    cluster_sums /= cluster_sizes
    nearest_other = np.minimum.reduceat(cluster_sums, offsets, axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        own_means = own_sums / (cluster_sizes[own_column] - 1)
        silhouettes = (nearest_other - own_means) / np.maximum(own_means, nearest_other)
    # NaN: a one-member cluster (0 / 0), or a(i) = b(i) = 0; both count as 0.
    silhouettes = np.nan_to_num(silhouettes, nan=0.0)
    return [float(np.mean(silhouettes[kept[j], j])) for j in range(len(encoded))]


def _encode(labels: np.ndarray, n: int, position: int, kept: np.ndarray) -> np.ndarray:
    """Labels of the kept rows as 0..k-1 (sorted, like scikit-learn's ``LabelEncoder``;
    0 for the rows left out), after checks.
    """
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(
            f"labelings[{position}] has shape {labels.shape}; allowed: ({n},), one label "
            "per row of values"
        )
    m = int(kept.sum())
    codes = np.zeros(n, dtype=np.int64)
    if m:
        _, codes[kept] = np.unique(labels[kept], return_inverse=True)
    n_labels = int(codes[kept].max()) + 1 if m else 0
    if not 2 <= n_labels <= m - 1:
        raise ValueError(
            f"labelings[{position}] has {n_labels} distinct labels; allowed: 2 to {m - 1} "
            "(the number of rows - 1)"
        )
    return codes


def _euclidean_block(
    points: np.ndarray, squared_norms: np.ndarray, start: int, stop: int
) -> np.ndarray:
    """Distances from rows ``start:stop`` to row ``start`` and every row after it, as
    ``sklearn``'s ``euclidean_distances`` computes them for float64 (so the scores match it).
    """
    distances = points[start:stop] @ points[start:].T
    distances *= -2.0
    distances += squared_norms[start:stop, None]
    distances += squared_norms[None, start:]
    np.maximum(distances, 0.0, out=distances)
    np.fill_diagonal(distances, 0.0)  # (i, i): each row of the block to itself
    return np.sqrt(distances, out=distances)
