"""The one Parquet writer: validated, atomic (temp file + rename) and idempotent writes.

Layout of a warehouse directory::

    articles/part-<hash>.parquet            new articles of a run (dedup by doc_id in views)
    events/year=YYYY/month=MM/part-<hash>.parquet   one compacted file per partition
    events/year=unknown/month=unknown/...    undated events
    rejects/part-<hash>.parquet             rejected inputs with reasons
    state/codings.parquet                   which doc was coded with which coder/dictionary key
    dyadflow.duckdb                         the views

Commit protocol: event partitions are written first, `state/codings.parquet` last. The `events`
view only shows rows whose (doc_id, coding_key) is the doc's current coding, so a run killed
before its commit leaves nothing visible; the next run re-codes and compacts.

Temporary files: every write goes to `<root>/.tmp/.tmp-<pid>-<random>.part` and is renamed into
place (same filesystem), so no glob over articles/, events/, rejects/ or state/ ever sees a
partial file (DuckDB globs do match dot-files). `init` removes temp files of dead processes.
"""

from __future__ import annotations

import contextlib
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


def coding_key(coder_version: str, dictionary_version: str) -> str:
    """The key that decides whether an article must be re-coded."""
    return sha256_hex(f"{coder_version}\x1f{dictionary_version}")[:16]


def atomic_write_table(table: pa.Table, dest: Path, tmp_dir: Path | None = None) -> None:
    """Write a Parquet file atomically: a hidden temp file (in tmp_dir, else dest's folder), fsync, rename.

    The temp name is `.tmp-<pid>-<random>.part` (never `*.parquet`); tmp_dir must be on the same
    filesystem as dest (if not, the temp file falls back to dest's folder).
    """
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
        _fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(root: Path) -> list[Path]:
    """Delete `.tmp-*` files under root left by processes that no longer run; returns them."""
    removed = []
    for tmp in Path(root).rglob(f"{TMP_PREFIX}*"):
        pid_text = tmp.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def _fsync_dir(path: Path) -> None:
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


def partition_of(row: dict[str, Any]) -> tuple[str, str]:
    d = row.get("event_date")
    if d is None or (not isinstance(d, dt_date) and pd.isna(d)):
        return (UNKNOWN, UNKNOWN)
    return (f"{d.year:04d}", f"{d.month:02d}")


class ParquetStore:
    """All reads and writes of a warehouse directory's Parquet files."""

    def __init__(self, root: Path, schemas_dir: Path) -> None:
        self.root = Path(root)
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
        for tmp in remove_stale_temp_files(self.root):
            log.info("removed temp file of an interrupted run: %s", tmp)

    @contextlib.contextmanager
    def lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Serialise runs on one warehouse: an exclusive flock on <root>/.lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseLocked(
                            f"another dyadflow run is using {self.root} (lock file {self.root / '.lock'}); "
                            "wait for it to finish or pass --wait SECONDS"
                        ) from None
                    time.sleep(0.2)
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # ---- reads ---------------------------------------------------------------------------
    def _read_all(self, folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
        files = sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith("."))
        if not files:
            return pd.DataFrame(columns=columns or [])
        frames = [pq.read_table(p, columns=columns).to_pandas() for p in files]
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
            for k in ("url", "title", "source", "language", "duplicate_paths"):
                if isinstance(r.get(k), float):
                    r[k] = None
            out.append(Article(**r))
        return out

    def read_codings(self) -> pd.DataFrame:
        if not self.codings_path.exists():
            return pd.DataFrame(columns=CODINGS_FIELDS.names)
        return pq.read_table(self.codings_path).to_pandas()

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
        """Row-level form of write_events (rows as in schemas/events.json)."""
        schema = table_schema(self.schemas_dir, "events")
        new_by_part: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in rows:
            new_by_part.setdefault(partition_of(r), []).append(r)
        touched = set(new_by_part)
        for part_dir in self.events_dir.glob("year=*/month=*"):
            year = part_dir.parent.name.split("=", 1)[1]
            month = part_dir.name.split("=", 1)[1]
            files = [p for p in part_dir.glob("*.parquet") if not p.name.startswith(".")]
            if len(files) > 1:
                touched.add((year, month))
                continue
            if files and recoded_doc_ids:
                ids = pq.read_table(files[0], columns=["doc_id"]).column("doc_id").to_pylist()
                if recoded_doc_ids.intersection(ids):
                    touched.add((year, month))
        written = 0
        for year, month in sorted(touched):
            part_dir = self.events_dir / f"year={year}" / f"month={month}"
            old_files = sorted(p for p in part_dir.glob("*.parquet") if not p.name.startswith("."))
            keep: list[pd.DataFrame] = []
            for p in old_files:
                df = pq.read_table(p).to_pandas()
                df = df.drop(columns=[c for c in ("year", "month") if c in df.columns])
                keep.append(df[~df["doc_id"].isin(recoded_doc_ids)])
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
