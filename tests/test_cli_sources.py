"""CLI of issue 15: `dyadflow run --sources`, `dyadflow import gdelt|acled`, `dyadflow serve --dry-run`.

The fetching and coding behind `run --sources` is tested through the flows in
tests/test_sources_web_flow.py; here the command line's wiring and errors (no Prefect, no parser).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dyadflow.cli.app import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_run_with_sources_passes_the_validated_file_to_the_pipeline(tmp_path: Path, monkeypatch) -> None:
    import importlib

    import dyadflow.runtime as runtime

    cli = importlib.import_module("dyadflow.cli.app")  # the package's `app` attribute is the Typer app

    calls: list[dict] = []

    def fake_pipeline(**kw: object) -> dict:
        calls.append(kw)
        ex = {"n_inputs": 0, "n_articles": 0, "n_new_articles": 0, "n_dates_inferred": 0, "n_rejects": 0,
              "rejects": []}
        return {"run_id": "r", "warehouse": kw["warehouse"], "extract": ex,
                "code": {"articles": 0, "events": 0, "rejects": 0}, "load": {"n_events": 0}, "timings": {}}

    monkeypatch.setattr(cli, "load_flow", lambda settings, module, name: fake_pipeline)
    monkeypatch.setattr(runtime, "prefect_server_for_process", lambda *a, **k: contextlib.nullcontext())
    sources = tmp_path / "sources.yaml"
    sources.write_text("feeds:\n  - url: https://news.example.org/rss.xml\n    outlet: Example\npages:\n",
                       encoding="utf-8")
    result = runner.invoke(app, ["run", "--sources", str(sources), "-w", str(tmp_path / "wh")])
    assert result.exit_code == 0, result.output
    [kw] = calls
    assert kw["sources"] == str(sources.resolve()) and kw["paths"] is None  # the sources only

    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - name: no url\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--sources", str(bad), "-w", str(tmp_path / "wh")])
    assert result.exit_code == 2 and "'url' is a required property" in result.output
    result = runner.invoke(app, ["run", "--sources", str(tmp_path / "none.yaml"), "-w", str(tmp_path / "wh")])
    assert result.exit_code == 2 and "cannot read sources file" in result.output
    assert len(calls) == 1


def test_import_commands_and_compare_view(tmp_path: Path) -> None:
    wh = str(tmp_path / "wh")
    gdelt = runner.invoke(app, ["import", "gdelt", str(REPO / "examples/external/20230310.export.CSV"), "-w", wh])
    assert gdelt.exit_code == 0 and "imported 3 gdelt events" in gdelt.output, gdelt.output
    acled = runner.invoke(app, ["import", "acled", str(REPO / "examples/external/acled-sample.csv"), "-w", wh])
    assert acled.exit_code == 0 and "imported 3 acled events" in acled.output, acled.output
    out = runner.invoke(app, ["sql", "-w", wh, "--format", "json",
                              "select country1, country2, n_gdelt, n_acled from compare_dyad_month "
                              "where month = date '2023-03-01' order by all"])
    rows = json.loads(out.stdout)
    assert {"country1": "KEN", "country2": "KEN", "n_gdelt": 0, "n_acled": 2} in rows
    assert {"country1": "CHL", "country2": "NOR", "n_gdelt": 1, "n_acled": 0} in rows
    missing = runner.invoke(app, ["import", "acled", str(tmp_path / "nope.csv"), "-w", wh])
    assert missing.exit_code == 2 and "not a file" in missing.output


@pytest.mark.parametrize("name", ["dyadflow-feeds"])
def test_serve_dry_run_lists_the_feeds_deployment(name: str) -> None:
    result = runner.invoke(app, ["serve", "--dry-run", "--deployment", name])
    assert result.exit_code == 0, result.output
    assert name in result.output and "*/15 * * * *" in result.output and "sources.yaml" in result.output
    from dyadflow.deployments import build_deployments, read_prefect_yaml

    specs = [s for s in read_prefect_yaml(REPO / "prefect.yaml") if s.name == name]
    [deployment] = build_deployments(specs, REPO)  # what `dyadflow serve` serves
    assert deployment.parameters["sources"] == "sources.yaml"
    assert [s.schedule.cron for s in deployment.schedules] == ["*/15 * * * *"]
