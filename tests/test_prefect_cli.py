"""Prefect's own CLI works with the locked set: users manage deployments with `prefect ... ls`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.prefect]


def prefect_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("prefect")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "prefect"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of the PREFECT_* / DO_NOT_TRACK our entry points set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(extra)
    return env


def test_deployment_and_flow_run_ls_work_against_the_local_server(prefect_harness, project_dir: Path,
                                                                  tmp_path: Path) -> None:
    from prefect import flow
    from prefect.settings import PREFECT_API_URL

    from dyadflow.deployments import build_deployments, read_prefect_yaml

    @flow(name="dyadflow-cli-probe")
    def probe() -> int:
        return 1

    assert probe() == 1
    specs = read_prefect_yaml(project_dir / "prefect.yaml")
    for deployment in build_deployments(specs, project_dir):
        deployment.apply()
    env = clean_env(PREFECT_API_URL=str(PREFECT_API_URL.value()), PREFECT_HOME=str(tmp_path / "home"),
                    COLUMNS="200")
    deployments = subprocess.run([*prefect_cmd(), "deployment", "ls"], capture_output=True, text=True,
                                 cwd=project_dir, env=env, timeout=120)
    assert deployments.returncode == 0, deployments.stderr + deployments.stdout
    assert "422" not in deployments.stdout + deployments.stderr
    assert "dyadflow-daily" in deployments.stdout
    runs = subprocess.run([*prefect_cmd(), "flow-run", "ls"], capture_output=True, text=True,
                          cwd=project_dir, env=env, timeout=120)
    assert runs.returncode == 0, runs.stderr + runs.stdout
    assert "dyadflow-cli-probe" in runs.stdout


def test_prefect_run_from_the_checkout_sends_no_telemetry(project_dir: Path) -> None:
    """pyproject.toml's [tool.prefect.server]: no telemetry, and time for the embedded server's first start."""
    code = ("from prefect.settings import get_current_settings as s; "
            "print(s().server.analytics_enabled, s().server.ephemeral.startup_timeout_seconds)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project_dir,
                          env=clean_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "120"]
