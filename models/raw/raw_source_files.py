"""Every file var `transactions_path` matches, with the fingerprint a daily load compares.

A thin adapter over python/segmentation/ingest.py (source_files): one stat call per
file, nothing read. raw_load_batch decides from it which files this build loads. It
returns a DuckDB relation, not a DataFrame: as the first node of a build it would
otherwise wait for pandas, which the plugin imports in the background meanwhile.
"""

from segmentation.ingest import TransactionFileError, source_files_query


def listing(session, path):
    try:
        return session.sql(source_files_query(path))
    except TransactionFileError as error:
        # raised afresh so dbt's report ends in the message, not the loader's internals
        raise TransactionFileError(str(error)) from None


def model(dbt, session):
    meta = dbt.config.get("meta")
    return listing(session, meta["transactions_path"])
