"""End to end through the installed `dyadflow` command over the bundled sample corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.model]


def dyadflow_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("dyadflow")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dyadflow")
    if found:
        return [found]
    return [sys.executable, "-c", "from dyadflow.cli import main; main()"]


def run_cli(*args: str, env_extra: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([*dyadflow_cmd(), *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("wh")
    proc = run_cli("run", "--warehouse", str(wh))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "events coded" in proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout
    return wh


def test_run_over_examples_gives_dyad_month(sample_warehouse: Path) -> None:
    proc = run_cli("sql", "--warehouse", str(sample_warehouse), "--format", "csv", "select count(*) as n from dyad_month")
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.strip().splitlines()[-1]) > 0


def test_sql_json_and_errors(sample_warehouse: Path) -> None:
    proc = run_cli("sql", "-w", str(sample_warehouse), "--format", "json",
                   "select cameo_code, cameo_root from events order by cameo_code limit 3")
    rows = json.loads(proc.stdout)
    assert rows and all(isinstance(r["cameo_code"], str) and r["cameo_code"][:2] == r["cameo_root"] for r in rows)
    bad = run_cli("sql", "-w", str(sample_warehouse), "select * from no_such_view")
    assert bad.returncode == 1 and "SQL error" in bad.stderr


def test_events_are_partitioned(sample_warehouse: Path) -> None:
    parts = {p.parent.parent.name for p in (sample_warehouse / "events").rglob("*.parquet")}
    assert parts and all(p.startswith("year=") for p in parts)


def test_code_command_json(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "x1", "text": "Russia condemned Ukraine on Monday.", "published": "2024-05-08"}) + "\n",
        encoding="utf-8",
    )
    proc = run_cli("code", "--input", str(src), "--json", "--no-geo")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert rows and rows[0]["id"] == "x1"
    assert {"source_code", "target_code", "cameo_code", "rule_id", "event_date"} <= set(rows[0])


def test_run_rejects_missing_path(tmp_path: Path) -> None:
    proc = run_cli("run", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
