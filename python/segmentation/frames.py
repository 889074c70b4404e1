"""Hand a model's input relations to pandas, the way the Python models need them.

The clustering package takes pandas and gives pandas; the models convert at this one
boundary, on one row per customer: a DuckDB relation through Arrow, a Spark DataFrame
(dbt.ref on Databricks) through ``toPandas``. A model that labels millions of rows
(int_history_segments) keeps them in Arrow instead: only the features go to pandas,
and the keys go back to DuckDB as they came (:func:`relation_to_arrow`, :func:`beside`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import duckdb
import pandas as pd
import pyarrow as pa


class SparkFrame(Protocol):
    """What relation_to_frame uses of a pyspark DataFrame."""

    dtypes: list[tuple[str, str]]

    def selectExpr(self, *expressions: str) -> Any: ...

    def toPandas(self) -> pd.DataFrame: ...


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _spark_quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _doubles_for_decimals(
    columns: Iterable[tuple[str, str]], quoted: Callable[[str], str]
) -> list[str]:
    """A select list of ``(name, type)`` columns, each DECIMAL one cast to DOUBLE."""
    return [
        f"cast({quoted(name)} as double) as {quoted(name)}"
        if kind.upper().startswith("DECIMAL")
        else quoted(name)
        for name, kind in columns
    ]


def relation_to_frame(relation: duckdb.DuckDBPyRelation | SparkFrame) -> pd.DataFrame:
    """The relation as a pandas DataFrame, DECIMAL columns as float64.

    A DuckDB relation goes through Arrow, column by column without Python objects; a
    Spark DataFrame through ``toPandas``. Casting DECIMAL to DOUBLE in the engine first
    avoids a column of ``decimal.Decimal`` objects, which scikit-learn would convert one
    by one.
    """
    if not isinstance(relation, duckdb.DuckDBPyRelation):
        return relation.selectExpr(
            *_doubles_for_decimals(relation.dtypes, _spark_quoted)
        ).toPandas()
    return relation_to_arrow(relation).to_pandas()


def relation_to_arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """The DuckDB relation as an Arrow table, DECIMAL columns as DOUBLE (as
    :func:`relation_to_frame`): no Python object per value, dates stay dates.
    """
    columns = zip(relation.columns, map(str, relation.types), strict=True)
    select = ", ".join(_doubles_for_decimals(columns, _quoted))
    return relation.select(select).to_arrow_table()


def beside(table: pa.Table, frame: pd.DataFrame) -> pa.Table:
    """``table``'s columns, then ``frame``'s, as one Arrow table, row i beside row i.

    For results computed from ``table`` in its own order (``frame``'s index is not
    read). Handing DuckDB Arrow instead of a DataFrame with the key columns spares
    converting them: a date column is a Python object per value in pandas.
    """
    if len(frame) != table.num_rows:
        raise ValueError(f"beside: {table.num_rows} rows and {len(frame)} rows")
    labels = pa.Table.from_pandas(frame, preserve_index=False)
    for name, column in zip(labels.column_names, labels.columns, strict=True):
        table = table.append_column(name, column)
    return table


#: The columns that stamp a mart's rows with the dbt invocation that built them.
RUN_STAMP_COLUMNS = ("dbt_run_id", "dbt_run_started_at")


def with_run_stamp(frame: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :data:`RUN_STAMP_COLUMNS` from ``run``, the one-row ``dbt_run`` table
    the on-run-start hook writes (so a Python mart carries the id of the command that
    rebuilt it, as a SQL mart does through the run_stamp macro).
    """
    if len(run) != 1:
        raise ValueError(f"dbt_run must have exactly one row, has {len(run)}")
    return frame.assign(**{column: run[column].iloc[0] for column in RUN_STAMP_COLUMNS})
