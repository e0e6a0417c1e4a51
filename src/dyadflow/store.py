"""The one Parquet writer: validated, atomic (temp file + rename) and idempotent writes.

Layout of a warehouse directory::

    articles/part-<hash>.parquet            new articles of a run (dedup by doc_id in views)
    events/year=YYYY/month=MM/part-<hash>.parquet   one compacted file per partition
    events/year=unknown/month=unknown/...    undated events
    rejects/part-<hash>.parquet             rejected inputs with reasons
    state/codings.parquet                   which doc was coded with which coder/dictionary key
    dyadflow.duckdb                         the views

Commit protocol (dyadflow.pipeline.load_staged), in three phases. The `events` view only shows
rows whose (doc_id, coder_version, dictionary_version) is the doc's row in state/codings.parquet.
1. stage_event_rows: each touched partition is rewritten with the new rows of the coded docs
   added and the rows of their previous coding still in it (invisible new rows, visible old ones).
2. commit_codings: one atomic rename switches every coded doc to its new rows at once.
3. prune_events: rows that are not their doc's committed coding are deleted (invisible rows
   only). Every load prunes, so a run killed before or during phase 3 is cleaned up by the next.
A kill at any point therefore leaves each doc with all its old events or all its new ones.

Lock: `lock()` takes an exclusive flock on <root>/.lock; it is re-entrant within a context (the
pipeline flow holds it, its extract/code/load subflows take it again as a no-op).

Temporary files: every write goes to `<root>/.tmp/.tmp-<pid>-<random>.part` and is renamed into
place (same filesystem), so no glob over articles/, events/, rejects/ or state/ ever sees a
partial file (DuckDB globs do match dot-files). `init` removes temp files of dead processes.

Object storage (root an fsspec URL such as s3://bucket/prefix, a UPath; dyadflow.location): no
rename exists there, and none is needed: every file is written with one PUT under its final, unique
name (an object appears whole or not at all), codings.parquet (the commit point) is one PUT written
last, and the lock is a lease object created by a conditional put (dyadflow.location.ObjectLease).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date as dt_date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dyadflow.location import (
    LeaseHeld,
    ObjectLease,
    as_location,
    is_remote,
    location_key,
    pid_alive,
    put_table,
    read_table,
)
from dyadflow.records import Article, Event, Reject, sha256_hex
from dyadflow.tableschema import TableSchema, table_schema

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
TMP_DIRNAME = ".tmp"
TMP_PREFIX = ".tmp-"
TMP_SUFFIX = ".part"
CODINGS_FIELDS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("coding_key", pa.string(), nullable=False),
        pa.field("coder_version", pa.string(), nullable=False),
        pa.field("dictionary_version", pa.string(), nullable=False),
        pa.field("n_events", pa.int64(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("coded_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


class WarehouseLocked(RuntimeError):
    """Another run holds the warehouse lock."""


# The warehouse locks (resolved lock-file paths) held by the current context: an immutable value
# per context, inherited by the subflows and tasks Prefect runs inside a flow (it copies the context).
_HELD_LOCKS: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("dyadflow_held_locks",
                                                                           default=frozenset())


def _lock_key(path: Path) -> str:
    return location_key(path)


def coding_key(coder_version: str, dictionary_version: str) -> str:
    """The key that decides whether an article must be re-coded."""
    return sha256_hex(f"{coder_version}\x1f{dictionary_version}")[:16]


def atomic_write_table(table: pa.Table, dest: Path, tmp_dir: Path | None = None) -> None:
    """Write a Parquet file atomically: a hidden temp file (in tmp_dir, else dest's folder), fsync, rename.

    The temp name is `.tmp-<pid>-<random>.part` (never `*.parquet`); tmp_dir must be on the same
    filesystem as dest (if not, the temp file falls back to dest's folder).
    """
    if is_remote(dest):  # object storage: one PUT is atomic (no temp file, no rename)
        put_table(table, dest)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    where = dest.parent
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        where = tmp_dir
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=TMP_SUFFIX, dir=where)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV or where == dest.parent:
                raise
            os.unlink(tmp)  # tmp_dir on another filesystem: write beside dest instead
            atomic_write_table(table, dest, None)
            return
        fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_stale_temp_files(root: Path) -> list[Path]:
    """Delete `.tmp-*` files under root left by processes that no longer run; returns them."""
    removed = []
    for tmp in Path(root).rglob(f"{TMP_PREFIX}*"):
        pid_text = tmp.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid_text.isdigit() and pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def fsync_dir(path: Path) -> None:
    """Make a rename or new file in a folder durable (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def to_table(rows: Sequence[dict[str, Any]], schema: TableSchema) -> pa.Table:
    """Validate rows against a table schema and return an Arrow table with its exact types."""
    df = pd.DataFrame(list(rows), columns=schema.names)
    schema.validate_frame(df)
    arrow = schema.arrow_schema()
    arrays = []
    for f in arrow:
        col = df[f.name]
        if pa.types.is_date32(f.type):
            values = [None if pd.isna(v) else v for v in col]
            arrays.append(pa.array(values, type=f.type))
        elif pa.types.is_timestamp(f.type):
            arrays.append(pa.array(pd.to_datetime(col, utc=True), type=f.type))
        else:
            values = [None if (v is None or (isinstance(v, float) and pd.isna(v))) else v for v in col]
            if pa.types.is_integer(f.type):
                values = [None if v is None else int(v) for v in values]
            elif pa.types.is_boolean(f.type):
                values = [None if v is None else bool(v) for v in values]
            arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=arrow)


EVENT_KEY_COLUMNS = ("doc_id", "coder_version", "dictionary_version")


def _key_mask(df: pd.DataFrame, keys: set[tuple[str, str, str]]) -> pd.Series:
    """Rows of df whose (doc_id, coder_version, dictionary_version) is in keys."""
    if df.empty or not keys:
        return pd.Series(False, index=df.index)
    found = [k in keys for k in zip(*(df[c] for c in EVENT_KEY_COLUMNS), strict=True)]
    return pd.Series(found, index=df.index, dtype=bool)


def _rows_by_partition(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(partition_of(r), []).append(r)
    return out


def partition_of(row: dict[str, Any]) -> tuple[str, str]:
    d = row.get("event_date")
    if d is None or (not isinstance(d, dt_date) and pd.isna(d)):
        return (UNKNOWN, UNKNOWN)
    return (f"{d.year:04d}", f"{d.month:02d}")


class ParquetStore:
    """All reads and writes of a warehouse directory's Parquet files."""

    def __init__(self, root: Path, schemas_dir: Path) -> None:
        self.root = as_location(root)  # a local Path, or a UPath on object storage
        self.schemas_dir = Path(schemas_dir)
        self.articles_dir = self.root / "articles"
        self.events_dir = self.root / "events"
        self.rejects_dir = self.root / "rejects"
        self.state_dir = self.root / "state"
        self.codings_path = self.state_dir / "codings.parquet"
        self.tmp_dir = self.root / TMP_DIRNAME

    def init(self) -> None:
        """Create the folders; remove temp files left by killed runs (never a live process's)."""
        for d in (self.articles_dir, self.events_dir, self.rejects_dir, self.state_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)
        for tmp in ([] if is_remote(self.root) else remove_stale_temp_files(self.root)):
            log.info("removed temp file of an interrupted run: %s", tmp)

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    def holds_lock(self) -> bool:
        """True when the current context (thread / flow run) holds this warehouse's lock."""
        return _lock_key(self.lock_path) in _HELD_LOCKS.get()

    @contextlib.contextmanager
    def lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Serialise runs on one warehouse: an exclusive flock on <root>/.lock.

        Re-entrant within one context: a flow that runs inside the pipeline flow (which holds the
        lock for the whole run) does not lock again; a second flock on another open file
        description of the same file would fail even in the same process. Another process, or
        another thread that did not inherit the context, waits up to wait_seconds and then gets
        WarehouseLocked.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        key = _lock_key(self.lock_path)
        held = _HELD_LOCKS.get()
        if key in held:
            yield
            return
        if is_remote(self.root):  # object storage: a lease object created by a conditional put
            try:
                with ObjectLease(self.root).hold(wait_seconds):  # type: ignore[arg-type]
                    token = _HELD_LOCKS.set(held | {key})
                    try:
                        yield
                    finally:
                        _HELD_LOCKS.reset(token)
            except LeaseHeld as exc:
                raise WarehouseLocked(str(exc)) from None
            return
        fh = open(self.lock_path, "a+")
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseLocked(
                            f"another dyadflow run is using {self.root} (lock file {self.lock_path}); "
                            "wait for it to finish or pass --wait SECONDS"
                        ) from None
                    time.sleep(0.2)
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            token = _HELD_LOCKS.set(held | {key})
            try:
                yield
            finally:
                _HELD_LOCKS.reset(token)
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # ---- reads ---------------------------------------------------------------------------
    def _read_all(self, folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
        files = sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith("."))
        if not files:
            return pd.DataFrame(columns=columns or [])
        frames = [read_table(p, columns=columns).to_pandas() for p in files]
        return pd.concat(frames, ignore_index=True)

    def known_article_ids(self) -> set[str]:
        df = self._read_all(self.articles_dir, ["doc_id"])
        return set(df["doc_id"]) if not df.empty else set()

    def read_articles(self, doc_ids: Iterable[str] | None = None) -> list[Article]:
        """Articles in the store (optionally only the given ids), one per doc_id."""
        df = self._read_all(self.articles_dir)
        if df.empty:
            return []
        df = df.drop_duplicates("doc_id")
        if doc_ids is not None:
            df = df[df["doc_id"].isin(set(doc_ids))]
        out = []
        for r in df.to_dict("records"):
            r.pop("n_chars", None)
            r["published"] = None if pd.isna(r["published"]) else r["published"]
            for k in ("url", "title", "source", "language", "duplicate_paths", "origin", "warnings"):
                if isinstance(r.get(k), float) or k not in r:
                    r[k] = None
            out.append(Article(**r))
        return out

    def read_codings(self) -> pd.DataFrame:
        if not self.codings_path.exists():
            return pd.DataFrame(columns=CODINGS_FIELDS.names)
        return read_table(self.codings_path).to_pandas()

    def known_reject_ids(self) -> set[str]:
        df = self._read_all(self.rejects_dir, ["reject_id"])
        return set(df["reject_id"]) if not df.empty else set()

    # ---- writes --------------------------------------------------------------------------
    def write_articles(self, articles: Sequence[Article]) -> int:
        """Append the articles not yet stored; returns how many were written."""
        known = self.known_article_ids()
        new = [a for a in articles if a.doc_id not in known]
        if not new:
            return 0
        table = to_table([a.to_row() for a in new], table_schema(self.schemas_dir, "articles"))
        name = sha256_hex("".join(sorted(a.doc_id for a in new)))[:20]
        atomic_write_table(table, self.articles_dir / f"part-{name}.parquet", self.tmp_dir)
        return len(new)

    def write_rejects(self, rejects: Sequence[Reject]) -> int:
        """Append rejects not recorded before (by reject_id); returns how many were written."""
        known = self.known_reject_ids()
        seen: set[str] = set()
        new = []
        for r in rejects:
            if r.reject_id not in known and r.reject_id not in seen:
                seen.add(r.reject_id)
                new.append(r)
        if not new:
            return 0
        table = to_table([r.to_row() for r in new], table_schema(self.schemas_dir, "rejects"))
        name = sha256_hex("".join(sorted(seen)))[:20]
        atomic_write_table(table, self.rejects_dir / f"part-{name}.parquet", self.tmp_dir)
        return len(new)

    def write_events(self, events: Sequence[Event], recoded_doc_ids: set[str]) -> int:
        """Replace the events of the re-coded docs with `events`, compacting touched partitions."""
        return self.write_event_rows([e.to_row() for e in events], recoded_doc_ids)

    def write_event_rows(self, rows: Sequence[dict[str, Any]], recoded_doc_ids: set[str]) -> int:
        """Row-level form of write_events (rows as in schemas/events.json): one-step replacement.

        Not crash-safe across a coding change (a kill before the codings commit leaves a re-coded
        doc without visible events): the pipeline uses stage_event_rows → commit_codings →
        prune_events instead (load_staged).
        """
        new_by_part = _rows_by_partition(rows)
        touched = set(new_by_part)
        for part, (files, keys) in self._partition_keys().items():
            if len(files) > 1 or (recoded_doc_ids and keys["doc_id"].isin(recoded_doc_ids).any()):
                touched.add(part)
        return self._rewrite_partitions(touched, new_by_part, lambda df: df["doc_id"].isin(recoded_doc_ids))

    def stage_event_rows(self, rows: Sequence[dict[str, Any]], codings: Sequence[dict[str, Any]]) -> int:
        """Phase 1 of a crash-safe replacement: add the new rows of the coded docs to their partitions.

        Rows of the docs' previous coding stay (the views show them until commit_codings switches
        the docs to the new key); rows already stored under the new (doc_id, coder_version,
        dictionary_version), left by a run killed before its commit, are replaced. Returns the
        number of rows written.
        """
        new_keys = {(c["doc_id"], c["coder_version"], c["dictionary_version"]) for c in codings}
        new_by_part = _rows_by_partition(rows)
        touched = set(new_by_part)
        for part, (files, keys) in self._partition_keys().items():
            if len(files) > 1 or (new_keys and _key_mask(keys, new_keys).any()):
                touched.add(part)
        return self._rewrite_partitions(touched, new_by_part, lambda df: _key_mask(df, new_keys))

    def prune_events(self) -> int:
        """Phase 3: delete rows that are not the committed coding of their doc; compact partitions.

        Invisible rows only (old codings of re-coded docs, rows of runs killed before their
        commit), so the views never change; a no-op (no write) on a clean warehouse. Must run under
        the warehouse lock, after the commit (it would delete a running load's uncommitted rows).
        """
        if not self.codings_path.exists():
            return 0
        codings = self.read_codings()
        committed = set(zip(codings["doc_id"], codings["coder_version"], codings["dictionary_version"], strict=True))
        touched: set[tuple[str, str]] = set()
        n_stale = 0
        for part, (files, keys) in self._partition_keys().items():
            stale = int((~_key_mask(keys, committed)).sum())
            if len(files) > 1 or stale:
                touched.add(part)
                n_stale += stale
        if touched:
            self._rewrite_partitions(touched, {}, lambda df: ~_key_mask(df, committed))
        return n_stale

    def _partition_files(self, part_dir: Path) -> list[Path]:
        return sorted(p for p in part_dir.glob("*.parquet") if not p.name.startswith("."))

    def _partition_keys(self) -> dict[tuple[str, str], tuple[list[Path], pd.DataFrame]]:
        """(year, month) → (the partition's files, their rows' doc_id/coder_version/dictionary_version)."""
        out = {}
        for part_dir in sorted(self.events_dir.glob("year=*/month=*")):
            files = self._partition_files(part_dir)
            if not files:
                continue
            year = part_dir.parent.name.split("=", 1)[1]
            month = part_dir.name.split("=", 1)[1]
            frames = [read_table(p, columns=list(EVENT_KEY_COLUMNS)).to_pandas() for p in files]
            out[(year, month)] = (files, pd.concat(frames, ignore_index=True))
        return out

    def _rewrite_partitions(self, touched: set[tuple[str, str]],
                            new_by_part: dict[tuple[str, str], list[dict[str, Any]]],
                            drop: Any) -> int:
        """Rewrite each touched partition as one file: its rows minus drop(rows), plus its new rows.

        The compacted file is renamed into place before the old files are deleted: a kill in
        between leaves duplicate rows (same event_id) that the views deduplicate and the next
        write compacts away.
        """
        schema = table_schema(self.schemas_dir, "events")
        written = 0
        for year, month in sorted(touched):
            part_dir = self.events_dir / f"year={year}" / f"month={month}"
            old_files = self._partition_files(part_dir)
            keep: list[pd.DataFrame] = []
            for p in old_files:
                df = read_table(p).to_pandas()
                df = df.drop(columns=[c for c in ("year", "month") if c in df.columns])
                if not df.empty:
                    df = df[~drop(df)]
                keep.append(df)
            new_rows = new_by_part.get((year, month), [])
            frames = [k for k in keep if not k.empty]
            if new_rows:
                frames.append(pd.DataFrame(new_rows, columns=schema.names))
            if not frames:
                for p in old_files:
                    p.unlink()
                continue
            merged = pd.concat(frames, ignore_index=True).drop_duplicates("event_id", keep="last")
            merged = merged.sort_values(["doc_id", "sentence_index", "char_start", "event_id"])
            table = to_table(merged.to_dict("records"), schema)
            name = sha256_hex("".join(merged["event_id"]))[:20]
            dest = part_dir / f"part-{name}.parquet"
            atomic_write_table(table, dest, self.tmp_dir)
            for p in old_files:
                if p != dest:
                    p.unlink()
            written += len(new_rows)
        return written

    def commit_codings(self, codings: Sequence[dict[str, Any]]) -> None:
        """Record which docs were coded with which key: the commit point of a code+load."""
        current = self.read_codings()
        new = pd.DataFrame(list(codings), columns=CODINGS_FIELDS.names)
        if current.empty:
            merged = new
        else:
            merged = pd.concat([current[~current["doc_id"].isin(set(new["doc_id"]))], new], ignore_index=True)
        merged = merged.sort_values("doc_id").reset_index(drop=True)
        merged["coded_at"] = pd.to_datetime(merged["coded_at"], utc=True)
        table = pa.Table.from_pandas(merged, schema=CODINGS_FIELDS, preserve_index=False)
        atomic_write_table(table, self.codings_path, self.tmp_dir)

    def retire_codings(self, doc_ids: Iterable[str]) -> int:
        """Drop the codings of docs that are no longer current (a superseded page version): their
        events leave the views at once and the next load prunes them. Returns how many were dropped."""
        current = self.read_codings()
        drop = current["doc_id"].isin(set(doc_ids)) if not current.empty else None
        if drop is None or not bool(drop.any()):
            return 0
        kept = current[~drop].reset_index(drop=True)
        kept["coded_at"] = pd.to_datetime(kept["coded_at"], utc=True)
        table = pa.Table.from_pandas(kept, schema=CODINGS_FIELDS, preserve_index=False)
        atomic_write_table(table, self.codings_path, self.tmp_dir)
        return int(drop.sum())
