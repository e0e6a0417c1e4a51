"""Settings, prefect.yaml deployments and the Prefect runtime configuration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest

from dyadflow.deployments import read_prefect_yaml
from dyadflow.runtime import _drop_shutdown_cancellation, configure_prefect
from dyadflow.settings import Settings


def test_settings_defaults_resolve_from_the_checkout(project_dir: Path) -> None:
    s = Settings.from_env({})
    assert s.project_dir == project_dir
    assert s.seeds_dir == project_dir / "seeds"
    assert s.data_dir == project_dir / "warehouse" / "data"
    assert s.default_inputs == (project_dir / "examples" / "corpus",)


def test_env_overrides(tmp_path: Path) -> None:
    s = Settings.from_env({"DYADFLOW_WAREHOUSE": str(tmp_path / "wh"), "DYADFLOW_BATCH_SIZE": "8",
                           "DYADFLOW_INPUT": f"{tmp_path / 'a'}:{tmp_path / 'b'}"})
    assert s.data_dir == tmp_path / "wh"
    assert s.duckdb_path == tmp_path / "wh" / "dyadflow.duckdb"
    assert s.batch_size == 8
    assert s.default_inputs == (tmp_path / "a", tmp_path / "b")
    assert s.with_overrides(batch_size=None).batch_size == 8


def test_prefect_yaml_declares_a_scheduled_pipeline(project_dir: Path) -> None:
    specs = read_prefect_yaml(project_dir / "prefect.yaml")
    assert specs, "at least one deployment"
    pipe = next(s for s in specs if s.entrypoint == "flows/pipeline.py:pipeline")
    assert pipe.crons and pipe.crons[0].count(" ") == 4
    assert "paths" in pipe.parameters


def test_deployments_build_from_prefect_yaml(project_dir: Path) -> None:
    from dyadflow.deployments import build_deployments

    deps = build_deployments(read_prefect_yaml(project_dir / "prefect.yaml"), project_dir)
    assert deps[0].name == "dyadflow-daily"
    assert deps[0].schedules and deps[0].schedules[0].schedule.cron == "0 6 * * *"


def test_telemetry_off_and_quiet_logging(monkeypatch) -> None:
    for k in ("PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_LOGGING_LEVEL", "DO_NOT_TRACK"):
        monkeypatch.delenv(k, raising=False)
    configure_prefect()
    import os

    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "WARNING"


def test_shutdown_cancellation_records_are_dropped_and_nothing_else() -> None:
    def record(msg: str, exc: BaseException | None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord("prefect.server.services.task_run_recorder", logging.ERROR, __file__, 1, msg, None, info)

    assert not _drop_shutdown_cancellation(record("Error flushing task run events", asyncio.CancelledError()))
    assert not _drop_shutdown_cancellation(record("Error flushing: CancelledError", None))
    assert _drop_shutdown_cancellation(record("Error flushing task run events", ValueError("real problem")))


def test_text_limits_default_and_env() -> None:
    s = Settings.from_env({})
    assert s.max_doc_chars == 500_000 and s.max_sentence_chars == 20_000
    from dyadflow.nlp import MAX_LENGTH

    assert s.max_doc_chars < MAX_LENGTH, "an extracted article must always fit spaCy's max_length"
    s = Settings.from_env({"DYADFLOW_MAX_SENTENCE_CHARS": "5000", "DYADFLOW_MAX_DOC_CHARS": "9000"})
    assert (s.max_sentence_chars, s.max_doc_chars) == (5000, 9000)


def test_ephemeral_server_startup_timeout_defaults_to_120_seconds_and_prefect_reads_it() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_SERVER_EPHEMERAL")}
    code = ("from dyadflow.runtime import configure_prefect; configure_prefect()\n"
            "from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as s; print(s.value())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "120", out.stderr
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "300"  # an explicit setting wins
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "300", out.stderr


SERVER_USER = """
import sys, time
from dyadflow.runtime import configure_prefect, prefect_server_for_process
configure_prefect()
with prefect_server_for_process() as url:
    from prefect import flow

    @flow
    def hello() -> int:
        return 7

    assert hello() == 7  # flows run against this server
    print(url, flush=True)
    time.sleep(600)
"""


@pytest.mark.prefect
def test_prefect_server_of_a_sigkilled_process_does_not_outlive_it(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-c", SERVER_USER], env=env, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api"), url
        with urllib.request.urlopen(f"{url}/health", timeout=10) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGKILL)  # no atexit, no finally: only the child's own watch helps
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        alive = True
        while alive and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2).close()
                time.sleep(0.3)
            except OSError:
                alive = False
        assert not alive, "the Prefect server outlived its SIGKILLed parent"
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the server too, should the test fail
