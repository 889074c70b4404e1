"""The fitted segmentation as a value: label any rows again, without a refit.

A :class:`SegmentModel` holds what labelling a customer needs: the
:class:`~.features.FeatureTransform`, and the points clusters are assigned by. Its
:meth:`SegmentModel.to_frame` is the relation ``segment_model`` (long format, one row
per model point x feature, plain float64/int64/bool/str columns) and
:meth:`SegmentModel.from_frame` reads it back exactly, so a model persisted in the
warehouse labels history rows exactly as the fit labelled the snapshot.

Assignment (:meth:`SegmentModel.assign`):

* kmeans, minibatch_kmeans, agglomerative: the nearest centre (Euclidean, in
  transformed units);
* dbscan: the nearest core point, its cluster if it lies within eps, else noise (-1);
* hdbscan: the same, with each core point's own radius (its core distance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances_argmin_min

from .algorithms import available_cores, nearest_core_labels
from .config import ALGORITHMS, DENSITY_ALGORITHMS
from .features import FeatureTransform
from .naming import NOISE_ID, NOISE_NAME

#: Columns of :meth:`SegmentModel.to_frame` (the ``segment_model`` relation), in order.
MODEL_FRAME_COLUMNS = (
    "point_kind",
    "point_id",
    "cluster_id",
    "segment_name",
    "feature",
    "feature_position",
    "value",
    "value_in_feature_units",
    "radius",
    "log1p",
    "clip_low",
    "clip_high",
    "scaler_center",
    "scaler_scale",
    "algorithm",
    "k",
    "customers",
)
CENTRE, CORE_POINT = "centre", "core_point"

__all__ = ["MODEL_FRAME_COLUMNS", "FeatureTransform", "SegmentModel"]


def _frozen(values: object, dtype: type, shape: tuple[int, ...], name: str) -> np.ndarray:
    array: np.ndarray = np.array(values, dtype=dtype, copy=True).reshape(shape)
    if dtype is np.float64 and not np.all(np.isfinite(array)):
        raise ValueError(f"SegmentModel.{name} must hold finite numbers")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class SegmentModel:
    """A fitted segmentation: how to transform rows and which cluster each one joins.

    Attributes
    ----------
    transform : FeatureTransform
    algorithm : str
        As fitted (``kmeans`` above ``minibatch_auto_threshold`` reads
        ``minibatch_kmeans``).
    k : int
        Clusters, noise excluded; cluster ids are 0..k-1, ordered by mean monetary at
        fit (highest first).
    centres : ndarray of shape (k, n_features)
        Transformed units; row i is cluster i. Assignment for the centroid algorithms;
        for the density algorithms the mean of the cluster's customers, for reading.
    names : mapping of int to str
        cluster_id -> segment_name, -1 included for the density algorithms.
    sizes : ndarray of shape (k,)
        Customers in each cluster at fit.
    core_points : ndarray of shape (m, n_features)
        Density algorithms: the points assignment uses (transformed units); (0, n)
        for the others.
    core_labels : ndarray of shape (m,)
        Each core point's cluster.
    core_radius : ndarray of shape (m,)
        Each core point's radius (DBSCAN: eps; HDBSCAN: its core distance).
    """

    transform: FeatureTransform
    algorithm: str
    k: int
    centres: np.ndarray
    names: Mapping[int, str]
    sizes: np.ndarray
    core_points: np.ndarray
    core_labels: np.ndarray
    core_radius: np.ndarray

    def __post_init__(self) -> None:
        f = len(self.transform.features)
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm {self.algorithm!r}; allowed: {', '.join(ALGORITHMS)}")
        if isinstance(self.k, bool) or not isinstance(self.k, int | np.integer) or self.k < 1:
            raise ValueError(f"k is {self.k!r}; a model needs at least one cluster")
        k = int(self.k)
        m = int(np.asarray(self.core_labels).size)
        set_ = object.__setattr__
        set_(self, "k", k)
        set_(self, "centres", _frozen(self.centres, np.float64, (k, f), "centres"))
        set_(self, "sizes", _frozen(self.sizes, np.int64, (k,), "sizes"))
        set_(self, "core_points", _frozen(self.core_points, np.float64, (m, f), "core_points"))
        set_(self, "core_labels", _frozen(self.core_labels, np.int64, (m,), "core_labels"))
        set_(self, "core_radius", _frozen(self.core_radius, np.float64, (m,), "core_radius"))
        density = self.algorithm in DENSITY_ALGORITHMS
        if density and m == 0:
            raise ValueError(f"a {self.algorithm} model needs core points")
        if not density and m:
            raise ValueError(f"a {self.algorithm} model has no core points")
        if m and (self.core_labels.min() < 0 or self.core_labels.max() >= k):
            raise ValueError(f"core_labels must be cluster ids 0..{k - 1}")
        if m and (self.core_radius < 0).any():
            raise ValueError("core_radius must be >= 0")
        names = {int(c): str(name) for c, name in dict(self.names).items()}
        expected = set(range(k)) | ({NOISE_ID} if density else set())
        if set(names) != expected:
            raise ValueError(f"names must name the clusters {sorted(expected)}")
        if len(set(names.values())) != len(names):
            raise ValueError("segment names must be distinct")
        set_(self, "names", MappingProxyType(dict(sorted(names.items()))))

    @property
    def features(self) -> tuple[str, ...]:
        """The customer_rfm columns the model reads."""
        return self.transform.features

    @property
    def has_noise(self) -> bool:
        """Whether :meth:`assign` can return -1 (the density algorithms)."""
        return self.algorithm in DENSITY_ALGORITHMS

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SegmentModel):
            return NotImplemented
        arrays = ("centres", "sizes", "core_points", "core_labels", "core_radius")
        return (
            self.transform == other.transform
            and (self.algorithm, self.k, dict(self.names))
            == (other.algorithm, other.k, dict(other.names))
            and all(np.array_equal(getattr(self, a), getattr(other, a)) for a in arrays)
        )

    __hash__ = None  # type: ignore[assignment]

    def assign(self, values: np.ndarray, n_threads: int | None = None) -> np.ndarray:
        """The cluster of each row of transformed values (module docstring has the rule).

        Parameters
        ----------
        values : ndarray of shape (n, n_features)
            Transformed units (:meth:`FeatureTransform.values`).
        n_threads : int, optional
            Threads of the density algorithms' nearest-neighbour query; ``None``: every
            core this process may run on. The labels do not depend on it.

        Returns
        -------
        ndarray of shape (n,), int64
            Cluster ids 0..k-1; -1 = noise (density algorithms only).
        """
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.centres.shape[1]:
            raise ValueError(
                f"values must have shape (n, {self.centres.shape[1]}), not {values.shape}"
            )
        if values.shape[0] == 0:
            return np.empty(0, dtype=np.int64)
        if self.has_noise:
            workers = n_threads or available_cores()
            return nearest_core_labels(
                values, self.core_points, self.core_labels, self.core_radius, workers
            )
        labels, _ = pairwise_distances_argmin_min(values, self.centres)
        return labels.astype(np.int64)

    def distance_to_centre(self, values: np.ndarray, cluster_id: np.ndarray) -> np.ndarray:
        """Euclidean distance (transformed units) from each row to its cluster's centre.

        Returns
        -------
        ndarray of shape (n,)
            NaN where ``cluster_id`` is -1.
        """
        values = np.asarray(values, dtype=np.float64)
        cluster_id = np.asarray(cluster_id)
        distance = np.full(values.shape[0], np.nan)
        member = cluster_id >= 0
        difference = values[member] - self.centres[cluster_id[member]]
        distance[member] = np.sqrt(np.einsum("ij,ij->i", difference, difference))
        return distance

    def to_frame(self) -> pd.DataFrame:
        """The model as the relation ``segment_model``: one row per point x feature.

        Returns
        -------
        DataFrame
            Columns :data:`MODEL_FRAME_COLUMNS`, centre rows first (by ``point_id``, then
            ``feature_position``), then core-point rows:

            * ``point_kind`` (str): ``'centre'`` or ``'core_point'``;
            * ``point_id`` (int64): the cluster id for a centre, 0..m-1 for core points;
            * ``cluster_id`` (int64), ``segment_name`` (str);
            * ``feature`` (str), ``feature_position`` (int64, 1-based);
            * ``value`` (float64): the coordinate, transformed units;
            * ``value_in_feature_units`` (float64): centre rows, the centre in the
              feature's own units (scale and log1p undone, clip ignored); NULL (NaN)
              on core points;
            * ``radius`` (float64): core points' radius; NULL on centres;
            * ``log1p`` (bool), ``clip_low``, ``clip_high`` (float64, NULL: no clip),
              ``scaler_center``, ``scaler_scale`` (float64): the feature's transform,
              on every row of the feature;
            * ``algorithm`` (str), ``k`` (int64);
            * ``customers`` (int64): the cluster's customers at fit.

            Noise has no row; its name is always :data:`.naming.NOISE_NAME`.
        """
        t = self.transform
        f = len(t.features)
        m = self.core_points.shape[0]
        point_id = np.concatenate([np.arange(self.k), np.arange(m)])
        cluster = np.concatenate([np.arange(self.k), self.core_labels])
        n_points = self.k + m
        per_point = np.repeat(np.arange(n_points), f)
        position = np.tile(np.arange(f), n_points)
        is_centre = per_point < self.k
        in_units = np.vstack([t.inverse(self.centres), np.full((m, f), np.nan)])
        radius = np.concatenate([np.full(self.k, np.nan), self.core_radius])
        names = np.array([self.names[c] for c in range(self.k)], dtype=object)
        clip_low = np.array([np.nan if v is None else v for v in t.clip_low], dtype=np.float64)
        clip_high = np.array([np.nan if v is None else v for v in t.clip_high], dtype=np.float64)
        frame = pd.DataFrame(
            {
                "point_kind": pd.Series(np.where(is_centre, CENTRE, CORE_POINT), dtype="str"),
                "point_id": point_id[per_point].astype(np.int64),
                "cluster_id": cluster[per_point].astype(np.int64),
                "segment_name": pd.Series(names[cluster[per_point]], dtype="str"),
                "feature": pd.Series(np.asarray(t.features, dtype=object)[position], dtype="str"),
                "feature_position": (position + 1).astype(np.int64),
                "value": np.vstack([self.centres, self.core_points]).ravel(),
                "value_in_feature_units": in_units.ravel(),
                "radius": radius[per_point],
                "log1p": np.asarray(t.log1p, dtype=bool)[position],
                "clip_low": clip_low[position],
                "clip_high": clip_high[position],
                "scaler_center": np.asarray(t.center, dtype=np.float64)[position],
                "scaler_scale": np.asarray(t.scale, dtype=np.float64)[position],
                "algorithm": pd.Series([self.algorithm] * (n_points * f), dtype="str"),
                "k": np.full(n_points * f, self.k, dtype=np.int64),
                "customers": self.sizes[cluster[per_point]].astype(np.int64),
            }
        )
        return frame.loc[:, list(MODEL_FRAME_COLUMNS)]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> SegmentModel:
        """Read a :meth:`to_frame` relation back, in any row order: the same model.

        Parameters
        ----------
        frame : DataFrame
            The ``segment_model`` relation (extra columns are ignored).

        Returns
        -------
        SegmentModel
            Equal to the model that wrote ``frame``; its :meth:`assign` gives the same
            labels.

        Raises
        ------
        ValueError
            A missing column, or rows that do not describe one complete model.
        """
        missing = [c for c in MODEL_FRAME_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"segment_model lacks the columns {', '.join(missing)}")
        kind = frame["point_kind"].astype("str").to_numpy()
        if not np.isin(kind, (CENTRE, CORE_POINT)).all():
            raise ValueError("segment_model.point_kind must be 'centre' or 'core_point'")
        algorithm = _single(frame["algorithm"].astype("str"), "algorithm")
        k = int(_single(frame["k"], "k"))
        position = frame["feature_position"].to_numpy(dtype=np.int64) - 1
        first = np.unique(position, return_index=True)[1]
        features = frame["feature"].astype("str").to_numpy()[first]
        f = features.size
        if not np.array_equal(np.unique(position), np.arange(f)):
            raise ValueError("segment_model.feature_position must run 1..n_features")
        transform = FeatureTransform(
            features=tuple(str(name) for name in features),
            clip_low=_per_feature(frame, "clip_low", position, first, nullable=True),
            clip_high=_per_feature(frame, "clip_high", position, first, nullable=True),
            log1p=tuple(bool(v) for v in frame["log1p"].to_numpy(dtype=bool)[first]),
            center=_per_feature(frame, "scaler_center", position, first),
            scale=_per_feature(frame, "scaler_scale", position, first),
        )
        centre_rows = frame.loc[kind == CENTRE]
        centres, centre_ids, centre_first = _points(centre_rows, f)
        if not np.array_equal(centre_ids, np.arange(k)):
            raise ValueError(f"segment_model must have centre rows for clusters 0..{k - 1}")
        core_rows = frame.loc[kind == CORE_POINT]
        core_points, core_ids, core_first = _points(core_rows, f)
        if not np.array_equal(core_ids, np.arange(core_ids.size)):
            raise ValueError("segment_model core point ids must run 0..m-1")
        names = dict(
            zip(
                centre_ids.tolist(),
                centre_rows["segment_name"].astype("str").to_numpy()[centre_first].tolist(),
                strict=True,
            )
        )
        if algorithm in DENSITY_ALGORITHMS:
            names[NOISE_ID] = NOISE_NAME
        return cls(
            transform=transform,
            algorithm=algorithm,
            k=k,
            centres=centres,
            names=names,
            sizes=centre_rows["customers"].to_numpy(dtype=np.int64)[centre_first],
            core_points=core_points,
            core_labels=core_rows["cluster_id"].to_numpy(dtype=np.int64)[core_first],
            core_radius=core_rows["radius"].to_numpy(dtype=np.float64)[core_first],
        )


def _single(column: pd.Series, name: str) -> Any:
    values = column.unique()
    if len(values) != 1:
        raise ValueError(f"segment_model.{name} must have one value, has {len(values)}")
    return values[0]


def _per_feature(
    frame: pd.DataFrame,
    column: str,
    position: np.ndarray,
    first: np.ndarray,
    nullable: bool = False,
) -> tuple:
    values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    chosen = values[first]
    if not np.array_equal(values, chosen[position], equal_nan=True):
        raise ValueError(f"segment_model.{column} must be the same on every row of a feature")
    if nullable:
        return tuple(None if np.isnan(v) else float(v) for v in chosen)
    return tuple(float(v) for v in chosen)


def _points(rows: pd.DataFrame, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coordinates (p, n_features), point ids ascending, first row of each point)."""
    point = rows["point_id"].to_numpy(dtype=np.int64)
    position = rows["feature_position"].to_numpy(dtype=np.int64) - 1
    order = np.lexsort((position, point))
    point, position = point[order], position[order]
    ids, first = np.unique(point, return_index=True)
    if point.size != ids.size * n_features or not np.array_equal(
        position, np.tile(np.arange(n_features), ids.size)
    ):
        raise ValueError("segment_model needs one row per point and feature")
    coordinates = rows["value"].to_numpy(dtype=np.float64)[order].reshape(ids.size, n_features)
    return coordinates, ids, order[first]
