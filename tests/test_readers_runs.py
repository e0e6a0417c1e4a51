"""Readers and runs (issue 13, items 7, 8, 9, 13): a dashboard holding the DuckDB file open never
breaks a run nor sees a half-refreshed database; expected failures are one clear line with exit
2 (usage) or 3 (lock); `dyadflow -v run` ends right after its summary, which shows stage times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dyadflow import warehouse
from dyadflow.store import ParquetStore
from test_reliability_lock import OtherProcessHoldsLock
from test_sql_views import SCHEMAS, SQL_DIR, _article, _commit, _event

# A dashboard: a read-only connection held open; prints the number of events on every input line.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for _ in iter(sys.stdin.readline, ""):
    n = con.execute("select count(*) from events").fetchone()[0]
    state = con.execute("select count(*) from mart_state").fetchone()[0]
    print(n, state, flush=True)
"""


class Reader:
    """Another process holding a read-only DuckDB connection to the warehouse file."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", READER, str(db)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def count(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the reader died: {self.proc.stderr.read() if self.proc.stderr else ''}"
        n, state = (int(x) for x in line.split())
        assert state > 0  # a complete database: the marts' state row is there
        return n

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _add_doc(store: ParquetStore, name: str) -> None:
    art = _article(name, f"Outlet {name}")
    store.write_articles([art])
    store.write_events([_event(art.doc_id, 0, "043", "TURMIL", "SYRMIL")], {art.doc_id})
    _commit(store, [art.doc_id])


def test_refresh_with_a_reader_open_swaps_in_the_new_database(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "wh", SCHEMAS)
    store.init()
    _add_doc(store, "a")
    warehouse.refresh(store.root, SQL_DIR)
    reader = Reader(store.root / warehouse.DB_FILE)
    try:
        assert reader.count() == 1
        _add_doc(store, "b")
        warehouse.refresh(store.root, SQL_DIR)  # before: duckdb.IOException "Could not set lock"
        assert reader.count() == 1  # the reader keeps its complete snapshot
        with warehouse.connect(store.root, SQL_DIR, read_only=True) as con:
            assert con.execute("select count(*) from events").fetchone()[0] == 2
        # a read-write connect (dyadflow sql, dyads, export) also works while the reader is open
        with warehouse.connect(store.root, SQL_DIR) as con:
            assert con.execute("select count(*) from events").fetchone()[0] == 2
    finally:
        reader.close()
    leftovers = sorted(p.name for p in store.root.iterdir() if "duckdb" in p.name and p.name != warehouse.DB_FILE)
    assert leftovers == []


def test_a_refresh_killed_before_the_swap_leaves_the_old_database(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    store = ParquetStore(tmp_path / "wh", SCHEMAS)
    store.init()
    _add_doc(store, "a")
    warehouse.refresh(store.root, SQL_DIR)
    _add_doc(store, "b")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # stands for a kill at the swap

    with monkeypatch.context() as m:
        m.setattr(warehouse.os, "replace", killed)
        with pytest.raises(KeyboardInterrupt):
            warehouse.refresh(store.root, SQL_DIR)
    with warehouse.connect(store.root, SQL_DIR, read_only=True) as con:  # the old, complete database
        assert con.execute("select count(*) from events").fetchall() == [(1,)]
    assert sorted(p.name for p in store.root.iterdir() if "duckdb" in p.name) == [warehouse.DB_FILE]
    stale = store.root / ".tmp-999999999-0123456789ab.duckdb"  # a SIGKILLed refresh's copy
    stale.write_bytes(b"")
    store.init()
    assert not stale.exists()


# ---- expected failures: one line, exit 2 or 3 --------------------------------------------------
def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    code = "from dyadflow.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def _one_line_error(proc: subprocess.CompletedProcess, rc: int, needle: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == rc, out
    assert "Traceback" not in out and "Error logging to API" not in out, out
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], out


def test_run_with_a_file_as_warehouse_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "wh").write_text("not a folder")
    (tmp_path / "in.txt").write_text("Russia condemned Ukraine.\n")
    _one_line_error(_cli("run", str(tmp_path / "in.txt"), "--warehouse", str(tmp_path / "wh")), 2, "not a folder")


def test_run_with_a_missing_lexicon_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Russia condemned Ukraine.\n")
    proc = _cli("run", str(tmp_path / "in.txt"), "-w", str(tmp_path / "wh"), "--lexicon", str(tmp_path / "nope"))
    _one_line_error(proc, 2, "lexicon")


def test_unknown_lexicon_format_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Russia condemned Ukraine.\n")
    proc = _cli("run", str(tmp_path / "in.txt"), "-w", str(tmp_path / "wh"), "--lexicon-format", "foo")
    _one_line_error(proc, 2, "--lexicon-format")
    _one_line_error(_cli("code", "Russia condemned Ukraine.", "--lexicon-format", "foo"), 2, "--lexicon-format")


def test_run_while_another_run_holds_the_lock_exits_3(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Russia condemned Ukraine.\n")
    with OtherProcessHoldsLock(tmp_path / "wh", SCHEMAS):
        proc = _cli("run", str(tmp_path / "in.txt"), "-w", str(tmp_path / "wh"))
    _one_line_error(proc, 3, "another dyadflow run")


def test_code_input_missing_file_and_bad_lines(tmp_path: Path) -> None:
    _one_line_error(_cli("code", "--input", str(tmp_path / "nope.jsonl")), 2, "nope.jsonl")
    deep = tmp_path / ("a-folder-with-a-long-name-" * 3)  # rich must not wrap the message
    deep.mkdir()
    src = deep / "in.jsonl"
    src.write_bytes(b'{"id": "ok", "text": "", "published": "2024-05-08"}\n'
                    b"not json\n"
                    b'{"id": "no-text"}\n'
                    b"\xff\xfe broken bytes\n"
                    b'{"id": "bad-date", "text": "x", "published": "2024-13-45"}\n')
    proc = _cli("code", "--input", str(src), "--json", "--no-geo")
    assert "Traceback" not in proc.stderr, proc.stderr
    for lineno in (2, 3, 4, 5):
        assert any(f"in.jsonl:{lineno}:" in line for line in proc.stderr.splitlines()), proc.stderr


# ---- a run with a reader open; -v; the summary's timings -----------------------------------------
@pytest.mark.e2e
@pytest.mark.model
def test_verbose_run_with_a_reader_open_ends_after_its_summary(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    ParquetStore(wh, SCHEMAS).init()
    warehouse.refresh(wh, SQL_DIR)  # the database a dashboard has open before the run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("---\npublished: 2024-05-08\n---\n"
                                           "Russia condemned Ukraine on Monday.\n", encoding="utf-8")
    reader = Reader(wh / warehouse.DB_FILE)
    try:
        assert reader.count() == 0
        proc = _cli("-v", "run", str(tmp_path / "in"), "--warehouse", str(wh))
        assert reader.count() == 0  # its snapshot, complete
    finally:
        reader.close()
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Error logging to API" not in out and "Traceback" not in out, out
    cells = [[c.strip() for c in line.split("│") if c.strip()] for line in proc.stdout.splitlines()]
    timings = {c[0]: float(c[1]) for c in cells if len(c) == 2 and c[1].replace(".", "", 1).isdigit()}
    for label in ("extract", "code", "load", "Prefect and startup", "total (wall)"):
        assert label in timings, (label, proc.stdout)
    assert timings["total (wall)"] >= timings["extract"] + timings["code"] + timings["load"]
    with warehouse.connect(wh, SQL_DIR, read_only=True) as con:
        assert con.execute("select count(*) from events").fetchone()[0] >= 1


def test_summary_timings_cover_the_wall_time() -> None:
    from dyadflow.cli.app import summary_timing_rows

    rows = dict(summary_timing_rows({"extract": 1.0, "code": 2.5, "load": 0.5}, wall_seconds=6.0))
    assert rows == {"extract": "1.0", "code": "2.5", "load": "0.5", "Prefect and startup": "2.0",
                    "total (wall)": "6.0"}
    assert json.dumps(rows)  # plain strings
