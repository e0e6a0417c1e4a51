"""Issue 13 end to end (spaCy model): a PETRARCH dictionary run keeps its events and checks itself
(the pipeline flow under Prefect's test harness); an edited file supersedes its old events, two
roots with one relative path, the document limit, distinct event counts in the dyad views (the
flow's library steps, in order, with the coder built once: see run_steps)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dyadflow.petrarch.coder import CODER_VERSION as PETRARCH_CODER_VERSION

pytestmark = [pytest.mark.model]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PETRARCH_DIR = FIXTURES / "petrarch"  # a fictional dictionary folder in PETRARCH's file formats


def q(data: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data / "dyadflow.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def native() -> object:
    """The native coder's resources, built once for this module."""
    from dyadflow.pipeline import build_resources
    from dyadflow.settings import Settings

    return build_resources(Settings(), with_gazetteer=False)


def run_steps(paths: list[Path], data: Path, res: object) -> dict:
    """The steps of flows/pipeline.py (extract, code, load + check) without Prefect; the summary dict."""
    from dataclasses import asdict

    from dyadflow.pipeline import (
        articles_to_code,
        check_load,
        code_articles,
        extract,
        load_staged,
        new_run_id,
        refresh_warehouse,
        stage_batch,
    )
    from dyadflow.settings import Settings
    from dyadflow.store import ParquetStore

    settings = Settings(warehouse_dir=data)
    store = ParquetStore(data, settings.schemas_dir)
    run_id = new_run_id()
    with store.lock():
        store.init()
        ex = extract(paths, settings, store, run_id)
        todo = articles_to_code(store, res.coding_key)  # type: ignore[attr-defined]
        batch = code_articles(todo, res, run_id)  # type: ignore[arg-type]
        store.write_rejects(batch.rejects)
        stage_batch(store, batch, run_id, 0)
        lo = load_staged(store)
        refresh_warehouse(settings)
        check_load(settings)
    return {"extract": asdict(ex), "code": {"articles": len(batch.codings), "rejects": len(batch.rejects),
                                            "events": len(batch.events)}, "load": asdict(lo)}


# ---- item 1: a PETRARCH-lexicon run keeps its events; every load checks the invariant ------------------
@pytest.mark.prefect
def test_petrarch_dictionary_run_keeps_its_events(prefect_harness, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    corpus = tmp_path / "in"
    write(corpus, "a.md", "---\npublished: 2023-03-10\n---\nVestria condemned Ostland over the border raids.\n"
                          "The Ostland army shelled rebel positions in Vestria on Monday.\n")
    write(corpus, "b.txt", "---\npublished: 2023-03-11\n---\nMarta Klein denounced the Kingdom of Zed.\n")
    data = tmp_path / "wh"
    summary = pipeline(paths=[str(corpus)], warehouse=str(data), lexicon=str(PETRARCH_DIR),
                       lexicon_format="petrarch")
    assert summary["code"]["events"] >= 3
    assert summary["load"]["n_events"] == summary["code"]["events"]
    rows = q(data, "select source_code, target_code, cameo_code, coder_version from events order by 1, 2")
    assert len(rows) == summary["code"]["events"], "the prune must not delete the committed events"
    assert ("VES", "OST", "122") in {r[:3] for r in rows} and {r[3] for r in rows} == {PETRARCH_CODER_VERSION}
    assert q(data, "select count(*) from load_check") == [(0,)]


def test_load_fails_loudly_when_committed_codings_lose_their_events(native, tmp_path: Path) -> None:
    from dyadflow.pipeline import LoadCheckError
    from dyadflow.store import CODINGS_FIELDS

    corpus = tmp_path / "in"
    write(corpus, "a.md", ARTICLE.format(TEXT_A))
    data = tmp_path / "wh"
    run_steps([corpus], data, native)
    # the defect of issue 13: a coding committed under another coder version than its events carry
    path = data / "state" / "codings.parquet"
    codings = pd.read_parquet(path)
    codings["coder_version"] = "0.0.0-other"
    pq.write_table(pa.Table.from_pandas(codings, schema=CODINGS_FIELDS, preserve_index=False), path)
    with pytest.raises(LoadCheckError, match="1 coded article"):  # the next load finds it and fails loudly
        run_steps([corpus], data, native)


# ---- items 3/4: identity, supersession, two roots ----------------------------------------------------------
ARTICLE = "---\npublished: 2023-03-10\nsource: Test Wire\n---\n{}\n"
TEXT_A = "Russia condemned the United States on Wednesday."
TEXT_B = "The Syrian army shelled rebel positions in Idlib on Friday."


def test_edited_file_supersedes_its_old_version_and_events(native, tmp_path: Path) -> None:
    corpus, data = tmp_path / "in", tmp_path / "wh"
    f = write(corpus, "a.md", ARTICLE.format(TEXT_A))
    write(corpus, "same.md", ARTICLE.format(TEXT_B))
    write(corpus, "copy/same.md", ARTICLE.format(TEXT_B))  # identical content, other identity: a duplicate
    first = run_steps([corpus], data, native)
    assert first["extract"]["n_duplicates"] == 1
    old = q(data, "select doc_id, source_code, target_code from events where doc_id in "
                  "(select doc_id from articles where path = 'a.md')")
    assert old
    f.write_text(ARTICLE.format(TEXT_B.replace("Syrian army", "Iraqi police").replace("shelled rebel positions in "
                                                                                      "Idlib", "arrested protesters "
                                                                                      "in Baghdad")),
                 encoding="utf-8")
    second = run_steps([corpus], data, native)
    assert second["extract"]["n_superseded"] == 1 and second["code"]["articles"] == 1
    assert q(data, "select count(*) from articles where path = 'a.md'") == [(1,)]
    old_doc = old[0][0]
    assert q(data, f"select count(*) from events where doc_id = '{old_doc}'") == [(0,)]
    assert q(data, f"select count(*) from articles where doc_id = '{old_doc}'") == [(0,)]
    new = q(data, "select source_code from events where doc_id in (select doc_id from articles where path = 'a.md')")
    assert new and all(r[0] != old[0][1] for r in new)
    # the duplicate is untouched, and the old events' rows were pruned from the Parquet store
    assert q(data, "select count(*) from articles where path = 'same.md'") == [(1,)]
    assert q(data, "select count(*) from load_check") == [(0,)]
    # going back to the first text makes it current again (coded again: its coding was retired)
    f.write_text(ARTICLE.format(TEXT_A), encoding="utf-8")
    third = run_steps([corpus], data, native)
    assert third["code"]["articles"] == 1
    assert q(data, f"select count(*) from events where doc_id = '{old_doc}'") == [(len(old),)]


def test_two_roots_with_the_same_relative_path_are_two_articles(native, tmp_path: Path) -> None:
    d1, d2, data = tmp_path / "d1", tmp_path / "d2", tmp_path / "wh"
    write(d1, "a.txt", ARTICLE.format(TEXT_A))
    write(d2, "a.txt", ARTICLE.format(TEXT_B))
    summary = run_steps([d1, d2], data, native)
    assert summary["extract"]["n_articles"] == 2
    rows = q(data, "select origin from articles order by origin")
    assert rows == [(f"{d1.resolve()}/a.txt",), (f"{d2.resolve()}/a.txt",)]
    # running one root again supersedes nothing of the other
    write(d1, "a.txt", ARTICLE.format(TEXT_A + " Russia also criticised Germany."))
    again = run_steps([d1], data, native)
    assert again["extract"]["n_superseded"] == 1
    assert q(data, "select count(*) from articles") == [(2,)]


# ---- item 5: one document limit; what cannot be coded is a reject and is not retried ----------------------
def test_uncodable_article_is_a_reject_and_not_retried(native, tmp_path: Path) -> None:
    from dyadflow.records import Article, sha256_hex
    from dyadflow.settings import MAX_DOC_CHARS, Settings
    from dyadflow.store import ParquetStore

    data = tmp_path / "wh"
    store = ParquetStore(data, Settings().schemas_dir)
    store.init()
    text = "Peru criticised Bolivia. " * (MAX_DOC_CHARS // 25 + 1)  # stored by a version with a larger limit
    store.write_articles([Article(doc_id=sha256_hex(text)[:32], path="huge.txt", text=text,
                                  ingested_at=dt.datetime.now(dt.UTC), content_hash=sha256_hex(text))])
    corpus = tmp_path / "in"
    write(corpus, "a.md", ARTICLE.format(TEXT_A))
    first = run_steps([corpus], data, native)
    assert first["code"]["rejects"] == 1 and first["code"]["articles"] == 2
    [(reason,)] = q(data, "select reason from rejects where path = 'huge.txt' and stage = 'code'")
    assert "limit" in reason
    again = run_steps([corpus], data, native)
    assert again["code"]["articles"] == 0, "a refused article is not retried until it changes"
    assert q(data, "select count(*) from load_check") == [(0,)]


# ---- item 6: report counts and distinct real-world event counts ----------------------------------------------
def test_dyad_views_count_reports_and_distinct_events(native, tmp_path: Path) -> None:
    corpus, data = tmp_path / "in", tmp_path / "wh"
    for i in range(5):  # five outlets carry the same story: five reports of one event
        write(corpus, f"copy{i}.md", ARTICLE.format(f"{TEXT_A}\n\nFiled by desk {i}."))
    run_steps([corpus], data, native)
    [(n_reports, n_distinct)] = q(data, "select n_events, n_distinct_events from dyad_month_country "
                                        "where actor1 = 'RUS' and actor2 = 'USA'")
    assert (n_reports, n_distinct) == (5, 1)
    n_clusters = q(data, "select count(*) from event_clusters where event_date is not null "
                         "and date_precision = 'day'")[0][0]
    names = [r[0] for r in q(data, "select view_name from duckdb_views() where view_name like 'dyad_%'")]
    assert len(names) >= 21
    for view in names:  # every dyad view has both counts
        total_reports, total_distinct = q(data, f"select sum(n_events), sum(n_distinct_events) from {view}")[0]
        assert total_distinct <= total_reports, view
    # the distinct counts are the clusters of event_clusters (day-precision events here)
    assert q(data, "select sum(n_distinct_events) from dyad_day where period_start is not null") == [(n_clusters,)]
