"""Crash safety and idempotency of extract → code → stage → load, with a tiny deterministic fake coder.

The library steps of dyadflow.pipeline run in the order of flows/pipeline.py; the spaCy model and
the real coder are replaced by a blank pipeline and a keyword coder so these tests need no model.
A "kill" is simulated by raising at the N-th file-system commit operation (rename or delete), for
every N the run performs; the re-run must give exactly the clean run's events.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import pathlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dyadflow.pipeline import (
    CoderResources,
    articles_to_code,
    code_articles,
    extract,
    load_staged,
    new_run_id,
    refresh_warehouse,
    stage_batch,
)
from dyadflow.records import Event
from dyadflow.settings import Settings
from dyadflow.store import TMP_DIRNAME, ParquetStore, remove_stale_temp_files

ARTICLES = {
    "a.md": "---\npublished: 2023-01-05\n---\nChile met Norway in Oslo. Peru criticised Bolivia.",
    "b.md": "---\npublished: 2023-02-10\n---\nNorway praised Chile. Chile met Peru in Lima.",
    "c.txt": "Bolivia criticised Peru. Nobody did anything else.",
    "d.md": "---\npublished: 2022-12-30\n---\nPeru met Chile.\n\nBolivia praised Norway.",
    "e.pdf": "%PDF-1.4 not text",
    "f.md": "---\npublished: 2023-02-30\n---\nChile met Norway.",
}
CODES = {"v1": {"met": "040", "criticised": "111", "praised": "051"},
         "v2": {"met": "042", "criticised": "111", "praised": "051"}}  # v2 changes one verb
QUAD = {"04": 1, "05": 1, "11": 3}


@dataclass(frozen=True)
class FakeLexicon:
    version: str


def fake_code_article(doc: Any, lexicon: FakeLexicon, published: dt.date | None, *, doc_id: str = "",
                      gazetteer: Any = None, published_inferred: bool = False, source: str | None = None) -> list[Event]:
    """Subject-verb-object over capitalised words: deterministic, dictionary-dependent."""
    events = []
    for i, sent in enumerate(doc.sents):
        words = [t for t in sent if not t.is_punct]
        for j, tok in enumerate(words[1:-1], 1):
            code = CODES[lexicon.version].get(tok.lower_)
            if code and words[j - 1].is_title and words[j + 1].is_title:
                src, tgt = words[j - 1], words[j + 1]
                events.append(Event(
                    doc_id=doc_id, sentence_index=i, sentence=sent.text, char_start=sent.start_char,
                    char_end=sent.end_char, source_text=src.text, source_code=src.text[:3].upper(),
                    source_country=None, source_role=None, target_text=tgt.text, target_code=tgt.text[:3].upper(),
                    target_country=None, target_role=None, cameo_code=code, cameo_root=code[:2], cameo_label=None,
                    quad_class=QUAD[code[:2]], goldstein=None, rule_id=f"fake:{tok.lower_}", confidence=0.5,
                    coder_version="fake-1", dictionary_version=lexicon.version, event_date=published,
                    date_precision="day" if published else "unknown"))
    return events


@functools.cache
def resources(version: str) -> CoderResources:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return CoderResources(nlp=nlp, lexicon=FakeLexicon(version), gazetteer=None, coder_version="fake-1")


@pytest.fixture(autouse=True)
def fake_coder(monkeypatch: pytest.MonkeyPatch) -> None:
    import dyadflow.coder

    monkeypatch.setattr(dyadflow.coder, "code_article", fake_code_article)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def run_pipeline(corpus: Path, data_dir: Path, version: str = "v1", batch_size: int = 2,
                 refresh: bool = True) -> dict[str, int]:
    """The steps of flows/pipeline.py, in order, under the warehouse lock."""
    settings = Settings(warehouse_dir=data_dir, batch_size=batch_size)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    res = resources(version)
    run_id = new_run_id()
    with store.lock():
        store.init()
        ex = extract([corpus], settings, store, run_id)
        todo = articles_to_code(store, res.coding_key)
        for n, i in enumerate(range(0, len(todo), batch_size)):
            result = code_articles(todo[i : i + batch_size], res, run_id)
            store.write_rejects(result.rejects)
            stage_batch(store, result, run_id, n)
        lo = load_staged(store)
        if refresh:
            refresh_warehouse(settings)
    return {"new_articles": ex.n_new_articles, "rejects": ex.n_rejects, "coded": len(todo), "loaded": lo.n_events}


def view_events(data_dir: Path) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "dyadflow.duckdb"), read_only=True)
    try:
        return con.execute("select event_id, doc_id, cameo_code, source_code, target_code, event_date "
                           "from events order by event_id").fetchall()
    finally:
        con.close()


def committed_events(data_dir: Path) -> list[tuple]:
    """What the `events` view shows (warehouse/20_events.sql), straight from the Parquet files: fast."""
    files = list((data_dir / "events").glob("year=*/month=*/part-*.parquet"))
    if not files or not (data_dir / "state" / "codings.parquet").exists():
        return []
    return duckdb.sql(f"""
        with e as (select * from read_parquet('{data_dir}/events/year=*/month=*/part-*.parquet')),
        c as (select * from read_parquet('{data_dir}/state/codings.parquet')
              where coding_key = left(sha256(coder_version || chr(31) || dictionary_version), 16)),
        k as (select e.* from e join c on e.doc_id = c.doc_id and e.coder_version = c.coder_version
              and e.dictionary_version = c.dictionary_version
              qualify row_number() over (partition by event_id order by e.run_id desc) = 1)
        select event_id, doc_id, cameo_code, source_code, target_code, event_date from k order by event_id
    """).fetchall()


def raw_event_ids(data_dir: Path) -> list[str]:
    """Every event row in every file a glob over events/ sees (dot-files included: DuckDB matches them)."""
    if not any((data_dir / "events").rglob("*.parquet")):
        return []
    rows = duckdb.sql(f"select event_id from read_parquet('{data_dir}/events/**/*.parquet')").fetchall()
    return sorted(r[0] for r in rows)


def by_doc(events: list[tuple]) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for e in events:
        out.setdefault(e[1], set()).add(e)
    return out


def snapshot(data_dir: Path) -> dict[str, str]:
    """Path → sha256 of every data file (the DuckDB file is rebuilt by every refresh: left out)."""
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file() and p.name not in ("dyadflow.duckdb", ".lock")
            and not p.name.endswith(".wal")}


def assert_no_hidden_files_in_globbed_folders(data_dir: Path) -> None:
    for folder in ("articles", "events", "rejects", "state"):
        hidden = [p for p in (data_dir / folder).rglob(".*")]
        assert hidden == [], hidden


# ---- idempotency ---------------------------------------------------------------------------------
def test_clean_run_accounts_for_every_input(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "wh"
    counts = run_pipeline(corpus, data)
    assert counts == {"new_articles": 4, "rejects": 2, "coded": 4, "loaded": 7}
    con = duckdb.connect(str(data / "dyadflow.duckdb"), read_only=True)
    rejects = dict(con.execute("select path, reason from rejects").fetchall())
    articles = {r[0] for r in con.execute("select path from articles").fetchall()}
    con.close()
    assert articles | set(rejects) == set(ARTICLES) and "unsupported format" in rejects["e.pdf"]
    assert "invalid published date '2023-02-30'" in rejects["f.md"]
    assert len(view_events(data)) == 7 and raw_event_ids(data) == sorted(e[0] for e in view_events(data))


def test_rerun_on_unchanged_inputs_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "wh"
    run_pipeline(corpus, data)
    before, events = snapshot(data), view_events(data)
    counts = run_pipeline(corpus, data)
    assert counts == {"new_articles": 0, "rejects": 2, "coded": 0, "loaded": 0}
    assert snapshot(data) == before, "a re-run on unchanged inputs wrote files"
    assert view_events(data) == events


def test_changed_dictionary_replaces_events_instead_of_adding(corpus: Path, tmp_path: Path) -> None:
    data, clean = tmp_path / "wh", tmp_path / "clean"
    run_pipeline(corpus, data, "v1")
    v1 = view_events(data)
    counts = run_pipeline(corpus, data, "v2")
    assert counts["coded"] == 4 and counts["new_articles"] == 0
    run_pipeline(corpus, clean, "v2")
    assert view_events(data) == view_events(clean)
    assert len(raw_event_ids(data)) == len(v1), "old events were kept beside the new ones"
    assert {e[2] for e in view_events(data)} == {"042", "111", "051"}


def test_new_article_is_added_and_others_are_not_recoded(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "wh"
    run_pipeline(corpus, data)
    (corpus / "g.md").write_text("---\npublished: 2023-03-01\n---\nNorway met Bolivia.", encoding="utf-8")
    counts = run_pipeline(corpus, data)
    assert counts["new_articles"] == 1 and counts["coded"] == 1 and len(view_events(data)) == 8


# ---- crash safety --------------------------------------------------------------------------------
class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the library may catch it."""


def count_commit_ops(monkeypatch: pytest.MonkeyPatch, kill_at: int | None) -> list[str]:
    """Patch os.replace and Path.unlink to count calls (and raise Killed at call number kill_at)."""
    ops: list[str] = []
    real_replace, real_unlink = os.replace, pathlib.Path.unlink

    def replace(src: Any, dst: Any, *a: Any, **k: Any) -> None:
        ops.append(f"replace {Path(dst).name}")
        if kill_at is not None and len(ops) == kill_at:
            raise Killed
        real_replace(src, dst, *a, **k)

    def unlink(self: Path, *a: Any, **k: Any) -> None:
        if not self.name.startswith(".tmp-"):  # the temp-file cleanup of a dying write is not a commit step
            ops.append(f"unlink {self.name}")
            if kill_at is not None and len(ops) == kill_at:
                raise Killed
        real_unlink(self, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(pathlib.Path, "unlink", unlink)
    return ops


@pytest.mark.parametrize("before", ["v1", None])
def test_killed_at_every_commit_step_then_rerun_gives_the_clean_events(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str | None) -> None:
    """A run (first run, or a dictionary change v1 → v2) killed before each rename/delete, then re-run."""
    import shutil

    base = tmp_path / "base"
    if before:
        run_pipeline(corpus, base, before)
    clean = tmp_path / "clean"
    shutil.copytree(base, clean) if base.exists() else None
    with monkeypatch.context() as m:  # the store's commit steps (the killed runs below do not refresh)
        ops = count_commit_ops(m, None)
        run_pipeline(corpus, clean, "v2", refresh=False)
    refresh_warehouse(Settings(warehouse_dir=clean))  # swaps in a new dyadflow.duckdb: not a store step
    expected = view_events(clean)
    assert expected and committed_events(clean) == expected
    assert len(ops) >= 8
    old_docs = {e[1] for e in committed_events(base)} if before else set()
    old_by_doc, new_by_doc = by_doc(committed_events(base)) if before else {}, by_doc(expected)
    assert not before or old_by_doc != new_by_doc, "the dictionary change must change some doc's events"
    first_commit = next(i for i, op in enumerate(ops, 1) if op == "replace codings.parquet")
    for kill_at in range(1, len(ops) + 1):
        data = tmp_path / f"wh-{kill_at}"
        shutil.copytree(base, data) if base.exists() else None
        with monkeypatch.context() as m:
            count_commit_ops(m, kill_at)
            with pytest.raises(Killed):
                run_pipeline(corpus, data, "v2", refresh=False)
        # between the kill and the re-run: the views show the old state or the new one, never a mix or a twin
        seen = committed_events(data)
        assert len({e[0] for e in seen}) == len(seen)
        versions = {e[2] for e in seen if e[3] == "CHI" and e[4] == "NOR"}  # 'Chile met Norway': 040 (v1), 042 (v2)
        assert len(versions) <= 1, f"old and new codings of one article both visible after kill at {ops[kill_at - 1]}"
        assert {e[1] for e in seen} <= old_docs | {e[1] for e in expected}
        # a consistent snapshot per doc: exactly all of its old events or exactly all of its new ones
        seen_by_doc = by_doc(seen)
        for doc in old_docs | set(new_by_doc) | set(seen_by_doc):
            got = seen_by_doc.get(doc, set())
            assert got in (old_by_doc.get(doc, set()), new_by_doc.get(doc, set())), (
                f"doc {doc[:8]} shows a partial state after kill at {ops[kill_at - 1]}: {sorted(got)}")
        if before and kill_at <= first_commit:  # nothing committed yet: exactly the old events
            assert seen == committed_events(base), f"old events lost after kill at {ops[kill_at - 1]}"
        run_pipeline(corpus, data, "v2", refresh=False)
        assert committed_events(data) == expected, f"killed at step {kill_at} ({ops[kill_at - 1]})"
        assert raw_event_ids(data) == sorted(e[0] for e in expected), f"duplicates after kill at {ops[kill_at - 1]}"
        assert_no_hidden_files_in_globbed_folders(data)
        # a batch is complete only with its codings file; none may be left pending after a re-run
        # (an orphan *.events.parquet of a batch killed mid-cleanup can stay: staging/ is never globbed)
        assert not list((data / "staging").glob("*.codings.parquet"))
        if kill_at == len(ops):  # the real views agree with the fast check
            refresh_warehouse(Settings(warehouse_dir=data))
            assert view_events(data) == expected


def test_temp_files_of_killed_processes_are_removed_and_never_globbed(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    dead = tmp_path / TMP_DIRNAME / ".tmp-999999999-abc.part"  # no such pid
    old_style = tmp_path / "events" / "year=2023" / "month=01" / ".tmp-999999998-x.parquet"
    live = tmp_path / TMP_DIRNAME / f".tmp-{os.getpid()}-def.part"
    for p in (dead, old_style, live):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"PAR1 partial")
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted([dead, old_style]) and live.exists()
    # every store write puts its temp file in <root>/.tmp, outside the folders the views glob
    from tests.test_store import make_event

    seen_tmp: list[Path] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        seen_tmp.append(Path(src))
        real_replace(src, dst)

    os.replace = spy  # type: ignore[assignment]
    try:
        store.write_events([make_event()], {"d" * 32})
        store.commit_codings([dict(doc_id="d" * 32, content_hash="h", coding_key="k", coder_version="1",
                                   dictionary_version="x", n_events=1, run_id="r", coded_at=dt.datetime.now(dt.UTC))])
    finally:
        os.replace = real_replace  # type: ignore[assignment]
    assert seen_tmp and all(p.parent == tmp_path / TMP_DIRNAME and not p.name.endswith(".parquet") for p in seen_tmp)


# ---- the parser's length limit ---------------------------------------------------------------------
def test_document_longer_than_the_parsers_limit_is_rejected_not_a_crash(tmp_path: Path) -> None:
    """A text over nlp.max_length (e.g. DYADFLOW_MAX_DOC_CHARS above it) becomes a coder reject."""
    from dyadflow.records import Article

    now = dt.datetime.now(dt.UTC)
    short = Article(doc_id="s" * 32, path="short.txt", text="Chile met Norway.", ingested_at=now, content_hash="h",
                    published=dt.date(2023, 1, 5))
    long = Article(doc_id="l" * 32, path="long.txt", text="Chile met Norway. " * 20, ingested_at=now,
                   content_hash="h2")
    res = resources("v1")
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 100
    small = CoderResources(nlp=nlp, lexicon=res.lexicon, gazetteer=None, coder_version=res.coder_version)
    out = code_articles([long, short, long], small, "r")
    # the refused doc is committed with zero events: not retried until it changes (issue 13, item 5)
    assert sorted((c["doc_id"], c["n_events"]) for c in out.codings) == [("l" * 32, 0), ("l" * 32, 0), ("s" * 32, 1)]
    assert len(out.events) == 1
    assert [r.path for r in out.rejects] == ["long.txt", "long.txt"]
    assert "longer than the parser's limit" in out.rejects[0].reason and out.rejects[0].stage == "code"


# ---- staged batches --------------------------------------------------------------------------------
def test_orphaned_staged_events_are_removed_even_when_nothing_is_pending(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "wh"
    run_pipeline(corpus, data)
    staging = data / "staging"
    orphan = staging / "20230101T000000Z-dead0000-00000.events.parquet"  # a batch killed before its codings
    orphan.write_bytes(b"PAR1 whatever")
    before = view_events(data)
    summary = load_staged(ParquetStore(data, Settings().schemas_dir))
    assert summary.n_batches == 0 and not orphan.exists()
    assert committed_events(data) == before


def test_batch_without_its_events_file_is_dropped_not_committed_empty(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "wh"
    settings = Settings(warehouse_dir=data)
    store = ParquetStore(data, settings.schemas_dir)
    store.init()
    run_id = new_run_id()
    extract([corpus], settings, store, run_id)
    res = resources("v1")
    todo = articles_to_code(store, res.coding_key)
    first, rest = todo[:1], todo[1:]
    damaged = stage_batch(store, code_articles(first, res, run_id), run_id, 0)
    stage_batch(store, code_articles(rest, res, run_id), run_id, 1)
    assert damaged is not None
    damaged.with_name(damaged.name.replace(".codings.", ".events.")).unlink()  # outside damage
    summary = load_staged(store)
    assert summary.n_batches == 1 and summary.n_docs == len(rest)
    assert not list((data / "staging").glob("*.parquet"))
    assert first[0].doc_id not in set(store.read_codings()["doc_id"]), "committed with zero events"
    assert [a.doc_id for a in articles_to_code(store, res.coding_key)] == [first[0].doc_id]  # re-coded next run
    run_pipeline(corpus, data)
    clean = tmp_path / "clean"
    run_pipeline(corpus, clean)
    assert committed_events(data) == committed_events(clean)


def test_stage_batch_writes_events_before_codings(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    data = tmp_path / "wh"
    settings = Settings(warehouse_dir=data)
    store = ParquetStore(data, settings.schemas_dir)
    store.init()
    run_id = new_run_id()
    extract([corpus], settings, store, run_id)
    res = resources("v1")
    batch = code_articles(articles_to_code(store, res.coding_key), res, run_id)
    ops = count_commit_ops(monkeypatch, None)
    stage_batch(store, batch, run_id, 0)
    assert [op.split(".")[-2] for op in ops] == ["events", "codings"]


def test_sentence_limit_of_the_settings_reaches_the_source(tmp_path: Path) -> None:
    from dyadflow.pipeline import read_inputs

    root = tmp_path / "in"
    root.mkdir()
    (root / "run-on.txt").write_text("Chile met Norway " + "and talked " * 300 + ".", encoding="utf-8")  # ~3.3k chars
    articles, rejects = read_inputs([root], Settings(max_sentence_chars=1_000), "r")
    assert not articles and len(rejects) == 1 and "1000" in rejects[0].reason
    articles, rejects = read_inputs([root], Settings(), "r")
    assert len(articles) == 1 and not rejects
