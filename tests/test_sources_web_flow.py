"""Live sources through the Prefect flows, against a real HTTP server on loopback.

Retries are Prefect task retries (one task per URL); the scheduled feeds deployment of prefect.yaml
polls a feed: 3 new items are coded exactly once, the next poll codes none. (A changed page
superseding its earlier version: tests/test_sources_web.py.) No test touches the internet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loopback_http import LoopbackServer, Request, Response
from test_sources_web import STORIES, conditional, html_page, rss

pytestmark = [pytest.mark.prefect]


def write_sources(path: Path, srv: LoopbackServer, feeds=(), pages=(), retries: int = 2) -> Path:
    lines = ["settings:", "  rate_limit_seconds: 0", f"  retries: {retries}", "  retry_delay_seconds: 0",
             "  read_timeout_seconds: 2", "  total_timeout_seconds: 5", "feeds:"]
    lines += [f"  - url: {srv.url(f)}\n    outlet: Loopback Wire\n    language: en" for f in feeds]
    lines.append("pages:")
    lines += [f"  - url: {srv.url(p)}\n    language: en" for p in pages]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counting(resp: Response, statuses: list[int]) -> object:
    """Answer with the given statuses in turn (then resp): a flaky server."""
    calls = {"n": 0}

    def route(req: Request) -> Response:
        calls["n"] += 1
        if calls["n"] <= len(statuses):
            return Response(statuses[calls["n"] - 1], b"busy", "text/plain")
        return resp

    return route


@pytest.fixture()
def site():
    with LoopbackServer() as srv:
        srv.routes["/robots.txt"] = Response(200, b"User-agent: *\nAllow: /\n", "text/plain")
        for key, (title, paras) in STORIES.items():
            srv.routes[f"/news/{key}.html"] = Response(200, html_page(title, paras, clutter=True).encode())
        yield srv


def test_transient_failures_are_retried_as_prefect_task_retries(prefect_harness, site: LoopbackServer,
                                                                  tmp_path: Path) -> None:
    from flows.extract import extract

    site.routes["/feeds/flaky.xml"] = counting(
        Response(200, rss(site.base, [("/news/a1.html", "One")]), "application/rss+xml"), [503])
    site.routes["/feeds/down.xml"] = Response(500, b"down", "text/plain")
    sources = write_sources(tmp_path / "sources.yaml", site,
                            feeds=["/feeds/flaky.xml", "/feeds/down.xml", "/feeds/missing.xml"])
    out = extract(warehouse=str(tmp_path / "wh"), sources=str(sources))
    assert out["n_articles"] == 1  # the flaky feed succeeded on its retry
    assert len(site.hits("/feeds/flaky.xml")) == 2
    assert len(site.hits("/feeds/down.xml")) == 3  # first try + 2 retries, then a reject
    assert len(site.hits("/feeds/missing.xml")) == 1  # 404 is permanent: not retried
    reasons = {r["path"]: r["reason"] for r in out["rejects"]}
    assert "HTTP 500" in reasons[site.url("/feeds/down.xml")]
    assert "HTTP 404" in reasons[site.url("/feeds/missing.xml")]


def _query(data: Path, sql: str) -> list[tuple]:
    from dyadflow.warehouse import connect

    con = connect(data, Path(__file__).resolve().parents[1] / "warehouse")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.model
def test_scheduled_poll_codes_new_items_exactly_once(prefect_harness, site: LoopbackServer, tmp_path: Path,
                                                      project_dir: Path) -> None:
    from flows.pipeline import pipeline

    from dyadflow.deployments import read_prefect_yaml

    [spec] = [d for d in read_prefect_yaml(project_dir / "prefect.yaml") if d.name == "dyadflow-feeds"]
    assert spec.crons == ("*/15 * * * *",) and spec.entrypoint == "flows/pipeline.py:pipeline"
    site.routes["/feeds/world.xml"] = conditional(rss(site.base, [(f"/news/a{i}.html", STORIES[f"a{i}"][0])
                                                                  for i in (1, 2, 3)]),
                                                  "application/rss+xml", '"v1"')
    sources = write_sources(tmp_path / "sources.yaml", site, feeds=["/feeds/world.xml"])
    data = tmp_path / "wh"
    params = {**spec.parameters, "sources": str(sources), "warehouse": str(data)}

    first = pipeline(**params)
    assert first["extract"]["n_new_articles"] == 3 and first["code"]["articles"] == 3
    assert first["code"]["events"] > 0
    second = pipeline(**params)
    assert second["extract"]["n_articles"] == 0 and second["code"]["articles"] == 0
    assert all(len(site.hits(f"/news/a{i}.html")) == 1 for i in (1, 2, 3))
    # provenance: URL, feed and fetch time of every article
    rows = _query(data, "select url, path, ingested_at from articles order by url")
    assert {r[0] for r in rows} == {site.url(f"/news/a{i}.html") for i in (1, 2, 3)}
    assert {r[1] for r in rows} == {site.url("/feeds/world.xml")}
    assert all(r[2] is not None for r in rows)
