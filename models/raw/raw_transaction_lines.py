"""One text row per data line of the transactions export (var `transactions_path`).

A thin adapter: the reading rules live in python/segmentation/ingest.py.
"""

from segmentation.ingest import load_transaction_lines


def model(dbt, session):
    path = dbt.config.get("meta")["transactions_path"]
    return load_transaction_lines(session, path)
