"""`dyadflow dashboard`: the HTML file from a small fictional warehouse, checked in headless Chromium.

The warehouse is written as the store lays it out (benchmarks/dashboard.py, schemas/events.json),
with one hostile article (markup and scripts in its title, URL, evidence sentence and actor text).
The browser test skips when no Chromium is installed (.ci/run installs Debian's chromium).
Set DYADFLOW_UPDATE_SCREENSHOT=1 to rewrite docs/dashboard.png from the browser test.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from dashboard import HOSTILE_SENTENCE, HOSTILE_TITLE, write_synthetic_warehouse  # noqa: E402
from dyadflow.dashboard import json_for_html, write_dashboard  # noqa: E402
from dyadflow.dashboard.browser import Chromium, find_chromium  # noqa: E402

N_EVENTS = 150  # every event is in the sample and in the events table (200 rows shown)
CHARTS = ("chart-series", "chart-counts", "chart-dyads", "chart-map")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("dashboard")
    data_dir = work / "data"
    write_synthetic_warehouse(data_dir, N_EVENTS, seed=3, hostile=True)
    out = work / "dashboard.html"
    write_dashboard(data_dir, ROOT / "warehouse", out)
    return data_dir, out


def embedded_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="dyadflow-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))


def test_file_is_self_contained_and_escaped(built: tuple[Path, Path]) -> None:
    html = built[1].read_text(encoding="utf-8")
    # nothing is loaded from elsewhere: no external scripts, styles, frames, images or imports
    assert not re.search(r"<(script|link|iframe|img|object|embed)\b[^>]*\b(src|href)=", html, re.I)
    assert "@import" not in html and "url(http" not in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1) and "unsafe-inline" not in csp.group(1).split("style-src")[0]
    # the hostile texts are data, never markup: no raw '<' from them in the file
    assert HOSTILE_TITLE not in html and HOSTILE_SENTENCE not in html
    assert html.count("<script>") == 3  # d3, topojson-client, the app: nothing else opens a script
    data = embedded_data(html)
    assert any(e["sentence"] == HOSTILE_SENTENCE for e in data["events"])
    assert any(e["title"] == HOSTILE_TITLE for e in data["events"])


def test_json_for_html_cannot_close_the_element() -> None:
    text = json_for_html({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_aggregates_reconcile_with_the_views(built: tuple[Path, Path]) -> None:
    from dyadflow.warehouse import connect

    data_dir, out = built
    data = embedded_data(out.read_text(encoding="utf-8"))
    con = connect(data_dir, ROOT / "warehouse")
    try:
        n, nd = con.execute("select sum(n_events), sum(n_distinct_events) from dyad_month").fetchone()
        n_located = con.execute("select count(*) from events where location_country is not null").fetchone()[0]
    finally:
        con.close()
    assert n == N_EVENTS and data["totals"]["n_events"] == n
    assert sum(r[7] for r in data["cube"]) == n and sum(r[8] for r in data["cube"]) == nd
    assert sum(r[5] for r in data["map"]) == n_located
    assert len(data["events"]) == N_EVENTS and not data["cube_truncated"]


def test_cli_writes_the_dashboard(built: tuple[Path, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dyadflow.cli import app

    out = tmp_path / "d.html"
    res = CliRunner().invoke(app, ["dashboard", "--warehouse", str(built[0]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 100_000 and "wrote" in res.output
    res = CliRunner().invoke(app, ["dashboard", "--warehouse", str(tmp_path / "none"), "--out", str(out)])
    assert res.exit_code == 2


TOTAL = "document.getElementById('total-events').textContent"
SHAPES = "document.getElementById('{id}').querySelectorAll('rect,path,circle').length"


def set_filter(page, element: str, value: str, event: str = "change") -> None:
    page.evaluate(f"(() => {{ const e = document.getElementById({json.dumps(element)});"
                  f" e.value = {json.dumps(value)}; e.dispatchEvent(new Event({json.dumps(event)})); }})()")


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium installed (apt-get install chromium)")
def test_dashboard_in_headless_chromium(built: tuple[Path, Path], tmp_path: Path) -> None:
    exe = find_chromium()
    assert exe is not None
    with Chromium(exe) as browser:
        page = browser.open(built[1])
        for chart in CHARTS:
            assert page.evaluate(SHAPES.format(id=chart)) > 0, chart
        assert page.evaluate(f"{TOTAL}") == str(N_EVENTS)
        assert page.evaluate("document.querySelectorAll('#events-table tbody tr').length") == N_EVENTS

        # the hostile article is shown as text and nothing of it ran or loaded
        table = page.evaluate("document.getElementById('events-table').textContent")
        assert HOSTILE_SENTENCE in table and HOSTILE_TITLE in table
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('#events-table img, #events-table script, "
                             "#events-table b, [onerror], [onload]').length") == 0
        assert page.evaluate("[...document.querySelectorAll('#events-table a')].every(a => a.protocol === 'https:')")
        png = page.screenshot()
        (tmp_path / "dashboard.png").write_bytes(png)
        if os.environ.get("DYADFLOW_UPDATE_SCREENSHOT"):
            (ROOT / "docs" / "dashboard.png").write_bytes(png)

        # each filter changes what is shown
        set_filter(page, "f-quad", "4")
        q4 = int(page.evaluate(TOTAL))
        assert 0 < q4 < N_EVENTS
        assert page.evaluate("[...document.querySelectorAll('#events-table tbody tr td:nth-child(3)')]"
                             ".every(td => td.textContent.endsWith('(Q4)'))")
        set_filter(page, "f-quad", "0")
        set_filter(page, "f-country", "USA")
        usa = int(page.evaluate(TOTAL))
        assert 0 < usa < N_EVENTS
        assert page.evaluate("document.querySelectorAll('#chart-map path[stroke=\"#000\"]').length") == 1
        set_filter(page, "f-actor", "RUSGOV", event="input")
        assert int(page.evaluate(TOTAL)) < usa
        page.evaluate("document.getElementById('f-reset').click()")
        assert page.evaluate(TOTAL) == str(N_EVENTS)
        set_filter(page, "f-root", page.evaluate("document.getElementById('f-root').options[1].value"))
        assert int(page.evaluate(TOTAL)) < N_EVENTS
        page.evaluate("document.getElementById('f-reset').click()")
        last = page.evaluate("document.getElementById('f-to').options.length - 1")
        set_filter(page, "f-from", str(last - 11))  # the last twelve months
        year = int(page.evaluate(TOTAL))
        assert 0 < year < N_EVENTS
        assert page.evaluate(SHAPES.format(id="chart-series")) > 0

        # no console error, no exception, no CSP violation, no request but the file itself
        assert page.errors == []
        assert page.requests == [page.url]
        page.close()


@pytest.mark.prefect
def test_load_flow_refreshes_the_dashboard_and_publishes_a_link(
    prefect_harness, built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx
    from flows.load import load
    from prefect.settings import PREFECT_API_URL

    out = tmp_path / "live" / "dashboard.html"
    monkeypatch.setenv("DYADFLOW_DASHBOARD", str(out))
    load(str(built[0]))
    assert out.exists() and embedded_data(out.read_text(encoding="utf-8"))["totals"]["n_events"] == N_EVENTS
    body = {"artifacts": {"key": {"any_": ["dyadflow-dashboard"]}}, "limit": 10, "offset": 0, "sort": "UPDATED_DESC"}
    resp = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=body, timeout=30)
    resp.raise_for_status()
    assert any(out.resolve().as_uri() in a["data"] for a in resp.json())


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium installed (apt-get install chromium)")
def test_empty_warehouse_renders_without_errors(tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    summary = write_dashboard(tmp_path / "data", ROOT / "warehouse", out)
    assert summary.n_events == 0
    with Chromium(find_chromium() or "") as browser:
        page = browser.open(out)
        assert page.evaluate(TOTAL) == "0"
        assert page.errors == [] and page.requests == [page.url]
        page.close()
