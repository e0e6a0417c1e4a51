"""The Parquet writer: schema validation, atomic writes, partitions, replacement of re-coded docs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dyadflow.records import Article, Event, Reject
from dyadflow.store import ParquetStore, atomic_write_table, coding_key, to_table
from dyadflow.tableschema import SchemaError, table_schema


def make_event(doc_id: str = "d" * 32, code: str = "036", day: dt.date | None = dt.date(2023, 1, 12), **kw) -> Event:
    base = dict(
        doc_id=doc_id, sentence_index=0, sentence="Ankara wants to meet Damascus.", char_start=0, char_end=30,
        source_text="Ankara", source_code="TURGOV", source_country="TUR", source_role="GOV",
        target_text="Damascus", target_code="SYRGOV", target_country="SYR", target_role="GOV",
        cameo_code=code, cameo_root=code[:2], cameo_label="Express intent to meet or negotiate", quad_class=1,
        goldstein=4.0, rule_id="test", confidence=0.9, coder_version="t", dictionary_version="t",
        event_date=day, date_precision="day" if day else "unknown", run_id="r1",
    )
    base.update(kw)
    return Event(**base)


def test_cameo_code_keeps_leading_zeros_through_parquet_and_duckdb(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    store.write_events([make_event(code="036")], {"d" * 32})
    files = list((tmp_path / "events").rglob("*.parquet"))
    assert len(files) == 1 and "year=2023" in str(files[0]) and "month=01" in str(files[0])
    assert pq.read_table(files[0]).column("cameo_code").to_pylist() == ["036"]
    assert str(pq.read_table(files[0]).schema.field("cameo_code").type) == "string"
    got = duckdb.sql(
        f"select cameo_code, cameo_root from read_parquet('{tmp_path}/events/**/*.parquet', hive_partitioning=true)"
    ).fetchall()
    assert got == [("036", "03")]


def test_writer_validates_against_schema(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    with pytest.raises(SchemaError, match="quad_class"):
        store.write_events([make_event(quad_class=7)], set())
    with pytest.raises(SchemaError, match="cameo_code"):
        store.write_events([make_event(code="36x")], set())
    assert not list((tmp_path / "events").rglob("*.parquet"))


def test_parquet_schema_matches_contract(tmp_path: Path, schemas_dir: Path) -> None:
    schema = table_schema(schemas_dir, "events")
    table = to_table([make_event().to_row()], schema)
    assert table.schema.names == schema.names
    assert table.schema.equals(schema.arrow_schema())


def test_undated_events_go_to_unknown_partition(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    store.write_events([make_event(day=None)], {"d" * 32})
    assert list((tmp_path / "events" / "year=unknown" / "month=unknown").glob("*.parquet"))


def test_recoding_replaces_a_docs_events_and_keeps_others(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    a, b = "a" * 32, "b" * 32
    store.write_events([make_event(doc_id=a), make_event(doc_id=b)], {a, b})
    store.write_events([make_event(doc_id=a, code="040", rule_id="new")], {a})
    files = list((tmp_path / "events").rglob("*.parquet"))
    assert len(files) == 1, "a partition stays one compacted file"
    rows = pq.read_table(files[0]).to_pylist()
    assert sorted((r["doc_id"][0], r["cameo_code"]) for r in rows) == [("a", "040"), ("b", "036")]


def test_idempotent_event_write(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    ev = [make_event(), make_event(code="040")]
    store.write_events(ev, {"d" * 32})
    first = sorted(p.name for p in (tmp_path / "events").rglob("*.parquet"))
    store.write_events(ev, {"d" * 32})
    assert sorted(p.name for p in (tmp_path / "events").rglob("*.parquet")) == first
    assert pq.read_table(next((tmp_path / "events").rglob("*.parquet"))).num_rows == 2


def test_event_id_is_deterministic_and_ignores_run_id() -> None:
    e = make_event()
    assert e.event_id == replace(e, run_id="other").event_id
    assert e.event_id != replace(e, cameo_code="040").event_id


def test_atomic_write_leaves_no_temp_files_on_failure(tmp_path: Path, schemas_dir: Path) -> None:
    table = to_table([make_event().to_row()], table_schema(schemas_dir, "events"))

    class Boom(Exception):
        pass

    import dyadflow.store as store_mod

    orig = store_mod.pq.write_table

    def failing(*a, **k):
        orig(*a, **k)
        raise Boom

    store_mod.pq.write_table = failing
    try:
        with pytest.raises(Boom):
            atomic_write_table(table, tmp_path / "x" / "part.parquet")
    finally:
        store_mod.pq.write_table = orig
    assert list((tmp_path / "x").iterdir()) == []


def test_articles_and_rejects_are_written_once(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    now = dt.datetime.now(dt.UTC)
    art = Article(doc_id="c" * 32, path="a.txt", text="Hello.", ingested_at=now, content_hash="c" * 64)
    rej = Reject(path="b.pdf", stage="extract", reason="unsupported", sha256="e" * 64, run_id="r", rejected_at=now)
    assert store.write_articles([art]) == 1
    assert store.write_articles([art]) == 0
    assert store.write_rejects([rej, rej]) == 1
    assert store.write_rejects([rej]) == 0
    assert [a.doc_id for a in store.read_articles()] == ["c" * 32]


def test_codings_commit(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    now = dt.datetime.now(dt.UTC)
    row = dict(doc_id="a", content_hash="h", coding_key=coding_key("1", "x"), coder_version="1",
               dictionary_version="x", n_events=2, run_id="r", coded_at=now)
    store.commit_codings([row])
    store.commit_codings([dict(row, dictionary_version="y", coding_key=coding_key("1", "y"))])
    df = store.read_codings()
    assert list(df["dictionary_version"]) == ["y"]


def test_lock_serialises_runs(tmp_path: Path, schemas_dir: Path) -> None:
    import subprocess
    import sys

    from dyadflow.store import WarehouseLocked

    store = ParquetStore(tmp_path, schemas_dir)
    with store.lock():
        code = (
            "import sys; from pathlib import Path; from dyadflow.store import ParquetStore, WarehouseLocked\n"
            f"s = ParquetStore(Path({str(tmp_path)!r}), Path({str(schemas_dir)!r}))\n"
            "try:\n    s.lock().__enter__()\nexcept WarehouseLocked as e:\n    print('LOCKED', e); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode == 3 and "another dyadflow run" in proc.stdout
    with store.lock():  # released and re-acquirable
        pass
    assert WarehouseLocked


# ---- the three-phase replacement of a re-coded doc's events ---------------------------------------
def coding_row(doc_id: str, version: str) -> dict:
    return dict(doc_id=doc_id, content_hash="h", coding_key=coding_key("t", version), coder_version="t",
                dictionary_version=version, n_events=1, run_id="r", coded_at=dt.datetime.now(dt.UTC))


def stored(tmp_path: Path) -> list[tuple[str, str, str]]:
    rows = [r for p in (tmp_path / "events").rglob("*.parquet") for r in pq.read_table(p).to_pylist()]
    return sorted((r["doc_id"][0], r["dictionary_version"], r["cameo_code"]) for r in rows)


def test_stage_keeps_the_previous_coding_until_prune_after_the_commit(tmp_path: Path, schemas_dir: Path) -> None:
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    a, b = "a" * 32, "b" * 32
    v1 = [make_event(doc_id=a, dictionary_version="v1"), make_event(doc_id=b, dictionary_version="v1"),
          make_event(doc_id=a, day=dt.date(2022, 5, 1), dictionary_version="v1")]
    store.stage_event_rows([e.to_row() for e in v1], [coding_row(a, "v1"), coding_row(b, "v1")])
    store.commit_codings([coding_row(a, "v1"), coding_row(b, "v1")])
    # a is re-coded with v2: its new events are all in 2023-01 (none in 2022-05 any more)
    v2 = [make_event(doc_id=a, code="040", rule_id="new", dictionary_version="v2")]
    assert store.stage_event_rows([e.to_row() for e in v2], [coding_row(a, "v2")]) == 1
    assert stored(tmp_path) == [("a", "v1", "036"), ("a", "v1", "036"), ("a", "v2", "040"), ("b", "v1", "036")]
    store.commit_codings([coding_row(a, "v2")])  # a's v1 rows are invisible from here on ...
    assert store.prune_events() == 2  # ... and pruned from every partition
    assert stored(tmp_path) == [("a", "v2", "040"), ("b", "v1", "036")]
    assert not list((tmp_path / "events" / "year=2022").rglob("*.parquet"))
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "events").rglob("*.parquet")}
    assert store.prune_events() == 0
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "events").rglob("*.parquet")} == before, "no-op rewrote"


def test_prune_before_the_commit_keeps_the_visible_rows(tmp_path: Path, schemas_dir: Path) -> None:
    """Run by a load that finds nothing staged: only rows that are not the committed coding go."""
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    a = "a" * 32
    store.stage_event_rows([make_event(doc_id=a, dictionary_version="v1").to_row()], [coding_row(a, "v1")])
    assert store.prune_events() == 0 and stored(tmp_path) == [("a", "v1", "036")], "no codings: nothing pruned"
    store.commit_codings([coding_row(a, "v1")])
    # a run killed after phase 1: v2 rows present but uncommitted, plus a stray uncommitted doc
    store.stage_event_rows([make_event(doc_id=a, code="040", rule_id="n", dictionary_version="v2").to_row(),
                            make_event(doc_id="c" * 32, dictionary_version="v2").to_row()],
                           [coding_row(a, "v2"), coding_row("c" * 32, "v2")])
    assert store.prune_events() == 2
    assert stored(tmp_path) == [("a", "v1", "036")]


def test_stage_replaces_uncommitted_rows_of_the_same_coding(tmp_path: Path, schemas_dir: Path) -> None:
    """A run killed after phase 1 left rows under the new key; the re-run's rows replace them."""
    store = ParquetStore(tmp_path, schemas_dir)
    store.init()
    a = "a" * 32
    stale = make_event(doc_id=a, day=dt.date(2021, 3, 3), dictionary_version="v2", rule_id="stale")
    store.stage_event_rows([stale.to_row()], [coding_row(a, "v2")])
    fresh = make_event(doc_id=a, dictionary_version="v2")
    store.stage_event_rows([fresh.to_row()], [coding_row(a, "v2")])
    assert stored(tmp_path) == [("a", "v2", "036")]
    assert not list((tmp_path / "events" / "year=2021").rglob("*.parquet"))
