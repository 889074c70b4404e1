"""DBSCAN's core clusters without listing every pair of customers within eps.

``sklearn.cluster.DBSCAN`` finds each customer's neighbours within eps, which at
50,000 customers and an eps that gives segments is hundreds of millions of pairs
(gigabytes, tens of seconds). The same partition of the core customers follows from
far less:

* a customer is core when its ``min_samples``-th nearest customer (itself included)
  lies within eps, i.e. its sorted k-distance is <= eps: one k-nearest query serves
  every eps;
* every core customer is linked to the core customers among its ``min_samples``
  nearest (all within eps); the groups these links form are then joined wherever two
  of their points lie within eps, decided exactly: a small group (up to
  :data:`SMALL_GROUP` points) by a k-nearest query of its points with k = its size +
  1, which must reach outside it if anything outside is within eps; large groups,
  which are few, pairwise by a dual-tree count of the pairs within eps, for the pairs
  whose bounding boxes come within eps.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .algorithms import NOISE

#: Groups of core customers up to this size are joined to others by a k-nearest query.
SMALL_GROUP = 32


def nearest_neighbours(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and positions of each point's ``k`` nearest points, itself included
    (scikit-learn's ``min_samples`` convention), nearest first; shapes ``(n, k)``.
    """
    k = min(k, points.shape[0])
    distance, index = cKDTree(points).query(points, k=k)
    return distance.reshape(len(points), k), index.reshape(len(points), k)


def dbscan_core_labels(
    points: np.ndarray, neighbours: np.ndarray, neighbour_distance: np.ndarray, eps: float
) -> np.ndarray:
    """DBSCAN's clusters of the core points, without enumerating pairs within eps.

    Parameters
    ----------
    points : ndarray of shape (n, n_features)
    neighbours, neighbour_distance : ndarray of shape (n, min_samples)
        :func:`nearest_neighbours` of ``points`` with ``k = min_samples``.
    eps : float

    Returns
    -------
    ndarray of shape (n,), int64
        -1 for points that are not core, else the cluster (0..c-1, numbered in the
        order of each cluster's first point): the same partition of the core points
        as ``sklearn.cluster.DBSCAN(eps, min_samples=k).fit(points)`` gives.
    """
    n = points.shape[0]
    labels = np.full(n, NOISE, dtype=np.int64)
    core = neighbour_distance[:, -1] <= eps
    cores = np.flatnonzero(core)
    m = cores.size
    if m == 0:
        return labels
    position = np.full(n, -1, dtype=np.int64)
    position[cores] = np.arange(m)
    # a core point's min_samples nearest are all within eps: every core one is linked
    linked = core[neighbours[cores]]
    source = np.repeat(np.arange(m), neighbours.shape[1])[linked.ravel()]
    target = position[neighbours[cores][linked]]
    group = _components(m, source, target)
    group = _join_groups(points[cores], group, eps)
    _, first = np.unique(group, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    _, inverse = np.unique(group, return_inverse=True)
    labels[cores] = rank[inverse]
    return labels


def _components(n: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(source.size), (source, target)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1].astype(np.int64)


def _join_groups(points: np.ndarray, group: np.ndarray, eps: float) -> np.ndarray:
    """Merge the groups of ``points`` that have two points within ``eps`` of each other."""
    n_groups = int(group.max()) + 1
    sizes = np.bincount(group, minlength=n_groups)
    # Small groups: a point with another group's point within eps finds one among its
    # (group size + 1) nearest points, since at most group-size of those are its own.
    small = np.flatnonzero(sizes[group] <= SMALL_GROUP)
    source = target = np.empty(0, dtype=np.int64)
    if small.size:
        k = min(SMALL_GROUP + 1, points.shape[0])
        # the bound is strict; the next float up makes it "within eps" inclusive
        _, index = cKDTree(points).query(
            points[small], k=k, distance_upper_bound=np.nextafter(eps, np.inf)
        )
        index = index.reshape(small.size, k)
        found = index < points.shape[0]
        rows = np.broadcast_to(small[:, None], index.shape)
        other = np.where(found, index, 0)
        bridge = found & (group[other] != group[rows])
        source, target = group[rows[bridge]], group[other[bridge]]
    joined = _components(n_groups, source, target)
    # Large groups are few: test the pairs whose bounding boxes come within eps, exactly.
    large = np.flatnonzero(sizes > SMALL_GROUP)
    if large.size > 1:
        parent = np.arange(int(joined.max()) + 1)

        def root(node: int) -> int:
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = int(parent[node])
            return node

        members = [np.flatnonzero(group == g) for g in large]
        low = np.array([points[rows].min(axis=0) for rows in members])
        high = np.array([points[rows].max(axis=0) for rows in members])
        trees: dict[int, cKDTree] = {}
        for a in range(large.size):
            gap = np.maximum(0.0, np.maximum(low[a + 1 :] - high[a], low[a] - high[a + 1 :]))
            for b in np.flatnonzero((gap**2).sum(axis=1) <= eps**2) + a + 1:
                ra, rb = root(int(joined[large[a]])), root(int(joined[large[b]]))
                if ra == rb:
                    continue
                for side in (a, int(b)):
                    if side not in trees:
                        trees[side] = cKDTree(points[members[side]])
                if trees[a].count_neighbors(trees[int(b)], eps) > 0:
                    parent[max(ra, rb)] = min(ra, rb)
        joined = np.array([root(int(c)) for c in joined], dtype=np.int64)
    return joined[group]
