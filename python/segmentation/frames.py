"""Hand a model's input relations to pandas, the way the Python models need them.

The clustering package takes pandas and gives pandas; the models convert at this one
boundary, on one row per customer: a DuckDB relation through Arrow, a Spark DataFrame
(dbt.ref on Databricks) through ``toPandas``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import duckdb
import pandas as pd


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
    columns = zip(relation.columns, map(str, relation.types), strict=True)
    select = ", ".join(_doubles_for_decimals(columns, _quoted))
    return relation.select(select).to_arrow_table().to_pandas()


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
