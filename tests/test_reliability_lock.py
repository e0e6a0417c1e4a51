"""The warehouse lock: exclusive between processes and threads, re-entrant inside one flow run.

The pipeline flow holds the lock for a whole run and calls the extract/code/load flows as
subflows; those take the lock again as a no-op. Run standalone, they take it themselves, so a
`load` flow cannot interleave with another process's run.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dyadflow.store import ParquetStore, WarehouseLocked

HOLDER = """
import sys, time
from pathlib import Path
from dyadflow.store import ParquetStore
store = ParquetStore(Path(sys.argv[1]), Path(sys.argv[2]))
with store.lock():
    print("locked", flush=True)
    sys.stdin.readline()  # hold until the test writes a line (or closes stdin)
"""


class OtherProcessHoldsLock:
    """A separate Python process holding the warehouse lock until release()."""

    def __init__(self, root: Path, schemas_dir: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), str(schemas_dir)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)

    def __enter__(self) -> OtherProcessHoldsLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        if self.proc.poll() is None:
            self.proc.kill()


def test_lock_is_reentrant_in_one_context_and_released_after(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path / "wh", schemas_dir)
    same_place = ParquetStore(tmp_path / "x" / ".." / "wh", schemas_dir)  # another spelling of the root
    assert not store.holds_lock()
    with store.lock():
        assert store.holds_lock() and same_place.holds_lock()
        with same_place.lock():  # a subflow inside the pipeline flow: no second flock, no deadlock
            assert store.holds_lock()
        assert store.holds_lock(), "the inner exit must not release the outer lock"
    assert not store.holds_lock()
    with store.lock():  # released: can be taken again
        pass


def test_another_thread_without_the_context_is_refused(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    outcome: list[BaseException | None] = []

    def other() -> None:
        try:
            with ParquetStore(tmp_path, schemas_dir).lock():
                outcome.append(None)
        except WarehouseLocked as exc:
            outcome.append(exc)

    with store.lock():
        t = threading.Thread(target=other)  # Python 3.11 threads start with an empty context
        t.start()
        t.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], WarehouseLocked)


def test_other_process_holding_the_lock_makes_us_fail_or_wait(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    with OtherProcessHoldsLock(tmp_path, schemas_dir) as holder:
        with pytest.raises(WarehouseLocked, match="another dyadflow run"):
            with store.lock():
                pass
        timer = threading.Timer(1.0, holder.release)
        timer.start()
        t0 = time.monotonic()
        with store.lock(wait_seconds=60):
            waited = time.monotonic() - t0
        timer.join()
    assert waited >= 0.9, "the lock was taken while the other process still held it"
    assert (tmp_path / ".lock").read_text().strip().isdigit()


# ---- the flows (embedded Prefect server) ------------------------------------------------------------
@pytest.mark.prefect
def test_standalone_load_flow_fails_or_waits_while_another_process_holds_the_lock(
        prefect_harness, tmp_path: Path, schemas_dir: Path) -> None:
    from flows.load import load

    wh = tmp_path / "wh"
    with OtherProcessHoldsLock(wh, schemas_dir) as holder:
        with pytest.raises(WarehouseLocked):
            load(warehouse=str(wh))
        assert not (wh / "dyadflow.duckdb").exists(), "the load ran without the lock"
        timer = threading.Timer(2.0, holder.release)
        timer.start()
        t0 = time.monotonic()
        out = load(warehouse=str(wh), lock_wait_seconds=120)
        waited = time.monotonic() - t0
        timer.join()
    assert waited >= 1.9 and out["n_batches"] == 0 and (wh / "dyadflow.duckdb").exists()


@pytest.mark.prefect
def test_load_as_a_subflow_of_a_flow_holding_the_lock_does_not_lock_again(
        prefect_harness, tmp_path: Path, schemas_dir: Path) -> None:
    from flows.load import load
    from prefect import flow

    wh = tmp_path / "wh"

    @flow(name="holds-the-lock")
    def outer() -> dict:
        with ParquetStore(wh, schemas_dir).lock():  # as flows/pipeline.py does
            return load(warehouse=str(wh))

    assert outer()["n_batches"] == 0 and (wh / "dyadflow.duckdb").exists()
