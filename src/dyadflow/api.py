"""The Python API for notebooks: code texts, run the pipeline, query the warehouse.

    import dyadflow
    events = dyadflow.code(["Russia condemned Ukraine on Monday."], published="2024-05-08")
    summary = dyadflow.run(["my_corpus/"], warehouse="my_warehouse/")
    con = dyadflow.connect("my_warehouse/")
    con.sql("select * from dyad_month").df()

Exposed lazily by `dyadflow/__init__.py`: importing dyadflow loads none of this (nor pandas,
DuckDB, spaCy or Prefect) until a function is called.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadflow.settings import Settings

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from dyadflow.pipeline import CoderResources

LEXICON_FORMATS = ("native", "petrarch")


def _settings(warehouse: str | Path | None = None, lexicon: str | Path | None = None,
              lexicon_format: str | None = None) -> Settings:
    """Settings from the environment (DYADFLOW_*) with the arguments on top, checked."""
    from dyadflow.location import resolve_location

    settings = Settings.from_env().with_overrides(
        warehouse_dir=resolve_location(warehouse) if warehouse is not None else None,
        lexicon_dir=Path(lexicon).expanduser().resolve() if lexicon is not None else None,
        lexicon_format=lexicon_format,
    )
    if settings.lexicon_format not in LEXICON_FORMATS:
        raise ValueError(f"lexicon_format must be one of {', '.join(LEXICON_FORMATS)}, got {settings.lexicon_format!r}")
    if settings.lexicon_dir is not None and not Path(settings.lexicon_dir).is_dir():
        raise FileNotFoundError(f"lexicon folder does not exist: {settings.lexicon_dir}")
    return settings


@functools.lru_cache(maxsize=2)
def _resources(settings: Settings, with_geo: bool) -> CoderResources:
    """The parser, lexicon and gazetteer: built on the first call, reused by the next ones."""
    from dyadflow.pipeline import build_resources

    return build_resources(settings, with_gazetteer=with_geo)


def _published_list(published: Any, n: int) -> list[date | None]:
    if published is None or isinstance(published, str | date):
        values: list[Any] = [published] * n
    else:
        values = list(published)
        if len(values) != n:
            raise ValueError(f"published has {len(values)} values for {n} texts")
    out: list[date | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):  # None or NaN
            out.append(None)
        elif isinstance(v, date):
            out.append(v if type(v) is date else v.date())  # datetime / pandas Timestamp → date
        else:
            out.append(date.fromisoformat(str(v)[:10]))
    return out


def event_columns() -> list[str]:
    """The columns of `code`'s DataFrame: the fields of `dyadflow code --json` (events schema + id)."""
    from dyadflow.tableschema import table_schema

    names = list(table_schema(Settings().schemas_dir, "events").arrow_schema().names)
    return [*names, "id"]


def code(texts: str | Iterable[str], published: Any = None, *, lexicon: str | Path | None = None,
         lexicon_format: str | None = None, geo: bool = True) -> pd.DataFrame:
    """Code texts into events: one DataFrame row per event, the fields of `dyadflow code --json`.

    texts: one text or several (a list, a pandas Series: its index becomes `id`); published: the
    publication date (date or YYYY-MM-DD) of every text, or one per text, or None. `id` is the
    text's position (or Series index label). Nothing is stored. The parser is built on the first
    call and reused.
    """
    import pandas as pd

    from dyadflow.records import sha256_hex
    from dyadflow.scaleout import code_items

    if isinstance(texts, str):
        texts = [texts]
    ids: Sequence[Any]
    if isinstance(texts, pd.Series):
        ids, bodies = list(texts.index), [str(t) for t in texts]
    else:
        bodies = [str(t) for t in texts]
        ids = list(range(len(bodies)))
    dates = _published_list(published, len(bodies))
    columns = event_columns()
    if not bodies:
        return pd.DataFrame(columns=columns)
    settings = _settings(lexicon=lexicon, lexicon_format=lexicon_format)
    keyed = [(sha256_hex(body)[:32], body, when) for body, when in zip(bodies, dates, strict=True)]
    coded = code_items(keyed, settings, with_gazetteer=geo, resources=_resources(settings, geo))
    rows = []
    for item_id, result in zip(ids, coded, strict=True):
        if result.error is not None:
            warnings.warn(f"text {item_id!r} could not be coded: {result.error}", stacklevel=2)
            continue
        rows.extend({**e.to_row(), "id": item_id} for e in result.events)
    return pd.DataFrame(rows, columns=columns)


def run(paths: str | Path | Iterable[str | Path], warehouse: str | Path | None = None, *,
        lexicon: str | Path | None = None, lexicon_format: str | None = None,
        lock_wait_seconds: float = 0.0) -> dict[str, Any]:
    """Run the pipeline (extract → code → load) over files and folders into the warehouse.

    Returns the run summary (the dict `dyadflow run` prints: extract, code and load counts, rejects,
    seconds per stage). Prefect runs in its local mode, as for the CLI (or on PREFECT_API_URL).
    Raises dyadflow.store.WarehouseLocked when another run holds the warehouse.
    """
    from dyadflow.runtime import configure_prefect, prefect_server_for_process

    items = [paths] if isinstance(paths, str | Path) else list(paths)
    settings = _settings(warehouse, lexicon, lexicon_format).with_overrides(
        input_paths=tuple(Path(p).expanduser().resolve() for p in items) or None)
    for p in settings.default_inputs:
        if not p.exists():
            raise FileNotFoundError(f"input path does not exist: {p}")
    if "://" not in str(settings.data_dir) and Path(settings.data_dir).is_file():
        raise NotADirectoryError(f"the warehouse path is a file, not a folder: {settings.data_dir}")
    configure_prefect()
    with prefect_server_for_process() as url:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if str(settings.project_dir) not in sys.path:  # flows/ lives in the checkout, beside src/
            sys.path.insert(0, str(settings.project_dir))
        pipeline = importlib.import_module("flows.pipeline").pipeline
        with temporary_settings({PREFECT_API_URL: url or os.environ.get("PREFECT_API_URL")}):
            return pipeline(
                paths=[str(p) for p in settings.default_inputs],
                warehouse=str(settings.data_dir),
                lock_wait_seconds=lock_wait_seconds,
                lexicon=str(settings.lexicon_dir) if settings.lexicon_dir else None,
                lexicon_format=settings.lexicon_format,
            )


def connect(warehouse: str | Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse with every view (events, dyad_month, ...).

    read_only (the default) never gets in the way of a run: when the views are older than the
    Parquet store they are refreshed first (in a copy swapped in atomically). read_only=False
    opens the file for writing (fails while another process has it open).
    """
    from dyadflow import warehouse as wh

    settings = _settings(warehouse)
    if not read_only:
        return wh.connect(settings.data_dir, settings.sql_dir)
    import duckdb

    db = settings.duckdb_path
    if not db.exists() and not (settings.data_dir / "articles").exists():
        raise FileNotFoundError(f"no warehouse at {settings.data_dir}; run dyadflow.run(...) first")
    stale = True
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as probe:
            stale = wh.is_stale(probe, settings.data_dir)
    if stale:
        wh.refresh(settings.data_dir, settings.sql_dir)
    return wh.connect(settings.data_dir, settings.sql_dir, read_only=True)
