"""Hand DuckDB relations to pandas through Arrow, the way the Python models need them."""

from __future__ import annotations

import duckdb
import pandas as pd


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation_to_frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """The relation as a pandas DataFrame via Arrow, DECIMAL columns as float64.

    Arrow moves the (one row per customer) data column by column without Python
    objects; casting DECIMAL to DOUBLE in DuckDB first avoids a column of
    ``decimal.Decimal`` objects, which scikit-learn would convert one by one.
    """
    columns = [
        f"cast({_quoted(name)} as double) as {_quoted(name)}"
        if str(kind).upper().startswith("DECIMAL")
        else _quoted(name)
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    return relation.select(", ".join(columns)).to_arrow_table().to_pandas()


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
