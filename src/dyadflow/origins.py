"""Article identity: which content each origin (file, JSONL line, URL) holds now.

An article's doc_id is a hash of its text, so an edited file is a new article. Its origin (the
absolute input root + relative path, a JSONL line's id or URL) is what stays: state/origins.parquet
keeps one row per (origin, doc_id) ever read, with `current` set on the content the origin holds
now. A doc that some origin held but none holds any more is superseded: the load retires its
coding (its events leave every view, then the prune deletes them), the code step skips it, and
the `articles` view hides it. Identical content under two origins is one doc that stays current
while either holds it. Docs read before origins were recorded have no rows and are never
superseded. Call under the warehouse lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa

from dyadflow.location import read_table
from dyadflow.records import Article
from dyadflow.store import CODINGS_FIELDS, ParquetStore, atomic_write_table, to_table
from dyadflow.tableschema import table_schema

ORIGINS_FILE = "origins.parquet"


class OriginIndex:
    """Read and update state/origins.parquet of one warehouse."""

    def __init__(self, store: ParquetStore) -> None:
        self.store = store
        self.path = store.state_dir / ORIGINS_FILE

    def rows(self) -> pd.DataFrame:
        schema = table_schema(self.store.schemas_dir, "origins")
        if not self.path.exists():
            return pd.DataFrame(columns=schema.names)
        return read_table(self.path).to_pandas()  # local or object storage (dyadflow.location)

    def superseded_ids(self) -> set[str]:
        """Docs that an origin held once and none holds now."""
        df = self.rows()
        if df.empty:
            return set()
        current = df.groupby("doc_id")["current"].any()
        return set(current.index[~current])

    def record(self, articles: Sequence[Article], run_id: str, now: dt.datetime | None = None) -> set[str]:
        """Record the content each origin of `articles` (and of their same-run duplicates) holds now;
        returns the docs superseded by this call (one atomic write)."""
        now = now or dt.datetime.now(dt.UTC)
        seen = {o: a.doc_id for a in articles for o in _origins_of(a)}
        if not seen:
            return set()
        before = self.superseded_ids()
        df = self.rows()
        rows: dict[tuple[str, str], dict[str, object]] = {
            (r["origin"], r["doc_id"]): r for r in df.to_dict("records")}
        changed = False
        for (origin, doc_id), r in rows.items():
            if origin in seen and bool(r["current"]) != (doc_id == seen[origin]):
                r.update(current=doc_id == seen[origin], run_id=run_id)
                changed = True
        for origin, doc_id in seen.items():
            if (origin, doc_id) not in rows:
                rows[(origin, doc_id)] = {"origin": origin, "doc_id": doc_id, "current": True,
                                          "first_seen_at": now, "run_id": run_id}
                changed = True
        if not changed:  # a re-run on unchanged inputs writes nothing
            return set()
        table = to_table([rows[k] for k in sorted(rows)], table_schema(self.store.schemas_dir, "origins"))
        atomic_write_table(table, self.path, self.store.tmp_dir)
        return self.superseded_ids() - before


def _origins_of(article: Article) -> Iterable[str]:
    if article.origin:
        yield article.origin
    yield from article.duplicate_origins


def retire_superseded_codings(store: ParquetStore) -> int:
    """Drop the committed codings of superseded docs (their events leave the views; the next prune
    deletes them); returns how many were dropped. Idempotent: a load killed before it redoes it."""
    gone = OriginIndex(store).superseded_ids()
    codings = store.read_codings()
    if not gone or codings.empty:
        return 0
    drop = codings["doc_id"].isin(gone)
    if not bool(drop.any()):
        return 0
    kept = codings[~drop].reset_index(drop=True)
    kept["coded_at"] = pd.to_datetime(kept["coded_at"], utc=True)
    table = pa.Table.from_pandas(kept, schema=CODINGS_FIELDS, preserve_index=False)
    atomic_write_table(table, store.codings_path, store.tmp_dir)
    return int(drop.sum())
