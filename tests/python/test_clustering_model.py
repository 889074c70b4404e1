"""The fitted model as a value: the feature transform, the segment_model relation and
labelling other rows (history) without a refit."""

from __future__ import annotations

import time

import duckdb
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.preprocessing import RobustScaler, StandardScaler

from segmentation.clustering import (
    ALGORITHMS,
    MODEL_FRAME_COLUMNS,
    NOISE_NAME,
    FeatureTransform,
    SegmentationConfig,
    SegmentModel,
    fit_segment_model,
    fit_segments,
    label_rows,
    make_planted_rfm,
    prepare_features,
    run_segmentation,
    score_customers,
    score_rows,
    segment_customers,
)
from segmentation.clustering.features import customers_in_order
from segmentation.frames import relation_to_frame

QUICK = {"k_max": 5, "stability_resamples": 0}


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.Series]:
    return make_planted_rfm(1_500, random_state=4)


@pytest.fixture(scope="module")
def models(planted) -> dict[str, SegmentModel]:
    rfm, _ = planted
    return {
        algorithm: fit_segment_model(
            rfm,
            None if algorithm in ("dbscan", "hdbscan") else 4,
            SegmentationConfig(algorithm=algorithm, agglomerative_max_fit_size=600, **QUICK),
        )
        for algorithm in ALGORITHMS
    }


@pytest.mark.parametrize("scaler", ["standard", "robust"])
@pytest.mark.parametrize("policy", ["none", "clip"])
def test_prepare_features_is_clip_log1p_and_the_sklearn_scaler_bit_for_bit(planted, scaler, policy):
    rfm, _ = planted
    config = SegmentationConfig(scaler=scaler, outlier_policy=policy, clip_quantile=0.9)
    ordered = rfm.sort_values("customer_id")
    columns = []
    for name in config.features:
        values = ordered[name].to_numpy(dtype=float)
        if policy == "clip":
            # the [1 - q, q] quantiles, 1 - q as Python computes it (0.09999999999999998)
            q = config.clip_quantile
            values = np.clip(values, *np.quantile(values, [1 - q, q]))
        columns.append(np.log1p(values))
    expected = (StandardScaler() if scaler == "standard" else RobustScaler()).fit_transform(
        np.column_stack(columns)
    )
    X = prepare_features(rfm, config)
    assert np.array_equal(X.to_numpy(), expected)
    assert X.index.tolist() == ordered["customer_id"].tolist()


def test_the_snapshot_transform_is_applied_unchanged_to_other_rows(planted):
    rfm, _ = planted
    config = SegmentationConfig(outlier_policy="clip", clip_quantile=0.95)
    transform = FeatureTransform.fit(rfm, config)
    later = rfm.head(50).assign(monetary=rfm["monetary"].head(50) * 3, recency_days=0)
    applied = transform.apply(later)
    ordered = later.sort_values("customer_id")
    for j, name in enumerate(transform.features):
        raw = np.clip(ordered[name].to_numpy(float), transform.clip_low[j], transform.clip_high[j])
        expected = (np.log1p(raw) - transform.center[j]) / transform.scale[j]
        assert np.array_equal(applied.iloc[:, j].to_numpy(), expected), name
    assert applied.columns.tolist() == transform.columns
    assert transform.clip_high[2] == pytest.approx(np.quantile(rfm["monetary"], 0.95))


def test_inverse_maps_transformed_values_back_to_days_invoices_and_money(planted):
    rfm, _ = planted
    transform = FeatureTransform.fit(rfm, SegmentationConfig())
    original = customers_in_order(rfm).loc[:, list(transform.features)].to_numpy(float)
    assert transform.inverse(transform.values(customers_in_order(rfm))) == pytest.approx(original)


def test_a_negative_value_of_a_feature_the_model_logs_is_refused(planted):
    rfm, _ = planted
    transform = FeatureTransform.fit(rfm, SegmentationConfig())
    with pytest.raises(ValueError, match="feature 'monetary' has 1 negative values"):
        transform.values(rfm.head(3).assign(monetary=[-5.0, 1.0, 2.0]))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_segment_model_frame_round_trips_exactly(models, planted, algorithm):
    model = models[algorithm]
    frame = model.to_frame()
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = SegmentModel.from_frame(shuffled)
    assert again == model
    rfm, _ = planted
    other = rfm.assign(recency_days=rfm["recency_days"][::-1].to_numpy())  # unseen rows
    for rows in (rfm, other):
        values = model.transform.values(rows)
        assert np.array_equal(again.assign(values), model.assign(values))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_segment_model_survives_a_trip_through_a_duckdb_table(models, algorithm):
    model = models[algorithm]
    frame = model.to_frame()
    with duckdb.connect() as con:
        con.register("fitted", frame)
        con.execute("create table segment_model as select *, 'run-1' as dbt_run_id from fitted")
        types = dict(
            con.sql("select column_name, column_type from (describe segment_model)").fetchall()
        )
        read_back = relation_to_frame(con.sql("select * from segment_model order by random()"))
    assert types["point_id"] == "BIGINT" and types["log1p"] == "BOOLEAN"
    assert types["value"] == types["radius"] == "DOUBLE" and types["feature"] == "VARCHAR"
    assert SegmentModel.from_frame(read_back) == model


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_assign_on_the_fit_customers_gives_the_labels_the_fit_gave_them(models, planted, algorithm):
    rfm, _ = planted
    model = models[algorithm]
    segments = segment_customers(model, rfm)
    values = model.transform.values(customers_in_order(rfm))
    assert np.array_equal(model.assign(values), segments["cluster_id"].to_numpy())
    sizes = segments.loc[segments["cluster_id"] >= 0, "cluster_id"].value_counts().sort_index()
    assert sizes.tolist() == model.sizes.tolist()
    assert segments["segment_name"].tolist() == [model.names[c] for c in segments["cluster_id"]]


def test_the_segment_model_frame_is_long_readable_and_of_plain_types(models):
    model = models["kmeans"]
    frame = model.to_frame()
    assert list(frame.columns) == list(MODEL_FRAME_COLUMNS)
    assert len(frame) == model.k * 3
    assert set(frame["point_kind"]) == {"centre"}
    kinds = {column: str(dtype) for column, dtype in frame.dtypes.items()}
    assert set(kinds.values()) <= {"float64", "int64", "bool", "str"}
    assert frame["feature"].tolist()[:3] == ["recency_days", "frequency", "monetary"]
    assert frame["feature_position"].tolist()[:3] == [1, 2, 3]
    champions = frame[frame["cluster_id"] == 0].set_index("feature")
    # the highest-value segment's centre, in days, invoices and money
    assert champions.loc["recency_days", "value_in_feature_units"] < 30
    assert champions.loc["frequency", "value_in_feature_units"] > 12
    assert frame["radius"].isna().all() and frame["clip_low"].isna().all()
    assert frame.groupby("cluster_id")["customers"].first().sum() == 1_500
    assert frame["log1p"].all() and (frame["k"] == 4).all()


def test_density_models_publish_core_points_with_their_radius_and_no_noise_row(models):
    for algorithm in ("dbscan", "hdbscan"):
        model = models[algorithm]
        frame = model.to_frame()
        cores = frame[frame["point_kind"] == "core_point"]
        centres = frame[frame["point_kind"] == "centre"]
        assert len(cores) == model.core_points.shape[0] * 3
        assert cores["value_in_feature_units"].isna().all()
        assert (cores["radius"] >= 0).all() and centres["radius"].isna().all()
        assert sorted(centres["point_id"].unique()) == list(range(model.k))
        assert -1 not in set(frame["cluster_id"])
        assert model.names[-1] == NOISE_NAME
    assert models["dbscan"].to_frame().query("point_kind == 'core_point'")["radius"].nunique() == 1


def test_a_segment_model_frame_with_a_missing_centre_is_refused(models):
    frame = models["kmeans"].to_frame()
    with pytest.raises(ValueError, match=r"centre rows for clusters 0\.\.3"):
        SegmentModel.from_frame(frame[frame["point_id"] != 2])
    with pytest.raises(ValueError, match="lacks the columns radius"):
        SegmentModel.from_frame(frame.drop(columns="radius"))


def test_history_rows_are_labelled_by_the_fitted_model_without_a_refit(models, planted):
    rfm, _ = planted
    model = models["kmeans"]
    before = model.to_frame()
    two = rfm.head(2)
    history = pd.concat(
        [
            two.assign(as_of_date=pd.Timestamp(day), recency_days=two["recency_days"] + shift)
            for day, shift in (("2011-12-01", 0), ("2011-06-01", 183), ("2011-09-01", 91))
        ]
    ).iloc[::-1]
    scored = score_rows(model, history, keys=("customer_id", "as_of_date"))
    assert scored.columns.tolist() == [
        "customer_id",
        "as_of_date",
        "cluster_id",
        "segment_name",
        "recency_days_transformed",
        "frequency_transformed",
        "monetary_transformed",
        "distance_to_centre",
    ]
    assert len(scored) == 6
    ordered = history.sort_values(["customer_id", "as_of_date"])
    assert scored["customer_id"].tolist() == ordered["customer_id"].tolist()
    assert scored["as_of_date"].tolist() == ordered["as_of_date"].tolist()
    values = model.transform.values(ordered)
    assert scored["cluster_id"].tolist() == model.assign(values).tolist()
    assert_frame_equal(model.to_frame(), before)


def test_rows_repeating_a_customer_need_a_second_key(models, planted):
    rfm, _ = planted
    doubled = pd.concat([rfm.head(3), rfm.head(3)])
    repeated = r"one row per customer_id; customer_id \d+ appears 2 times"
    with pytest.raises(ValueError, match=repeated):
        score_customers(models["kmeans"], doubled)
    dated = doubled.assign(as_of_date=[1, 1, 1, 2, 2, 2])
    assert len(score_rows(models["kmeans"], dated, keys=("customer_id", "as_of_date"))) == 6
    with pytest.raises(ValueError, match="as_of_date 1 appears 2 times"):
        score_rows(models["kmeans"], dated.assign(as_of_date=1), keys=("customer_id", "as_of_date"))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_champions_who_stop_buying_leave_the_champions_cluster(models, planted, algorithm):
    rfm, truth = planted
    model = models[algorithm]
    labels = segment_customers(model, rfm).set_index("customer_id").loc[rfm["customer_id"]]
    by_type = labels["cluster_id"].groupby(truth.to_numpy()).agg(lambda c: c.mode()[0])
    lapsed = rfm["recency_days"][truth.to_numpy() == "lapsed_big_spenders"].median()
    moved = rfm[truth.to_numpy() == "champions"].assign(recency_days=int(lapsed))
    scored = score_customers(model, moved)["cluster_id"]
    assert not (scored == by_type["champions"]).any()
    if algorithm in ("dbscan", "hdbscan"):
        # no lapsed customer buys as often as a champion: outside every dense region
        assert set(scored) <= {by_type["lapsed_big_spenders"], -1}
    else:
        assert (scored == by_type["lapsed_big_spenders"]).all()


def test_fit_segments_is_the_fitted_model_applied_to_the_snapshot(planted):
    rfm, _ = planted
    config = SegmentationConfig(n_clusters=4, **QUICK)
    X = prepare_features(rfm, config)
    model = fit_segment_model(rfm, 4, config)
    assert_frame_equal(fit_segments(rfm, X, 4, config), segment_customers(model, rfm))
    published = SegmentModel.from_frame(model.to_frame())
    assert_frame_equal(segment_customers(published, rfm), segment_customers(model, rfm))


def test_run_segmentation_returns_the_model_behind_customer_segments(planted):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(**QUICK))
    assert result.model.k == result.k == 4
    assert_frame_equal(segment_customers(result.model, rfm), result.segments)


def test_two_fits_give_identical_model_frames(planted):
    rfm, _ = planted
    config = SegmentationConfig(algorithm="dbscan", **QUICK)
    assert_frame_equal(
        fit_segment_model(rfm, None, config).to_frame(),
        fit_segment_model(rfm, None, config).to_frame(),
    )


def test_two_million_history_rows_are_scored_in_seconds(models, planted):
    rfm, _ = planted
    dates = 1_334  # 1,500 customers x 1,334 dates = 2,001,000 rows
    history = pd.DataFrame(
        {
            "customer_id": np.tile(rfm["customer_id"].to_numpy(), dates),
            "as_of_date": np.repeat(np.arange(dates), len(rfm)),
            "recency_days": np.tile(rfm["recency_days"].to_numpy(), dates),
            "frequency": np.tile(rfm["frequency"].to_numpy(), dates),
            "monetary": np.tile(rfm["monetary"].to_numpy(), dates),
        }
    )
    start = time.perf_counter()
    scored = score_rows(models["kmeans"], history, keys=("customer_id", "as_of_date"))
    elapsed = time.perf_counter() - start
    assert len(scored) == 2_001_000
    assert elapsed < 5.0, f"{elapsed:.2f} s"


def test_label_rows_gives_score_rows_labels_in_the_rows_own_order():
    rfm, _ = make_planted_rfm(800, random_state=3)
    fitted = fit_segment_model(rfm, 4, SegmentationConfig())
    shuffled = rfm.sample(frac=1.0, random_state=1)
    labels = label_rows(fitted, shuffled)
    assert labels.index.equals(shuffled.index)
    scored = score_rows(fitted, shuffled).set_index("customer_id")
    by_customer = scored.loc[shuffled["customer_id"]]
    assert labels["cluster_id"].tolist() == by_customer["cluster_id"].tolist()
    assert labels["segment_name"].astype(str).tolist() == by_customer["segment_name"].tolist()
