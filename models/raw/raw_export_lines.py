"""The data lines of the files this build loads (raw_load_batch's new files), as read.

A thin adapter: the reading rules live in python/segmentation/ingest.py. The
`python_view` materialization makes the returned SQL a view: for CSV it reads the
lines, which the loader first copies into the table `raw_csv_lines` (this build's files
only), with each file's layout; for Parquet it reads the files in place. An Excel
workbook comes back as a relation and is stored as a table. Files loaded by earlier
builds are not read again: their lines are in int_transaction_lines_parsed already.
raw_transaction_lines splits the lines into fields.
"""

from segmentation.ingest import (
    TransactionFileError,
    reads_files_directly,
    transaction_lines_query,
)


def load(session, path, files, lines_table):
    try:
        query = transaction_lines_query(session, path, lines_table=lines_table, files=files)
    except TransactionFileError as error:
        # raised afresh so dbt's report ends in the message, not the loader's internals
        raise TransactionFileError(str(error)) from None
    return query if not files or reads_files_directly(files[0]) else session.sql(query)


def model(dbt, session):
    meta = dbt.config.get("meta")
    batch = dbt.ref("raw_load_batch").filter("status = 'new'").order("path_order")
    files = [row[0] for row in batch.select("source_file").fetchall()]
    lines_table = f'"{dbt.this.database}"."{dbt.this.schema}"."raw_csv_lines"'
    return load(session, meta["transactions_path"], files, lines_table)
