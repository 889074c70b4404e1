"""One text row per data line of the transactions export (var `transactions_path`).

A thin adapter: the reading rules live in python/segmentation/ingest.py. The
`python_view` materialization makes the returned SQL a view: for a CSV export it
splits the file's lines, which the loader first copies into the table
`raw_csv_lines`; for Parquet it reads the file in place. An Excel workbook comes
back as a relation and is stored as a table.
"""

from segmentation.ingest import (
    TransactionFileError,
    reads_files_directly,
    transaction_lines_query,
)


def load(session, path, lines_table):
    try:
        query = transaction_lines_query(session, path, lines_table=lines_table)
    except TransactionFileError as error:
        # raised afresh so dbt's report ends in the message, not the loader's internals
        raise TransactionFileError(str(error)) from None
    return query if reads_files_directly(path) else session.sql(query)


def model(dbt, session):
    meta = dbt.config.get("meta")
    lines_table = f'"{dbt.this.database}"."{dbt.this.schema}"."raw_csv_lines"'
    return load(session, meta["transactions_path"], lines_table)
