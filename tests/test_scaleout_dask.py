"""Coding on Prefect task runners: a real Dask LocalCluster (2 worker processes) against a local run.

One cluster for the module; the pipeline flow connects to it with --dask-address. Checks: the same
event ids as a local run; the spaCy pipeline is built once per worker process; a worker SIGKILLed
mid-run makes the run fail cleanly or finish (Dask re-runs the lost batch elsewhere), and a
re-run gives exactly the clean run's events.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest
from tests.scaleout_corpus import write_corpus

from dyadflow.settings import Settings

pytestmark = [pytest.mark.prefect, pytest.mark.model]

distributed = pytest.importorskip("distributed")
pytest.importorskip("prefect_dask")

BATCH_SIZE = "2"  # several batches per worker


@pytest.fixture(scope="module")
def batch_env():
    old = os.environ.get("DYADFLOW_BATCH_SIZE")
    os.environ["DYADFLOW_BATCH_SIZE"] = BATCH_SIZE
    yield
    if old is None:
        os.environ.pop("DYADFLOW_BATCH_SIZE", None)
    else:
        os.environ["DYADFLOW_BATCH_SIZE"] = old


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("scaleout") / "corpus")


@pytest.fixture(scope="module")
def cluster():
    """A real 2-worker LocalCluster (worker processes, one thread each)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as lc, distributed.Client(lc) as client:
        yield lc, client


def event_ids(data_dir: Path) -> list[str]:
    con = duckdb.connect(str(data_dir / "dyadflow.duckdb"), read_only=True)
    try:
        rows = con.execute("select event_id from events order by event_id").fetchall()
        dup = con.execute("select count(*) - count(distinct event_id) from events").fetchone()[0]
    finally:
        con.close()
    assert dup == 0
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def local_ids(prefect_harness, batch_env, corpus, tmp_path_factory) -> list[str]:
    """The clean run: the local task runner in the flow's process."""
    from flows.pipeline import pipeline

    data = tmp_path_factory.mktemp("local") / "wh"
    summary = pipeline(paths=[str(corpus)], warehouse=str(data), task_runner="local", workers=1)
    assert summary["code"]["task_runner"].startswith("local")
    ids = event_ids(data)
    assert len(ids) >= 8
    return ids


def test_runner_choice_from_settings() -> None:
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from dyadflow.scaleout import task_runner_for

    assert isinstance(task_runner_for(Settings()), ThreadPoolTaskRunner)
    assert isinstance(task_runner_for(Settings(workers=2)), ProcessPoolTaskRunner)
    temp = task_runner_for(Settings(task_runner="dask", workers=2))
    assert isinstance(temp, DaskTaskRunner) and temp.cluster_kwargs["n_workers"] == 2 and temp.address is None
    assert task_runner_for(Settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786")).address == \
        "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="task runner"):
        task_runner_for(Settings(task_runner="spark"))
    with pytest.raises(ValueError, match="dask"):
        task_runner_for(Settings(dask_address="tcp://10.0.0.5:8786"))
    env = Settings.from_env({"DYADFLOW_TASK_RUNNER": "dask", "DYADFLOW_DASK_ADDRESS": "tcp://h:8786",
                             "DYADFLOW_PROCESSES": "3"})
    assert (env.task_runner, env.dask_address, env.workers) == ("dask", "tcp://h:8786", 3)


def test_two_dask_workers_give_the_local_event_ids(local_ids, cluster, corpus, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    lc, client = cluster
    data = tmp_path / "wh"
    summary = pipeline(paths=[str(corpus)], warehouse=str(data), task_runner="dask", dask_address=lc.scheduler_address)
    assert summary["code"]["task_runner"] == f"dask {lc.scheduler_address}"
    assert event_ids(data) == local_ids

    from dyadflow.scaleout import cache_stats

    per_worker = client.run(cache_stats)
    assert all(misses <= 1 for misses, _ in per_worker.values())  # built once per worker process
    assert sum(hits for _, hits in per_worker.values()) >= 1  # and reused by later batches
    assert sum(misses for misses, _ in per_worker.values()) == 2  # both workers coded


def _kill_a_busy_worker(client, killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the first worker seen processing a batch."""
    pids = client.run(os.getpid)
    while not stop.is_set():
        busy = [addr for addr, tasks in client.processing().items() if tasks]
        if busy and busy[0] in pids:
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])
            return
        time.sleep(0.05)


def test_worker_killed_mid_run_then_rerun_gives_the_clean_events(local_ids, cluster, corpus, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    lc, client = cluster
    data = tmp_path / "wh"
    killed: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_a_busy_worker, args=(client, killed, stop), daemon=True)
    watcher.start()
    try:
        first = pipeline(paths=[str(corpus)], warehouse=str(data), task_runner="dask",
                         dask_address=lc.scheduler_address)
        outcome = "completed"
    except Exception as exc:  # a clean failure is allowed: nothing half-committed
        first, outcome = None, f"failed: {type(exc).__name__}"
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert killed, "no worker was busy long enough to be killed"
    if first is not None:  # Dask re-ran the lost batch on the other worker
        assert event_ids(data) == local_ids, outcome
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    again = pipeline(paths=[str(corpus)], warehouse=str(data), task_runner="dask", dask_address=lc.scheduler_address)
    assert again["load"] is not None
    assert event_ids(data) == local_ids
