"""One text row per data line of the transactions export (var `transactions_path`).

A thin adapter: the reading rules live in python/segmentation/ingest.py.
"""

from segmentation.ingest import TransactionFileError, load_transaction_lines


def load(session, path):
    try:
        return load_transaction_lines(session, path)
    except TransactionFileError as error:
        # raised afresh so dbt's report ends in the message, not the loader's internals
        raise TransactionFileError(str(error)) from None


def model(dbt, session):
    meta = dbt.config.get("meta")
    return load(session, meta["transactions_path"])
