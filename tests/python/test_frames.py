"""Relations reach the Python models as pandas frames through Arrow."""

import duckdb
import pandas as pd
import pytest

from segmentation.frames import beside, relation_to_arrow, relation_to_frame, with_run_stamp


def test_decimals_arrive_as_floats_and_other_types_are_kept():
    con = duckdb.connect()
    relation = con.sql(
        "select 17850::bigint as customer_id, 12.34::decimal(18, 2) as monetary, "
        "'UK' as country, 3 as frequency"
    )
    frame = relation_to_frame(relation)
    assert list(frame.columns) == ["customer_id", "monetary", "country", "frequency"]
    assert frame["monetary"].dtype == "float64" and frame["monetary"].iloc[0] == 12.34
    assert pd.api.types.is_integer_dtype(frame["customer_id"])
    assert frame["country"].iloc[0] == "UK"


def test_column_names_that_need_quoting_survive():
    con = duckdb.connect()
    frame = relation_to_frame(con.sql('select 1.5::decimal(4, 1) as "odd ""name"""'))
    assert list(frame.columns) == ['odd "name"']
    assert frame.iloc[0, 0] == 1.5


def test_labels_go_back_beside_the_keys_as_they_came():
    """Keys stay Arrow (a date stays a date); labels follow row for row, names as text."""
    con = duckdb.connect()
    keys = relation_to_arrow(
        con.sql(
            "select * from (values (2::bigint, date '2011-02-01', 3.50::decimal(18, 2)), "
            "(1, date '2011-01-01', 1.25)) as t (customer_id, as_of_date, monetary)"
        )
    )
    assert keys.schema.field("monetary").type == "double"
    labels = pd.DataFrame(
        {
            "cluster_id": [1, 0],
            "segment_name": pd.Categorical(["Lapsed", "Champions"]),
        },
        index=[7, 3],  # the index is not read: rows pair by position
    )
    labelled = beside(keys.select(["customer_id", "as_of_date"]), labels)
    relation = con.from_arrow(labelled)
    written = relation.fetchall()
    assert [str(t) for t in relation.types] == [
        "BIGINT",
        "DATE",
        "BIGINT",
        "VARCHAR",
    ]
    assert [(c, str(d), k, n) for c, d, k, n in written] == [
        (2, "2011-02-01", 1, "Lapsed"),
        (1, "2011-01-01", 0, "Champions"),
    ]
    with pytest.raises(ValueError, match="2 rows and 1 rows"):
        beside(keys, labels.iloc[:1])


def test_a_python_mart_is_stamped_with_the_one_run_row():
    run = pd.DataFrame({"dbt_run_id": ["abc"], "dbt_run_started_at": ["2026-12-01"]})
    stamped = with_run_stamp(pd.DataFrame({"x": [1, 2]}), run)
    assert stamped["dbt_run_id"].tolist() == ["abc", "abc"]
    with pytest.raises(ValueError, match="exactly one row, has 2"):
        with_run_stamp(stamped, pd.concat([run, run]))


@pytest.mark.spark
def test_a_spark_dataframe_arrives_as_the_same_frame():
    """dbt.ref gives a Spark DataFrame on Databricks: the same pandas frame comes out."""
    sql = pytest.importorskip("pyspark.sql")
    spark = (
        sql.SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        query = (
            "select cast(17850 as bigint) as customer_id, cast(12.34 as decimal(18, 2)) "
            "as monetary, 'UK' as country, 3 as frequency, 1.5 as `odd ``name`"
        )
        frame = relation_to_frame(spark.sql(query))
    finally:
        spark.stop()
    want = relation_to_frame(duckdb.connect().sql(query.replace("`odd ``name`", '"odd `name"')))
    assert list(frame.columns) == ["customer_id", "monetary", "country", "frequency", "odd `name"]
    assert frame["monetary"].dtype == "float64" and frame["monetary"].iloc[0] == 12.34
    assert (
        frame.drop(columns="odd `name")
        .astype(str)
        .equals(want.drop(columns="odd `name").astype(str))
    )
