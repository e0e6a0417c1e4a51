"""End to end: a real `dyadflow run` killed with SIGKILL, then re-run, gives exactly a clean run's events.

Also: a run on a warehouse whose lock is held fails with a clear message (exit 3), and the run
prints what was rejected and why while still exiting 0. Processes run in parallel lanes, each
with its own PREFECT_HOME under the session's temp folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.model]

if importlib.util.find_spec("dyadflow.coder") is None or importlib.util.find_spec("dyadflow.warehouse") is None:
    pytest.skip("dyadflow.coder / dyadflow.warehouse are not delivered yet", allow_module_level=True)

CORPUS = {
    "border.md": "---\ntitle: Border talks\npublished: 2023-03-14\n---\n"
                 "Turkey accused Syria of shelling border villages on Monday. "
                 "Turkish officials met Syrian envoys in Moscow on Tuesday to discuss the border.\n",
    "protest.md": "---\npublished: 2023-05-02\n---\n"
                  "Iran criticised Israel over the air strikes. Egypt urged both sides to show restraint.\n",
    "cairo.txt": "CAIRO, April 3, 2023 - Egypt hosted talks between Israeli and Palestinian negotiators on Monday.\n",
    "feed.jsonl": '{"id": "j1", "text": "Russia and Ukraine exchanged prisoners on Friday, officials said.", '
                  '"published": "2023-06-10"}\n{"id": "j2", "text": "broken\n',
    "scan.pdf": "%PDF-1.4 not text",
}
RUN_TIMEOUT = 600


def dyadflow_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("dyadflow")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dyadflow")
    return [found] if found else [sys.executable, "-c", "from dyadflow.cli.app import main; main()"]


def env_for(prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYADFLOW_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(prefect_home), DYADFLOW_BATCH_SIZE="1",  # one batch per article: kills land mid-code
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300", COLUMNS="250")
    return env


class Run:
    """A `dyadflow run` in its own process group, output to a file (an orphaned child never blocks a pipe)."""

    def __init__(self, corpus: Path, wh: Path, home: Path, *extra: str) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / f"run-{time.monotonic_ns()}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen([*dyadflow_cmd(), "run", str(corpus), "--warehouse", str(wh), *extra],
                                         stdout=out, stderr=subprocess.STDOUT, text=True, env=env_for(home),
                                         start_new_session=True)

    def finish(self) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=RUN_TIMEOUT)
        finally:
            self.kill_group()  # e.g. Prefect's embedded server, orphaned when the run was killed
        return code, self.log.read_text(errors="replace")

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def run_to_end(corpus: Path, wh: Path, home: Path) -> str:
    code, output = Run(corpus, wh, home).finish()
    assert code == 0, output
    return output


def kill_when(corpus: Path, wh: Path, home: Path, ready: Callable[[], bool], what: str) -> bool:
    """Start a run and SIGKILL it as soon as ready() holds; True when it was killed (not already done)."""
    run = Run(corpus, wh, home)
    proc = run.proc
    deadline = time.monotonic() + RUN_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            proc.send_signal(signal.SIGKILL)  # the run process only, as the OOM killer would
            break
        time.sleep(0.01)
    code, output = run.finish()
    assert code in (-signal.SIGKILL, 0), f"{what}: {output}"
    return code == -signal.SIGKILL


def has(folder: Path, pattern: str) -> Callable[[], bool]:
    return lambda: folder.exists() and any(folder.glob(pattern))


def events(wh: Path) -> list[tuple]:
    con = duckdb.connect(str(wh / "dyadflow.duckdb"), read_only=True)
    try:
        return con.execute("select event_id, doc_id, cameo_code, source_code, target_code from events "
                           "order by event_id").fetchall()
    finally:
        con.close()


def raw_event_ids(wh: Path) -> list[str]:
    return sorted(r[0] for r in duckdb.sql(f"select event_id from read_parquet('{wh}/events/**/*.parquet')").fetchall())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-corpus")
    for name, text in CORPUS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_sigkill_at_several_moments_then_rerun_gives_the_clean_events(corpus: Path, tmp_path: Path) -> None:
    clean, crashed, locked = tmp_path / "clean", tmp_path / "crashed", tmp_path / "locked"

    def clean_lane() -> str:
        return run_to_end(corpus, clean, tmp_path / "home-clean")

    def lock_lane() -> tuple[int, str]:
        from dyadflow.settings import Settings
        from dyadflow.store import ParquetStore

        store = ParquetStore(locked, Settings().schemas_dir)
        with store.lock():  # another run holds the warehouse
            return Run(corpus, locked, tmp_path / "home-lock", "--wait", "1").finish()

    def crash_lane() -> list[str]:
        home = tmp_path / "home-crash"
        killed = []
        moments = [
            ("after extract", has(crashed / "articles", "part-*.parquet")),
            ("during code", has(crashed / "staging", "*.codings.parquet")),
            ("during load", has(crashed / "events", "year=*/month=*/part-*.parquet")),
        ]
        for what, ready in moments:
            if kill_when(corpus, crashed, home, ready, what):
                killed.append(what)
        run_to_end(corpus, crashed, home)
        return killed

    with ThreadPoolExecutor(3) as pool:
        f_clean, f_lock, f_crash = pool.submit(clean_lane), pool.submit(lock_lane), pool.submit(crash_lane)
        clean_output, (lock_code, lock_output), killed = f_clean.result(), f_lock.result(), f_crash.result()

    # the clean run exits 0 and says what was rejected and why
    assert "scan.pdf" in clean_output and "unsupported format" in clean_output
    assert "feed.jsonl" in clean_output and "malformed JSON" in clean_output
    # a second run on a locked warehouse fails clearly instead of interleaving
    assert lock_code == 3 and "another dyadflow run" in lock_output, lock_output
    # killed runs, then a complete re-run: exactly the clean run's events, once each
    assert killed, "no run was killed before it finished (machine too fast for the polling?)"
    expected = events(clean)
    assert expected, "the clean run coded no events"
    assert events(crashed) == expected, f"killed {killed}"
    assert raw_event_ids(crashed) == sorted(e[0] for e in expected), "duplicate or stale rows in events/"
    for folder in ("articles", "events", "rejects", "state"):
        assert not list((crashed / folder).rglob(".*")), f"temp files left in {folder}/"
    assert not list((crashed / "staging").glob("*.codings.parquet"))
    # and a further run on unchanged inputs changes nothing
    before = {p: p.read_bytes() for p in crashed.rglob("*.parquet")}
    run_to_end(corpus, crashed, tmp_path / "home-crash")
    assert {p: p.read_bytes() for p in crashed.rglob("*.parquet")} == before
