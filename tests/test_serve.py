"""`dyadflow serve` (issue 13, item 11): each scheduled run shows its start, end and counts; SIGTERM
shuts it down cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.model, pytest.mark.prefect]


def _pump(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def _wait_for(lines: queue.Queue, seen: list[str], pattern: str, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if m := re.search(pattern, line):
            return m
    raise AssertionError(f"{pattern!r} not seen; output so far:\n{''.join(seen)}")


def test_serve_reports_each_run_and_stops_on_sigterm(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("---\npublished: 2024-05-08\n---\nRussia condemned Ukraine on Monday.\n",
                                  encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(DYADFLOW_INPUT=str(corpus), DYADFLOW_WAREHOUSE=str(tmp_path / "wh"),
               PREFECT_HOME=str(tmp_path / "prefect"), COLUMNS="200")
    code = "from dyadflow.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--deployment", "dyadflow-daily"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    try:
        url = _wait_for(lines, seen, r"Prefect API: (http://\S+)", 180).group(1)
        for _ in range(60):  # until the runner has registered the deployment
            trigger = subprocess.run([sys.executable, "-m", "prefect", "deployment", "run", "pipeline/dyadflow-daily"],
                                     capture_output=True, text=True, env={**env, "PREFECT_API_URL": url}, timeout=120)
            if "not found" not in trigger.stdout:
                break
            time.sleep(1)
        assert trigger.returncode == 0, trigger.stdout + trigger.stderr
        _wait_for(lines, seen, r"run \S+ started", 180)
        done = _wait_for(lines, seen, r"run \S+ (finished|failed).*", 300)
        assert "finished" in done.group(0) and "events loaded" in done.group(0), done.group(0)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    while (line := lines.get(timeout=5)) is not None:
        seen.append(line)
    out = "".join(seen)
    assert proc.returncode == 0, out
    assert "never awaited" not in out and "Traceback" not in out, out
