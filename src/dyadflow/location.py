"""Where a warehouse lives: a local folder (pathlib.Path) or any fsspec URL (a UPath), e.g. s3://bucket/prefix.

Object storage has no rename, so writes there are single object PUTs (an object appears whole or not
at all, never partial) under unique part names; the store's commit point, state/codings.parquet, is
one PUT written last (see dyadflow.store). S3 credentials and endpoint come from the standard AWS
variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION), read by
botocore itself, so MinIO or a loopback test server work unchanged.

Concurrent writers are kept out by a lease object (`<root>/.lock`) created with a conditional put
(S3 `If-None-Match: *`): exactly one writer creates it; it carries an expiry renewed by a heartbeat;
a lease whose holder stopped renewing (killed) is taken over with `If-Match` on its ETag, so two
writers that both find it stale cannot both win.

DuckDB reads object storage through the same fsspec filesystem, registered on each connection
(`register_filesystem`): no DuckDB extension is loaded or downloaded. The .duckdb file itself is
local (DuckDB cannot write a database file on object storage): `local_db_path`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

log = logging.getLogger(__name__)

Location = Path | UPath
LOCAL_PROTOCOLS = frozenset({"", "file", "local"})
LEASE_NAME = ".lock"
DEFAULT_LEASE_SECONDS = 60.0
DB_CACHE_ENV = "DYADFLOW_DUCKDB_DIR"
LEASE_ENV = "DYADFLOW_LEASE_SECONDS"


def is_url(text: str) -> bool:
    """True for an fsspec URL of a non-local filesystem (s3://, gs://, memory://, ...)."""
    if "://" not in text:
        return False
    return text.split("://", 1)[0].lower() not in LOCAL_PROTOCOLS


def as_location(value: str | os.PathLike[str] | UPath) -> Location:
    """A UPath for an object-store URL (kept as is), else a pathlib.Path (file:// stripped)."""
    if isinstance(value, UPath) and is_remote(value):
        return value
    if isinstance(value, Path):
        return value
    text = str(value)
    if is_url(text):
        return UPath(text)
    if text.startswith("file://"):
        text = text[len("file://"):]
    return Path(text)


def resolve_location(value: str | os.PathLike[str] | UPath) -> Location:
    """as_location, with local paths expanded and made absolute."""
    loc = as_location(value)
    return loc if is_remote(loc) else Path(loc).expanduser().resolve()


def is_remote(path: object) -> bool:
    """True when path is a UPath on a non-local filesystem."""
    return isinstance(path, UPath) and str(path.protocol or "") not in LOCAL_PROTOCOLS


def location_key(path: Location) -> str:
    """A stable text key for a location (absolute path or URL)."""
    return str(path) if is_remote(path) else str(Path(path).resolve())


# ---- Parquet I/O ---------------------------------------------------------------------------------
def read_table(path: Location, columns: list[str] | None = None) -> pa.Table:
    """Read one Parquet file (local or object storage)."""
    if not is_remote(path):
        return pq.read_table(path, columns=columns)
    data = path.fs.cat_file(path.path)  # type: ignore[union-attr]
    return pq.read_table(pa.BufferReader(data), columns=columns)


def put_table(table: pa.Table, dest: UPath) -> None:
    """Write a Parquet file to object storage as one PUT (visible whole or not at all)."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    dest.fs.pipe_file(dest.path, buf.getvalue())


def file_signature(path: Location) -> list[Any]:
    """[size, version] of a file: mtime in ns locally, the object's ETag on object storage."""
    if not is_remote(path):
        st = Path(path).stat()
        return [st.st_size, st.st_mtime_ns]
    info = path.fs.info(path.path)  # type: ignore[union-attr]
    return [int(info.get("size") or 0), str(info.get("ETag") or info.get("etag") or info.get("LastModified"))]


# ---- DuckDB --------------------------------------------------------------------------------------
def local_db_path(data_dir: Location, db_file: str) -> Path:
    """Where the DuckDB file of a warehouse lives: in the folder, or a local cache for object storage.

    The cache folder is $DYADFLOW_DUCKDB_DIR (default ~/.cache/dyadflow/duckdb), one subfolder per URL.
    """
    if not is_remote(data_dir):
        return Path(data_dir) / db_file
    base = Path(os.environ.get(DB_CACHE_ENV) or Path.home() / ".cache" / "dyadflow" / "duckdb").expanduser()
    url = str(data_dir).rstrip("/")
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in url.split("://", 1)[1])[:80]
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    return base / f"{slug}-{digest}" / db_file


def register_filesystem(con: Any, data_dir: Location) -> None:
    """Let a DuckDB connection read the warehouse's object storage (fsspec); never auto-install extensions."""
    con.execute("set autoinstall_known_extensions = false")
    if is_remote(data_dir):
        fs = data_dir.fs  # type: ignore[union-attr]
        with contextlib.suppress(Exception):  # already registered on this connection
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
        con.register_filesystem(fs)


# ---- single-writer lease on object storage -------------------------------------------------------
class LeaseHeld(RuntimeError):
    """Another writer holds the lease (message says who and until when)."""


def _lease_seconds() -> float:
    try:
        return max(2.0, float(os.environ.get(LEASE_ENV, DEFAULT_LEASE_SECONDS)))
    except ValueError:
        return DEFAULT_LEASE_SECONDS


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine with that id is running (this process counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ObjectLease:
    """An exclusive lease on `<root>/.lock` in object storage (conditional create, heartbeat, takeover)."""

    def __init__(self, root: UPath, seconds: float | None = None) -> None:
        self.root = root
        self.fs = root.fs
        self.path = (root / LEASE_NAME).path
        self.seconds = seconds or _lease_seconds()
        self.owner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self) -> bytes:
        return json.dumps({"owner": self.owner, "host": socket.gethostname(), "pid": os.getpid(),
                           "expires": time.time() + self.seconds}).encode()

    def _read(self) -> tuple[dict[str, Any], str | None] | None:
        try:
            data = self.fs.cat_file(self.path)
            etag = self.fs.info(self.path).get("ETag")
        except FileNotFoundError:
            return None
        try:
            return json.loads(data), etag
        except ValueError:
            return {}, etag

    def _stale(self, lease: dict[str, Any]) -> bool:
        if float(lease.get("expires", 0)) < time.time():
            return True
        same_host = lease.get("host") == socket.gethostname()
        return same_host and isinstance(lease.get("pid"), int) and not pid_alive(lease["pid"])

    def try_acquire(self) -> dict[str, Any] | None:
        """Take the lease; None when taken, else the current holder's lease record."""
        self.fs.invalidate_cache()
        try:
            self.fs.pipe_file(self.path, self._body(), mode="create")
            return None
        except FileExistsError:
            pass
        current = self._read()
        if current is None:  # released in between: try again next round
            return {"host": "?", "pid": "?", "expires": 0}
        lease, etag = current
        if not self._stale(lease):
            return lease
        log.warning("taking over the stale warehouse lease of %s pid %s", lease.get("host"), lease.get("pid"))
        try:
            kwargs = {"IfMatch": etag} if etag and "s3" in _protocols(self.fs) else {}
            self.fs.pipe_file(self.path, self._body(), **kwargs)
        except (FileExistsError, OSError, ValueError):
            return lease  # another writer won the takeover
        mine = self._read()
        return None if mine is not None and mine[0].get("owner") == self.owner else lease

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                self.fs.pipe_file(self.path, self._body())
            except Exception:  # a missed renewal only shortens the lease
                log.warning("could not renew the warehouse lease %s", self.path, exc_info=True)

    @contextlib.contextmanager
    def hold(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold the lease for the block; raise LeaseHeld after wait_seconds."""
        deadline = time.monotonic() + wait_seconds
        while (holder := self.try_acquire()) is not None:
            if time.monotonic() >= deadline:
                until = time.strftime("%H:%M:%S", time.gmtime(float(holder.get("expires", 0))))
                raise LeaseHeld(f"another dyadflow run holds the warehouse lease {self.root}/{LEASE_NAME} "
                                f"(host {holder.get('host')}, pid {holder.get('pid')}, until {until} UTC unless "
                                "renewed); wait for it to finish or pass --wait SECONDS")
            time.sleep(0.5)
        self._thread = threading.Thread(target=self._heartbeat, name="dyadflow-lease", daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join(timeout=5)
            with contextlib.suppress(Exception):
                current = self._read()
                if current is not None and current[0].get("owner") == self.owner:
                    self.fs.rm_file(self.path)


def _protocols(fs: Any) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)
