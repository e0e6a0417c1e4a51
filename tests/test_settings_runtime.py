"""Settings, prefect.yaml deployments and the Prefect runtime configuration."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

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
