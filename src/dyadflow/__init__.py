"""dyadflow: political event data (CAMEO / ACLED) from news text into Parquet and DuckDB.

The Python API (for notebooks; see README "Python API"):

    dyadflow.code(texts, published=None)          -> pandas DataFrame of events
    dyadflow.run(paths, warehouse=None)           -> the run summary (dict)
    dyadflow.connect(warehouse=None, read_only=True) -> DuckDB connection with the views

Importing dyadflow loads nothing heavy: pandas, DuckDB, spaCy and Prefect are imported by the
call that needs them (dyadflow.api).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import duckdb
    import pandas as pd

try:
    __version__ = version("dyadflow")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "code", "connect", "run"]


def code(texts: str | Iterable[str], published: Any = None, **options: Any) -> pd.DataFrame:
    """Code texts into events: a DataFrame with one row per event (the `dyadflow code --json` fields).

    texts: a text, a list of texts or a pandas Series (its index becomes `id`; else the position);
    published: the publication date of all texts (date or YYYY-MM-DD), one per text, or None.
    Options: lexicon=DIR, lexicon_format="native"|"petrarch", geo=True. Nothing is stored.
    """
    from dyadflow import api

    return api.code(texts, published, **options)


def run(paths: str | Path | Iterable[str | Path], warehouse: str | Path | None = None, **options: Any) -> dict:
    """Run the pipeline (extract → code → load) over files/folders into the warehouse; returns the run summary.

    warehouse: a folder (default: DYADFLOW_WAREHOUSE or warehouse/data/). Options: lexicon,
    lexicon_format, lock_wait_seconds. Re-running codes only new or changed articles.
    """
    from dyadflow import api

    return api.run(paths, warehouse, **options)


def connect(warehouse: str | Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse with every view (events, dyad_month, acled_export, ...).

    Read-only by default, so it never gets in the way of a run; views older than the Parquet store
    are refreshed first.
    """
    from dyadflow import api

    return api.connect(warehouse, read_only)
