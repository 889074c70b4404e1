"""What the clustering step can be told: one declaration per option.

Each field of :class:`SegmentationConfig` is declared once, with
:func:`.options.option`: its dbt var, its kind, its default, its bounds or allowed
values, whether null is allowed and what null means, and one line of documentation
(an :class:`.options.Option`). Everything else derives from that
declaration, as scikit-learn's ``_parameter_constraints`` does for estimators:
:data:`OPTIONS`, :data:`VAR_NAMES`, :func:`option_defaults`, :func:`option_docs`, the
checks of :func:`validate_config` and :func:`from_vars`, and their messages. The
messages name the var first, because the person who sees them set a var, not a
dataclass field::

    var 'cluster_algorithm' is 'kmean'; allowed: kmeans, minibatch_kmeans,
    agglomerative, dbscan, hdbscan (SegmentationConfig.algorithm)

Vars arrive typed (the dbt side passes one JSON object), so :func:`from_vars` reads
native JSON values only: ``"10"`` for an integer option is refused, not converted.

Validation happens in two steps. :func:`validate_config` without data checks what a
config can get wrong on its own (it runs in :func:`from_vars`); with ``n_customers``
and ``available_columns`` it also checks the config against the data, and every public
function of the package calls it that way before doing any work.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any

from .options import Option, option

ALGORITHMS = ("kmeans", "minibatch_kmeans", "agglomerative", "dbscan", "hdbscan")
#: Algorithms that find their own number of clusters and may leave customers as noise.
DENSITY_ALGORITHMS = ("dbscan", "hdbscan")
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

    One field per option; :data:`OPTIONS` lists them with their var, default, allowed
    values and doc line (see :func:`option_docs`).
    """

    features: tuple[str, ...] = option(
        "cluster_features",
        "columns",
        DEFAULT_FEATURES,
        "customer_rfm columns to cluster on (any numeric column).",
    )
    log_transform: bool = option(
        "cluster_log_transform",
        "bool",
        True,
        "log1p every feature whose values are all >= 0 (counts, days and money have "
        "long right tails); a feature with a negative value is left as it is.",
    )
    scaler: str = option(
        "cluster_scaler",
        "choice",
        "standard",
        "standard (mean 0, variance 1) or robust (median 0, interquartile range 1).",
        choices=SCALERS,
    )
    outlier_policy: str = option(
        "cluster_outlier_policy",
        "choice",
        "none",
        "clip: clip each feature to its [1 - q, q] quantiles before log1p and scaling "
        "(values change, no customer is dropped); none: leave values as they are.",
        choices=OUTLIER_POLICIES,
    )
    clip_quantile: float = option(
        "cluster_clip_quantile",
        "float",
        0.99,
        "q of the clip policy.",
        minimum=0.5,
        maximum=1.0,
        exclusive_minimum=True,
        exclusive_maximum=True,
    )
    algorithm: str = option(
        "cluster_algorithm",
        "choice",
        "kmeans",
        "kmeans, minibatch_kmeans, agglomerative (Ward), dbscan or hdbscan.",
        choices=ALGORITHMS,
    )
    k_min: int = option(
        "cluster_k_min", "int", 3, "Smallest k evaluated in cluster_evaluation.", minimum=2
    )
    k_max: int = option(
        "cluster_k_max",
        "int",
        10,
        "Largest k evaluated (at least cluster_k_min; capped at the customers fitted - 1).",
        minimum=2,
    )
    n_clusters: int | None = option(
        "n_clusters",
        "int",
        None,
        "Fixes k (kmeans, minibatch_kmeans, agglomerative).",
        minimum=2,
        null_means="the k rule chooses k (see cluster_min_segment_share)",
    )
    min_segment_share: float = option(
        "cluster_min_segment_share",
        "float",
        0.03,
        "A k is eligible when its smallest segment holds at least this share of the "
        "customers fitted; the eligible k with the best silhouette is chosen.",
        minimum=0.0,
        maximum=0.5,
    )
    random_state: int = option(
        "cluster_random_state",
        "int",
        42,
        "Seed of every random choice (samples, resamples, k-means starts).",
        minimum=0,
        maximum=MAX_RANDOM_STATE,
    )
    n_init: int = option(
        "cluster_n_init",
        "int",
        10,
        "k-means initialisations per fit; the lowest inertia is kept.",
        minimum=1,
    )
    silhouette_sample_size: int = option(
        "cluster_silhouette_sample_size",
        "int",
        10_000,
        "Customers the silhouette is computed on (a seeded sample above it).",
        minimum=MIN_SAMPLE_SIZE,
    )
    k_selection_sample_size: int = option(
        "cluster_k_selection_sample_size",
        "int",
        20_000,
        "Customers the k sweep fits on (a seeded sample above it).",
        minimum=MIN_SAMPLE_SIZE,
    )
    stability_resamples: int = option(
        "cluster_stability_resamples",
        "int",
        5,
        "Bootstrap resamples per k for stability_ari; 0 skips the stability check.",
        minimum=0,
    )
    agglomerative_max_fit_size: int = option(
        "cluster_agglomerative_max_fit_size",
        "int",
        10_000,
        "Ward is fitted on at most this many customers (its memory grows with their "
        "square); the others join the nearest cluster centre.",
        minimum=MIN_SAMPLE_SIZE,
    )
    minibatch_auto_threshold: int = option(
        "cluster_minibatch_auto_threshold",
        "int",
        200_000,
        "Above this many customers, kmeans runs as minibatch_kmeans.",
        minimum=1,
    )
    dbscan_eps: float | None = option(
        "cluster_dbscan_eps",
        "float",
        None,
        "DBSCAN radius in transformed units.",
        minimum=0.0,
        exclusive_minimum=True,
        null_means="the eps of a grid from the k-distance curve whose clustering scores "
        "best, among those with 2 to cluster_dbscan_max_clusters clusters",
    )
    dbscan_min_samples: int | None = option(
        "cluster_dbscan_min_samples",
        "int",
        None,
        "Customers within eps (itself included) that make a DBSCAN core customer.",
        minimum=2,
        null_means="2 x the number of features",
    )
    dbscan_max_fit_size: int = option(
        "cluster_dbscan_max_fit_size",
        "int",
        50_000,
        "DBSCAN is fitted on at most this many customers; the others join the nearest "
        "core customer within eps, or are noise.",
        minimum=MIN_SAMPLE_SIZE,
    )
    dbscan_max_clusters: int = option(
        "cluster_dbscan_max_clusters",
        "int",
        10,
        "The eps grid only considers an eps that gives 2 to this many clusters.",
        minimum=2,
    )
    hdbscan_min_cluster_share: float = option(
        "cluster_hdbscan_min_cluster_share",
        "float",
        0.05,
        "HDBSCAN min_cluster_size as a share of the customers fitted (at least 2 customers).",
        minimum=0.0,
        maximum=0.5,
        exclusive_minimum=True,
    )
    hdbscan_min_samples: int | None = option(
        "cluster_hdbscan_min_samples",
        "int",
        None,
        "HDBSCAN min_samples (itself included): how many neighbours make a customer's "
        "neighbourhood dense; also the neighbour behind each core customer's radius.",
        minimum=1,
        null_means="half of min_cluster_size, rounded up",
    )
    hdbscan_max_fit_size: int = option(
        "cluster_hdbscan_max_fit_size",
        "int",
        10_000,
        "HDBSCAN is fitted on at most this many customers (its time grows with their "
        "square); the others join the nearest clustered customer within its core "
        "distance, or are noise.",
        minimum=MIN_SAMPLE_SIZE,
    )
    n_threads: int | None = option(
        "cluster_n_threads",
        "int",
        None,
        "Cores the clustering may use (fits side by side, one OpenMP thread each); "
        "the results do not depend on it.",
        minimum=1,
        null_means="every core this process may run on",
    )


#: Every option, in field order, each with its :class:`SegmentationConfig` field name.
OPTIONS: tuple[Option, ...] = tuple(
    replace(f.metadata["option"], name=f.name) for f in fields(SegmentationConfig)
)
_BY_NAME: Mapping[str, Option] = MappingProxyType({spec.name: spec for spec in OPTIONS})


def _attributes_section() -> str:
    lines = ["", "    Attributes", "    ----------"]
    for spec in OPTIONS:
        kind = {"columns": "tuple of str", "choice": "str"}.get(spec.kind, spec.kind)
        lines.append(f"    {spec.name} : {kind}{' or None' if spec.nullable else ''}")
        text = (
            f"{spec.doc} Var ``{spec.var}``, default ``{spec.json_default()!r}``; "
            f"allowed: {spec.allowed()}."
        )
        lines.append(textwrap.fill(text, 88, initial_indent=" " * 8, subsequent_indent=" " * 8))
    return "\n".join(lines) + "\n"


SegmentationConfig.__doc__ = (SegmentationConfig.__doc__ or "") + _attributes_section()

#: The dbt var behind each :class:`SegmentationConfig` field.
VAR_NAMES: Mapping[str, str] = MappingProxyType({spec.name: spec.var for spec in OPTIONS})


def option_defaults() -> dict[str, object]:
    """Each option's default, keyed by dbt var, as ``dbt_project.yml`` writes it.

    Returns
    -------
    dict
        var -> default in JSON form (``cluster_features`` is a list, nulls are ``None``).
    """
    return {spec.var: spec.json_default() for spec in OPTIONS}


def option_docs() -> list[tuple[str, object, str]]:
    """``(var, default, doc line)`` per option, in declaration order (the README's table).

    The doc line of an option that may be null ends with what null means.
    """
    return [
        (
            spec.var,
            spec.json_default(),
            spec.doc + (f" Null: {spec.null_means}." if spec.nullable else ""),
        )
        for spec in OPTIONS
    ]


def config_error(field_name: str, value: object, allowed: str | None = None) -> ValueError:
    """The error for a bad value of the field ``field_name``, phrased with its dbt var."""
    return _BY_NAME[field_name].error(value, allowed)


def validate_config(
    config: SegmentationConfig,
    n_customers: int | None = None,
    available_columns: Iterable[str] | None = None,
) -> None:
    """Raise ``ValueError`` naming the dbt var if ``config`` cannot run on this data.

    Parameters
    ----------
    config : SegmentationConfig
        The configuration to check.
    n_customers : int, optional
        Rows of customer_rfm; ``None`` skips the checks that need data.
    available_columns : iterable of str, optional
        Columns of customer_rfm; ``None`` skips the feature check.

    Notes
    -----
    Each field is checked against its :class:`Option`; then the checks across fields:
    ``k_max >= k_min``, and ``n_clusters`` null with the density algorithms (they find
    their own k). With data: ``k_min`` (and ``n_clusters``) must be below
    ``n_customers``, or the build stops with a "too few customers" error; ``k_max``
    above that is not an error: the sweep caps it at the largest k the evaluated
    sample allows (``n - 1``) and says so in the log.
    """
    if not isinstance(config, SegmentationConfig):
        raise TypeError(f"config must be a SegmentationConfig, not {type(config).__name__}")
    for spec in OPTIONS:
        spec.check(getattr(config, spec.name))
    if config.k_max < config.k_min:
        raise config_error(
            "k_max",
            config.k_max,
            f"an integer >= var 'cluster_k_min' (which is {config.k_min}); the range is empty",
        )
    if config.n_clusters is not None and config.algorithm in DENSITY_ALGORITHMS:
        raise config_error(
            "n_clusters",
            config.n_clusters,
            f"null when var 'cluster_algorithm' is '{config.algorithm}' "
            f"({config.algorithm.upper()} finds its own k)",
        )

    if available_columns is not None:
        columns = list(available_columns)
        for name in config.features:
            if name not in columns:
                raise config_error(
                    "features",
                    list(config.features),
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
    if config.algorithm == "hdbscan" and config.hdbscan_min_samples is not None:
        fitted = min(n_customers, config.hdbscan_max_fit_size)
        if config.hdbscan_min_samples > fitted:
            raise config_error(
                "hdbscan_min_samples",
                config.hdbscan_min_samples,
                f"null or an integer from 1 to {fitted}, the customers HDBSCAN is fitted on",
            )
    if config.algorithm in DENSITY_ALGORITHMS:
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
    """Build a validated :class:`SegmentationConfig` from typed dbt vars.

    Parameters
    ----------
    dbt_vars : mapping
        var name -> value, as in :data:`VAR_NAMES`, in native JSON types (str, int,
        float, bool, list, None). Keys that are not clustering vars are ignored (so a
        model's whole ``meta`` dict can be passed). A missing var takes the option's
        default; null is allowed only where the option says what null means. Text is
        never converted: ``"10"`` for an integer option, ``"true"`` for a boolean or
        ``"recency_days,frequency"`` for the features are refused, and so is ``10.0``
        for an integer option. An integer is accepted for a number option.

    Returns
    -------
    SegmentationConfig

    Raises
    ------
    ValueError
        Naming the var, its value and what is allowed.
    """
    values: dict[str, Any] = {
        spec.name: spec.from_json(dbt_vars[spec.var]) for spec in OPTIONS if spec.var in dbt_vars
    }
    config = SegmentationConfig(**values)
    validate_config(config)
    return config


def from_meta(meta: Mapping[str, Any]) -> SegmentationConfig:
    """The config a dbt Python model is given: its ``meta["clustering"]``, the JSON
    object of every clustering var that models/marts/segments/_segments__models.yml
    renders, read typed by :func:`from_vars`.

    Raises
    ------
    ValueError
        When the model's meta lacks it, or as :func:`from_vars` does.
    """
    import json

    text = meta.get("clustering") if isinstance(meta, Mapping) else None
    if not isinstance(text, str):
        raise ValueError(
            "the model's meta has no 'clustering' JSON object of the clustering vars; "
            "give it the `meta: *clustering` of models/marts/segments/_segments__models.yml"
        )
    return from_vars(json.loads(text))
