"""What the clustering step can be told, and how dbt vars become a :class:`SegmentationConfig`.

Every field has a dbt var (:data:`VAR_NAMES`). Errors name the var first, because the
person who sees them set a var, not a dataclass field::

    var 'cluster_algorithm' is 'kmean'; allowed: kmeans, minibatch_kmeans, agglomerative,
    dbscan (SegmentationConfig.algorithm)

Validation happens in two steps. :func:`validate_config` without data checks what a
config can get wrong on its own (it runs in :func:`from_vars`); with ``n_customers``
and ``available_columns`` it also checks the config against the data, and every public
function of the package calls it that way before doing any work.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

ALGORITHMS = ("kmeans", "minibatch_kmeans", "agglomerative", "dbscan")
SCALERS = ("standard", "robust")
OUTLIER_POLICIES = ("none", "clip")
DEFAULT_FEATURES = ("recency_days", "frequency", "monetary")

#: Fewest customers any clustering can run on (2 clusters and one customer to spare).
MIN_CUSTOMERS = 3
#: Floor for the sample-size knobs: below it the sampled statistics are noise.
MIN_SAMPLE_SIZE = 100
#: numpy and scikit-learn accept seeds in [0, 2**32).
MAX_RANDOM_STATE = 2**32 - 1


@dataclass(frozen=True)
class SegmentationConfig:
    """Every choice the clustering step makes, with the defaults the project ships.

    Attributes:
        features: customer_rfm columns to cluster on (any numeric column).
        log_transform: apply ``log1p`` to every feature whose values are all >= 0
            (RFM measures are counts, days and money with a long right tail). A feature
            with a negative value is left as it is. The rule deliberately ignores how
            skewed a feature happens to be, so a new export never flips a feature's
            transform without anyone changing a var.
        scaler: ``"standard"`` (mean 0, variance 1) or ``"robust"`` (median 0,
            interquartile range 1; less pulled by extreme customers).
        outlier_policy: ``"none"`` or ``"clip"``: clip each raw feature to its
            ``[1 - clip_quantile, clip_quantile]`` quantiles before the log and the
            scaler. Clipping changes values, never drops customers.
        clip_quantile: upper quantile for ``"clip"``, strictly between 0.5 and 1.
        algorithm: ``"kmeans"``, ``"minibatch_kmeans"``, ``"agglomerative"`` (Ward) or
            ``"dbscan"``.
        k_min, k_max: the range of cluster counts evaluated (inclusive).
        n_clusters: fixes k; ``None`` selects the k with the best silhouette.
        random_state: seed of every random choice (samples, resamples, k-means inits).
        n_init: k-means initialisations per fit; the best (lowest inertia) is kept.
        silhouette_sample_size: customers the silhouette is computed on (it costs
            time and memory quadratic in the customers; above this a seeded sample).
        k_selection_sample_size: customers the k sweep fits on; above this the sweep
            uses a seeded sample and only the final fit sees every customer.
        stability_resamples: bootstrap resamples per k for ``stability_ari``; 0 skips it.
            Each resample draws min(customers evaluated, 5,000) customers with
            replacement and refits the same k (k-means: min(``n_init``, 3) seeded
            starts); the exact definition is in :func:`evaluate_k`.
        agglomerative_max_fit_size: Ward needs memory quadratic in the customers
            (8 bytes x n^2 / 2: 400 MB at 10,000). Above it, Ward is fitted on a seeded
            sample of this size and every other customer joins its nearest cluster
            centre.
        minibatch_auto_threshold: with ``algorithm="kmeans"`` and more customers than
            this, the sweep and the fit use mini-batch k-means instead (the evaluation's
            ``algorithm`` column says so).
        dbscan_eps: DBSCAN neighbourhood radius in transformed units; ``None`` takes it
            from the knee of the sorted k-distance curve (k = ``dbscan_min_samples``).
        dbscan_min_samples: DBSCAN core-point threshold (the point itself included);
            ``None`` means 2 x the number of features (Sander et al., 1998).
        dbscan_max_fit_size: customers DBSCAN is fitted on; above it a seeded sample,
            and every other customer takes the cluster of its nearest core customer
            when that is within ``eps``, else is noise.
        n_threads: cores the clustering may use; ``None`` (the default) = every core
            this process may run on. The k sweep and the bootstrap refits run that
            many fits side by side, each with one OpenMP thread, and the
            silhouettes' matrix products use that many BLAS threads. Every fit,
            the final one included, keeps to one OpenMP thread: when another process
            takes a core, OpenMP's waiting threads made the k sweep 6-28 times slower
            (measured on 2 cores). The results do not depend on it.
    """

    features: tuple[str, ...] = DEFAULT_FEATURES
    log_transform: bool = True
    scaler: str = "standard"
    outlier_policy: str = "none"
    clip_quantile: float = 0.99
    algorithm: str = "kmeans"
    k_min: int = 2
    k_max: int = 10
    n_clusters: int | None = None
    random_state: int = 42
    n_init: int = 10
    silhouette_sample_size: int = 10_000
    k_selection_sample_size: int = 20_000
    stability_resamples: int = 5
    agglomerative_max_fit_size: int = 10_000
    minibatch_auto_threshold: int = 200_000
    dbscan_eps: float | None = None
    dbscan_min_samples: int | None = None
    dbscan_max_fit_size: int = 50_000
    n_threads: int | None = None


#: The dbt var behind each :class:`SegmentationConfig` field.
VAR_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "features": "cluster_features",
        "log_transform": "cluster_log_transform",
        "scaler": "cluster_scaler",
        "outlier_policy": "cluster_outlier_policy",
        "clip_quantile": "cluster_clip_quantile",
        "algorithm": "cluster_algorithm",
        "k_min": "cluster_k_min",
        "k_max": "cluster_k_max",
        "n_clusters": "n_clusters",
        "random_state": "cluster_random_state",
        "n_init": "cluster_n_init",
        "silhouette_sample_size": "cluster_silhouette_sample_size",
        "k_selection_sample_size": "cluster_k_selection_sample_size",
        "stability_resamples": "cluster_stability_resamples",
        "agglomerative_max_fit_size": "cluster_agglomerative_max_fit_size",
        "minibatch_auto_threshold": "cluster_minibatch_auto_threshold",
        "dbscan_eps": "cluster_dbscan_eps",
        "dbscan_min_samples": "cluster_dbscan_min_samples",
        "dbscan_max_fit_size": "cluster_dbscan_max_fit_size",
        "n_threads": "cluster_n_threads",
    }
)

_ALLOWED: Mapping[str, str] = MappingProxyType(
    {
        "features": "a non-empty list of distinct numeric customer_rfm column names",
        "log_transform": "true or false",
        "scaler": ", ".join(SCALERS),
        "outlier_policy": ", ".join(OUTLIER_POLICIES),
        "clip_quantile": "a number strictly between 0.5 and 1 (clip to [1 - q, q])",
        "algorithm": ", ".join(ALGORITHMS),
        "k_min": "an integer >= 2",
        "k_max": "an integer >= var 'cluster_k_min'",
        "n_clusters": "null (choose k by silhouette) or an integer >= 2",
        "random_state": f"an integer from 0 to {MAX_RANDOM_STATE}",
        "n_init": "an integer >= 1",
        "silhouette_sample_size": f"an integer >= {MIN_SAMPLE_SIZE}",
        "k_selection_sample_size": f"an integer >= {MIN_SAMPLE_SIZE}",
        "stability_resamples": "an integer >= 0 (0 skips the stability check)",
        "agglomerative_max_fit_size": f"an integer >= {MIN_SAMPLE_SIZE}",
        "minibatch_auto_threshold": "an integer >= 1",
        "dbscan_eps": "null (from the k-distance knee) or a number > 0",
        "dbscan_min_samples": "null (2 x the number of features) or an integer >= 2",
        "dbscan_max_fit_size": f"an integer >= {MIN_SAMPLE_SIZE}",
        "n_threads": "null (all cores) or an integer >= 1",
    }
)

_NULL_WORDS = ("", "none", "null", "~")
_TRUE_WORDS = ("true", "yes", "on", "1")
_FALSE_WORDS = ("false", "no", "off", "0")


def config_error(field: str, value: object, allowed: str | None = None) -> ValueError:
    """The error for a bad value of ``field``, phrased with its dbt var name."""
    return ValueError(
        f"var '{VAR_NAMES[field]}' is {value!r}; allowed: {allowed or _ALLOWED[field]} "
        f"(SegmentationConfig.{field})"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(
    config: SegmentationConfig, field: str, minimum: int, maximum: int | None = None
) -> None:
    value = getattr(config, field)
    if not _is_int(value) or value < minimum or (maximum is not None and value > maximum):
        raise config_error(field, value)


def validate_config(
    config: SegmentationConfig,
    n_customers: int | None = None,
    available_columns: Iterable[str] | None = None,
) -> None:
    """Raise ``ValueError`` naming the dbt var if ``config`` cannot run on this data.

    Args:
        config: the configuration to check.
        n_customers: rows of customer_rfm; ``None`` skips the checks that need data.
        available_columns: columns of customer_rfm; ``None`` skips the feature check.

    On the k range, with data: ``k_min`` (and ``n_clusters``) must be below
    ``n_customers``, or the build stops with a "too few customers" error; ``k_max`` above
    that is not an error: the sweep caps it at the largest k the evaluated sample
    allows (``n - 1``) and says so in the log.
    """
    if not isinstance(config, SegmentationConfig):
        raise TypeError(f"config must be a SegmentationConfig, not {type(config).__name__}")
    features = config.features
    if (
        not isinstance(features, tuple)
        or not features
        or not all(isinstance(name, str) and name for name in features)
    ):
        raise config_error("features", features)
    if len(set(features)) != len(features):
        raise config_error("features", list(features), "distinct column names (no repeats)")
    if not isinstance(config.log_transform, bool):
        raise config_error("log_transform", config.log_transform)
    if config.scaler not in SCALERS:
        raise config_error("scaler", config.scaler)
    if config.outlier_policy not in OUTLIER_POLICIES:
        raise config_error("outlier_policy", config.outlier_policy)
    quantile = config.clip_quantile
    if (
        isinstance(quantile, bool)
        or not isinstance(quantile, int | float)
        or not 0.5 < quantile < 1.0
    ):
        raise config_error("clip_quantile", quantile)
    if config.algorithm not in ALGORITHMS:
        raise config_error("algorithm", config.algorithm)
    _check_int(config, "k_min", 2)
    if not _is_int(config.k_max):
        raise config_error("k_max", config.k_max)
    if config.k_max < config.k_min:
        raise config_error(
            "k_max",
            config.k_max,
            f"an integer >= var 'cluster_k_min' (which is {config.k_min}); the range is empty",
        )
    if config.n_clusters is not None:
        _check_int(config, "n_clusters", 2)
        if config.algorithm == "dbscan":
            raise config_error(
                "n_clusters",
                config.n_clusters,
                "null when var 'cluster_algorithm' is 'dbscan' (DBSCAN finds its own k)",
            )
    _check_int(config, "random_state", 0, MAX_RANDOM_STATE)
    _check_int(config, "n_init", 1)
    _check_int(config, "silhouette_sample_size", MIN_SAMPLE_SIZE)
    _check_int(config, "k_selection_sample_size", MIN_SAMPLE_SIZE)
    _check_int(config, "stability_resamples", 0)
    _check_int(config, "agglomerative_max_fit_size", MIN_SAMPLE_SIZE)
    _check_int(config, "minibatch_auto_threshold", 1)
    _check_int(config, "dbscan_max_fit_size", MIN_SAMPLE_SIZE)
    eps = config.dbscan_eps
    if eps is not None and (
        isinstance(eps, bool)
        or not isinstance(eps, int | float)
        or not math.isfinite(eps)
        or eps <= 0
    ):
        raise config_error("dbscan_eps", eps)
    if config.dbscan_min_samples is not None:
        _check_int(config, "dbscan_min_samples", 2)
    if config.n_threads is not None:
        _check_int(config, "n_threads", 1)

    if available_columns is not None:
        columns = list(available_columns)
        for name in features:
            if name not in columns:
                raise config_error(
                    "features",
                    list(features),
                    f"columns of customer_rfm; {name!r} is not one "
                    f"(available: {', '.join(map(str, columns))})",
                )
    if n_customers is not None:
        _validate_against_customer_count(config, n_customers)


def _validate_against_customer_count(config: SegmentationConfig, n_customers: int) -> None:
    if n_customers < MIN_CUSTOMERS:
        raise ValueError(
            f"too few customers to cluster: customer_rfm has {n_customers}; "
            f"clustering needs at least {MIN_CUSTOMERS}"
        )
    if config.algorithm == "dbscan":
        return
    if config.k_min >= n_customers:
        raise config_error(
            "k_min",
            config.k_min,
            f"an integer from 2 to {n_customers - 1}: too few customers "
            f"(customer_rfm has {n_customers}) for {config.k_min} clusters",
        )
    if config.n_clusters is not None and config.n_clusters >= n_customers:
        raise config_error(
            "n_clusters",
            config.n_clusters,
            f"null or an integer from 2 to {n_customers - 1}: customer_rfm has "
            f"{n_customers} customers",
        )


def from_vars(dbt_vars: Mapping[str, Any]) -> SegmentationConfig:
    """Build a validated :class:`SegmentationConfig` from dbt vars.

    Args:
        dbt_vars: var name -> value, as in :data:`VAR_NAMES`. Keys that are not
            clustering vars are ignored (so a model's whole ``meta`` dict can be passed).
            A missing var takes the field's default; so does a null one, except for the
            vars where null means something (``n_clusters``, ``cluster_dbscan_eps``,
            ``cluster_dbscan_min_samples``, ``cluster_n_threads``). Values may be
            the native types or the text dbt renders them to (``"10"``, ``"True"``,
            ``"None"``, ``"['recency_days', 'frequency']"``, ``"recency_days,frequency"``).

    Raises:
        ValueError: naming the var, its value and what is allowed.
    """
    values: dict[str, Any] = {}
    for field in fields(SegmentationConfig):
        var = VAR_NAMES[field.name]
        if var not in dbt_vars:
            continue
        raw = dbt_vars[var]
        if _is_null(raw):
            if field.name in _NULLABLE_FIELDS:
                values[field.name] = None
            continue
        values[field.name] = _coerce(field.name, raw)
    config = SegmentationConfig(**values)
    validate_config(config)
    return config


def _is_null(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _NULL_WORDS)


_INT_FIELDS = frozenset(
    {
        "k_min",
        "k_max",
        "n_clusters",
        "random_state",
        "n_init",
        "silhouette_sample_size",
        "k_selection_sample_size",
        "stability_resamples",
        "agglomerative_max_fit_size",
        "minibatch_auto_threshold",
        "dbscan_min_samples",
        "dbscan_max_fit_size",
        "n_threads",
    }
)
_NULLABLE_FIELDS = frozenset({"n_clusters", "dbscan_eps", "dbscan_min_samples", "n_threads"})
_FLOAT_FIELDS = frozenset({"clip_quantile", "dbscan_eps"})
_WORD_FIELDS = frozenset({"scaler", "outlier_policy", "algorithm"})


def _coerce(field: str, raw: object) -> object:
    if field == "features":
        return _coerce_features(raw)
    if field == "log_transform":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        raise config_error(field, raw)
    if field in _INT_FIELDS:
        if _is_int(raw):
            return raw
        try:
            number = float(str(raw).strip()) if not isinstance(raw, bool) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number != int(number):
            raise config_error(field, raw)
        return int(number)
    if field in _FLOAT_FIELDS:
        if isinstance(raw, bool):
            raise config_error(field, raw)
        try:
            return float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
        except ValueError:
            raise config_error(field, raw) from None
    if field in _WORD_FIELDS:
        if not isinstance(raw, str):
            raise config_error(field, raw)
        return raw.strip().lower()
    raise AssertionError(f"no coercion for field {field!r}")  # pragma: no cover


def _coerce_features(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("[", "(")):
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise config_error("features", raw) from None
            items: list[object] = list(parsed) if isinstance(parsed, list | tuple) else [parsed]
        else:
            items = [part for part in text.split(",")]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise config_error("features", raw)
    names = tuple(item.strip() for item in items if isinstance(item, str))
    if len(names) != len(items) or not all(names):
        raise config_error("features", raw)
    return names
