"""Every command shown in README.md runs (issue 13, item 14), and the Python example too.

Commands are the lines of the README's fenced blocks that start with `.venv/bin/` or `python3.11`;
they run in README order from the checkout, with `.venv/bin/` the environment running the tests and
the warehouse in a temporary folder (DYADFLOW_WAREHOUSE; `warehouse/data/` in a command is replaced
by it). ```python blocks are executed as one notebook. The two Quick start lines are checked by a
lighter equivalence: both are the same install prefix (what .ci/run executes with the second line
on every clean clone) followed by one command; the first line's command is run like the others, the
second's (`python -m pytest`) is this suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.md"
INSTALL = ("python3.11 -m venv .venv && .venv/bin/pip install --no-deps --require-hashes -r requirements.lock "
           "&& .venv/bin/pip install --no-deps -e . && ")


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(info string, lines) of each fenced block."""
    out, info, lines, inside = [], "", [], False
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                out.append((info, lines))
            inside, info, lines = not inside, line[3:].strip(), []
        elif inside:
            lines.append(line)
    return out


def quick_start() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    return blocks(section)[0][1]


def readme_commands() -> list[str]:
    """Every line of the shell blocks (fenced without a language, or sh/bash); a file's contents
    shown in a block (YAML: its first line is `key:`) is not a command."""
    cmds = []
    for info, lines in blocks(README.read_text(encoding="utf-8")):
        body = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        if (info and info not in ("sh", "bash", "console")) or not body or re.match(r"^[a-z_]+:", body[0]):
            continue
        cmds += body
    return cmds


def test_quick_start_is_the_ci_install_then_one_command() -> None:
    first, second = quick_start()[:2]
    assert first.startswith(INSTALL) and second.startswith(INSTALL)
    assert second[len(INSTALL):] == ".venv/bin/python -m pytest"
    ci = subprocess.run(["awk", "/^## Quick start/{f=1; next} f && /^```/{n++; next} f && n==1 {print}",
                         str(README)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert ci[1] == second  # the line .ci/run executes
    assert "sed -n 2p" in (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert (PROJECT / "requirements.lock").is_file() and (PROJECT / "pyproject.toml").is_file()


def test_readme_shows_no_tool_the_quick_start_does_not_install() -> None:
    for cmd in readme_commands():
        if cmd.startswith(INSTALL):
            cmd = cmd[len(INSTALL):]
        assert cmd.startswith(".venv/bin/"), cmd
        tool = cmd.split()[0].removeprefix(".venv/bin/")
        assert tool in ("dyadflow", "python", "prefect"), cmd


@pytest.mark.e2e
@pytest.mark.model
def test_every_readme_command_runs(tmp_path: Path) -> None:
    bindir = str(Path(sys.executable).parent)
    wh = tmp_path / "wh"
    env = {**os.environ, "DYADFLOW_WAREHOUSE": str(wh), "COLUMNS": "200"}
    env.pop("PREFECT_API_URL", None)
    cmds = readme_commands()
    assert cmds[0].startswith(INSTALL) and cmds[1].startswith(INSTALL)
    cmds = [cmds[0][len(INSTALL):], *cmds[2:]]  # the first Quick start command builds the warehouse
    assert cmds[0] == ".venv/bin/dyadflow run"
    for cmd in cmds:
        line = cmd.replace(".venv/bin/", bindir + "/").replace("warehouse/data/", str(wh) + "/")
        proc = subprocess.run(["bash", "-c", line], capture_output=True, text=True, cwd=PROJECT, env=env,
                              timeout=600)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{cmd}\n{out}"
        assert "Traceback" not in out and "error" not in proc.stderr.lower(), f"{cmd}\n{out}"
    notebook = "\n".join("\n".join(lines) for info, lines in blocks(README.read_text(encoding="utf-8"))
                         if info == "python")
    assert "dyadflow.code(" in notebook and "dyadflow.connect(" in notebook
    proc = subprocess.run([sys.executable, "-c", notebook], capture_output=True, text=True, cwd=PROJECT, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
