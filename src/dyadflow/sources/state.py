"""Live-source state in the warehouse: seen URLs (state/seen_urls.parquet) and superseded page
versions (state/superseded.parquet), both validated against schemas/ and written atomically.

A feed item whose URL is in seen_urls is not fetched again; a page is re-fetched with its stored
validators (conditional GET) and, when its text changed, its earlier article is superseded: the
old doc's coding is retired (its events leave the views, the next load prunes them) and the new
article is coded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from dyadflow.location import read_table
from dyadflow.store import ParquetStore, atomic_write_table, to_table
from dyadflow.tableschema import table_schema

SEEN_FILE = "seen_urls.parquet"
SUPERSEDED_FILE = "superseded.parquet"
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_KEYS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})


def normalise_url(url: str) -> str:
    """The key of a URL in the seen state: lower-case scheme and host, no fragment, no tracking parameters."""
    u = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(u.query, keep_blank_values=True)
             if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS]
    return urlunsplit((u.scheme.lower(), u.netloc.lower(), u.path or "/", urlencode(query), ""))


@dataclass(frozen=True, slots=True)
class SeenUrl:
    """One row of state/seen_urls.parquet."""

    url: str
    kind: str  # feed | item | page
    status: str  # ok | rejected (a permanent failure: not fetched again)
    first_seen_at: dt.datetime
    fetched_at: dt.datetime
    run_id: str
    feed: str | None = None
    doc_id: str | None = None
    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Superseded:
    """One row of state/superseded.parquet: doc_id is an earlier version of url, replaced by superseded_by."""

    doc_id: str
    superseded_by: str
    url: str
    superseded_at: dt.datetime
    run_id: str


def _none(v: object) -> object:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT else v


def _read(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    rows = read_table(path).to_pylist()  # local or object storage
    return [{k: _none(v) for k, v in r.items()} for r in rows]


class SourceState:
    """Read and update the live-source state of one warehouse (call under the warehouse lock)."""

    def __init__(self, store: ParquetStore) -> None:
        self.store = store
        self.seen_path = store.state_dir / SEEN_FILE
        self.superseded_path = store.state_dir / SUPERSEDED_FILE

    def seen(self) -> dict[tuple[str, str], SeenUrl]:
        """(url, kind) → its row."""
        return {(r["url"], r["kind"]): SeenUrl(**r) for r in _read(self.seen_path)}  # type: ignore[arg-type]

    def superseded(self) -> dict[str, Superseded]:
        """doc_id → its supersession."""
        return {r["doc_id"]: Superseded(**r) for r in _read(self.superseded_path)}  # type: ignore[arg-type]

    def superseded_ids(self) -> set[str]:
        return set(self.superseded())

    def update_seen(self, rows: Sequence[SeenUrl]) -> None:
        """Insert or replace rows by (url, kind)."""
        if not rows:
            return
        merged = self.seen()
        for r in rows:
            old = merged.get((r.url, r.kind))
            if old is not None and old.first_seen_at < r.first_seen_at:
                r = SeenUrl(**{**asdict(r), "first_seen_at": old.first_seen_at})
            merged[(r.url, r.kind)] = r
        self._write("seen_urls", self.seen_path, [asdict(r) for _, r in sorted(merged.items())])

    def update_superseded(self, rows: Sequence[Superseded], current: Iterable[str] = ()) -> None:
        """Record supersessions; docs in `current` (a page back to an earlier text) are current again."""
        merged = self.superseded()
        for doc_id in current:
            merged.pop(doc_id, None)
        for r in rows:
            merged[r.doc_id] = r
        self._write("superseded", self.superseded_path, [asdict(r) for _, r in sorted(merged.items())])

    def _write(self, name: str, path: Path, rows: list[dict[str, object]]) -> None:
        table = to_table(rows, table_schema(self.store.schemas_dir, name))
        atomic_write_table(table, path, self.store.tmp_dir)
