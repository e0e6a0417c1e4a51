"""The Prefect flows under Prefect's test harness: pipeline end to end, re-runs, artifact."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.model]

ARTICLES = {
    "a.md": """---
title: Ministers meet
published: 2023-03-10
source: Test Wire
---
Turkish Foreign Minister Mevlut Cavusoglu met Russian Foreign Minister Sergei Lavrov in Moscow on Thursday.
Russia condemned the United States on Wednesday.
""",
    "b.txt": "---\npublished: 2023-03-11\n---\nThe Syrian army shelled rebel positions in Idlib on Friday.\n",
    # unreadable front matter (no known key: value line); "title: [Update] ..." would be read leniently
    "broken.md": "---\nheadline: [unclosed\n---\nText.\n",
}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def event_ids(data_dir: Path) -> list[str]:
    con = duckdb.connect(str(data_dir / "dyadflow.duckdb"), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("select event_id from events").fetchall())
    finally:
        con.close()


def test_pipeline_flow_end_to_end_and_rerun(prefect_harness, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    corpus = write_corpus(tmp_path / "in")
    data = tmp_path / "wh"
    summary = pipeline(paths=[str(corpus)], warehouse=str(data))
    assert summary["extract"]["n_articles"] == 2
    assert summary["extract"]["n_rejects"] == 1
    assert summary["code"]["articles"] == 2
    assert summary["code"]["events"] > 0
    assert (data / "dyadflow.duckdb").exists()
    ids = event_ids(data)
    assert len(ids) == summary["code"]["events"]
    con = duckdb.connect(str(data / "dyadflow.duckdb"), read_only=True)
    try:
        n_month = con.execute("select sum(n_events) from dyad_month").fetchone()[0]
        rejects = con.execute("select path, reason from rejects").fetchall()
    finally:
        con.close()
    assert n_month == len(ids)
    assert rejects and rejects[0][0] == "broken.md" and "front matter" in rejects[0][1]

    files_before = sorted(p.relative_to(data) for p in data.rglob("*.parquet"))
    again = pipeline(paths=[str(corpus)], warehouse=str(data))
    assert again["code"]["articles"] == 0, "unchanged articles are not re-coded"
    assert event_ids(data) == ids
    assert sorted(p.relative_to(data) for p in data.rglob("*.parquet")) == files_before


def test_run_summary_artifact_is_published(prefect_harness, tmp_path: Path) -> None:
    import httpx
    from flows.pipeline import pipeline
    from prefect.settings import PREFECT_API_URL

    corpus = write_corpus(tmp_path / "in")
    summary = pipeline(paths=[str(corpus)], warehouse=str(tmp_path / "wh"))
    # Read the artifact through the REST API directly: with this pinned fastapi, Prefect 3.8.8's
    # client sends explicit nulls (offset, flow_runs) that its own server rejects with a 422.
    body = {"artifacts": {"key": {"any_": ["dyadflow-run-summary"]}}, "limit": 10, "offset": 0,
            "sort": "UPDATED_DESC"}
    resp = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=body, timeout=30)
    resp.raise_for_status()
    data = [a["data"] for a in resp.json()]
    assert any(summary["run_id"] in d for d in data)
    mine = next(d for d in data if summary["run_id"] in d)
    assert "events coded" in mine and "broken.md" in mine


def test_changed_article_is_recoded(prefect_harness, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    corpus = write_corpus(tmp_path / "in")
    data = tmp_path / "wh"
    pipeline(paths=[str(corpus)], warehouse=str(data))
    (corpus / "b.txt").write_text(
        "---\npublished: 2023-03-11\n---\nIraqi police arrested protesters in Baghdad on Friday.\n", encoding="utf-8"
    )
    again = pipeline(paths=[str(corpus)], warehouse=str(data))
    assert again["code"]["articles"] == 1
