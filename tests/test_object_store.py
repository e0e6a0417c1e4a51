"""The warehouse on object storage: an S3-compatible server on loopback (moto's server mode).

The standard AWS variables point botocore (through s3fs) at the server, as they would at MinIO or
S3: the pipeline runs end to end into s3://bucket/prefix, the views answer over it, a re-run is
idempotent, a BI tool opening the .duckdb file reads the events without any object-store access,
and a lease object keeps a second writer out.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import duckdb
import pytest
from tests.scaleout_corpus import write_corpus

pytestmark = [pytest.mark.prefect, pytest.mark.model]

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("s3fs")

BUCKET = "dyadflow-test"
URL = f"s3://{BUCKET}/warehouse"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 with one bucket; AWS_* variables point at it for the module."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_DEFAULT_REGION": "us-east-1",
           "DYADFLOW_DUCKDB_DIR": str(tmp_path_factory.mktemp("duckdb-cache"))}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    fs.mkdir(BUCKET)
    try:
        yield fs
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("objstore") / "corpus")


@pytest.fixture(scope="module")
def runs(prefect_harness, s3, corpus) -> dict:
    """Two runs into the bucket (the second must change nothing)."""
    from flows.pipeline import pipeline

    out = {"first": pipeline(paths=[str(corpus)], warehouse=URL)}
    out["listing_after_first"] = sorted(s3.find(f"{BUCKET}/warehouse"))
    out["second"] = pipeline(paths=[str(corpus)], warehouse=URL)
    out["listing_after_second"] = sorted(s3.find(f"{BUCKET}/warehouse"))
    return out


def ids_of(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select event_id from events order by event_id").fetchall()]


def test_events_land_in_the_bucket_and_the_views_answer(runs, s3) -> None:
    from dyadflow.warehouse import connect

    listing = runs["listing_after_first"]
    assert any("/events/year=2024/month=0" in k and k.endswith(".parquet") for k in listing)
    assert f"{BUCKET}/warehouse/state/codings.parquet" in listing
    assert any("/articles/part-" in k for k in listing)
    assert not any(k.endswith("/.lock") or "/staging/" in k or ".tmp" in k for k in listing)
    assert runs["first"]["code"]["events"] > 0
    settings_dir = Path(__file__).resolve().parents[1] / "warehouse"
    con = connect(URL, settings_dir)
    try:
        remote_ids = ids_of(con)
        n_articles = con.execute("select count(*) from articles").fetchone()[0]  # reads Parquet in the bucket
        n_dyads = con.execute("select sum(n_events) from dyad_month").fetchone()[0]
        httpfs = con.execute("select loaded from duckdb_extensions() where extension_name = 'httpfs'").fetchall()
    finally:
        con.close()
    assert len(remote_ids) == len(set(remote_ids)) == runs["first"]["code"]["events"]
    assert n_articles == runs["first"]["extract"]["n_articles"]
    assert n_dyads == len(remote_ids)
    assert httpfs in ([], [(False,)])  # read through fsspec: no extension loaded or downloaded


def test_rerun_is_idempotent(runs) -> None:
    assert runs["second"]["code"]["articles"] == 0
    assert runs["second"]["extract"]["n_new_articles"] == 0
    assert runs["listing_after_second"] == runs["listing_after_first"]


def test_sql_command_answers_over_the_bucket(runs) -> None:
    from typer.testing import CliRunner

    from dyadflow.cli import app

    result = CliRunner().invoke(app, ["sql", "-w", URL, "-f", "csv", "select count(*) as n from events"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(runs["first"]["code"]["events"])


def test_a_bi_tool_reads_the_events_from_the_duckdb_file_alone(runs) -> None:
    from dyadflow.warehouse import db_path

    db = db_path(URL)
    assert db.exists() and not str(db).startswith("s3:")
    con = duckdb.connect(str(db), read_only=True)  # no filesystem registered, no extension
    try:
        con.execute("set autoinstall_known_extensions = false")
        n = con.execute("select count(*) from events").fetchone()[0]
        n_month = con.execute("select sum(n_events) from dyad_month").fetchone()[0]
    finally:
        con.close()
    assert n == n_month == runs["first"]["code"]["events"]


def test_the_lease_keeps_a_second_writer_out(s3, monkeypatch) -> None:
    from upath import UPath

    from dyadflow.location import LeaseHeld, ObjectLease
    from dyadflow.store import ParquetStore, WarehouseLocked

    root = UPath(f"s3://{BUCKET}/leased")
    store = ParquetStore(f"s3://{BUCKET}/leased", Path(__file__).resolve().parents[1] / "schemas")
    with store.lock():
        assert store.holds_lock()
        with store.lock():  # re-entrant within the run
            pass
        with pytest.raises(LeaseHeld):  # a second writer (another process or machine)
            with ObjectLease(root).hold(wait_seconds=0):
                pass
    assert not s3.exists(f"{BUCKET}/leased/.lock")  # released
    with ObjectLease(root).hold():
        with pytest.raises(WarehouseLocked, match="another dyadflow run"):
            with ParquetStore(f"s3://{BUCKET}/leased", Path("schemas")).lock(wait_seconds=0.6):
                pass


def test_a_dead_writers_lease_is_taken_over(s3) -> None:
    import json

    from upath import UPath

    from dyadflow.location import ObjectLease

    path = f"{BUCKET}/stale/.lock"
    expired = {"owner": "x", "host": "elsewhere", "pid": 1, "expires": time.time() - 5}
    s3.pipe_file(path, json.dumps(expired).encode())
    with ObjectLease(UPath(f"s3://{BUCKET}/stale")).hold():
        assert json.loads(s3.cat_file(path))["host"] == socket.gethostname()
    dead = {"owner": "y", "host": socket.gethostname(), "pid": 2**22 + 12345, "expires": time.time() + 600}
    s3.pipe_file(path, json.dumps(dead).encode())
    with ObjectLease(UPath(f"s3://{BUCKET}/stale")).hold():  # same host, process gone
        pass
    alive = {"owner": "z", "host": "elsewhere", "pid": 1, "expires": time.time() + 600}
    s3.pipe_file(path, json.dumps(alive).encode())
    assert ObjectLease(UPath(f"s3://{BUCKET}/stale")).try_acquire() is not None  # a live lease holds
