"""Materialised warehouse tables (mart_*): incremental refresh is exact, and skipped when nothing changed.

Every check compares the incrementally refreshed warehouse file with a from-scratch build of the
same Parquet store in a fresh in-memory DuckDB (what the views would say if nothing were cached).
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from dyadflow import warehouse
from dyadflow.store import ParquetStore, coding_key
from test_sql_views import PERIOD_VIEWS, SCHEMAS, SQL_DIR, _article, _commit, _event

COMPARED = [*PERIOD_VIEWS, "events", "events_dyadic", "event_clusters", "dyad_month_filled"]


@pytest.fixture()
def store(tmp_path: Path) -> ParquetStore:
    s = ParquetStore(tmp_path / "wh", SCHEMAS)
    s.init()
    arts = [_article(n, f"Outlet {n.upper()}") for n in ("a", "b", "c", "d")]
    s.write_articles(arts)
    a, b, c, d = (x.doc_id for x in arts)
    evs = [
        _event(a, 0, "043", "TURMIL", "SYRMIL"),
        _event(a, 1, "190", "SYRREB", None, event_date=date(2023, 1, 30)),  # week 30 Jan - 5 Feb
        _event(b, 0, "043", "TURMIL", "SYRMIL"),
        _event(b, 1, "057", "RUSGOV", "UKRGOV", event_date=date(2023, 2, 2)),  # same week, next month
        _event(c, 0, "036", "TURGOV", "SYRGOV", event_date=None, date_precision="unknown", date_source=None),
        _event(c, 1, "120", "UKRGOV", "RUSGOV", event_date=date(2021, 6, 1)),
        _event(d, 0, "173", "TURCOP", "TURCVL", event_date=date(2023, 3, 31)),
        _event(d, 1, "043", "TURMIL", "SYRMIL", event_date=date(2023, 1, 1), date_precision="year"),
    ]
    s.write_events(evs, {e.doc_id for e in evs})
    _commit(s, [a, b, c, d])
    return s


def _docs(store: ParquetStore) -> dict[str, str]:
    return {a.path[0]: a.doc_id for a in store.read_articles()}


def _refresh(root: Path) -> warehouse.MartRefresh:
    con = duckdb.connect(str(root / warehouse.DB_FILE))
    try:
        return warehouse.apply_views_report(con, SQL_DIR, root)[1]
    finally:
        con.close()


def _assert_equal_to_full_build(root: Path) -> None:
    inc = warehouse.connect(root, SQL_DIR)
    fresh = duckdb.connect()
    try:
        _, report = warehouse.apply_views_report(fresh, SQL_DIR, root)
        assert report.mode == "full"
        for view in COMPARED:
            got = inc.execute(f"select * from {view}").fetchall()
            want = fresh.execute(f"select * from {view}").fetchall()
            assert sorted(map(repr, got)) == sorted(map(repr, want)), view
        n_events = inc.execute("select count(*) from events").fetchone()[0]
        for view in PERIOD_VIEWS:
            assert inc.execute(f"select coalesce(sum(n_events), 0) from {view}").fetchone()[0] == n_events, view
    finally:
        inc.close()
        fresh.close()


def test_first_refresh_is_full_then_unchanged(store: ParquetStore) -> None:
    assert _refresh(store.root).mode == "full"
    again = _refresh(store.root)
    assert (again.mode, again.partitions) == ("unchanged", ())
    # connect re-applies the views: still no recompute, and the marts are the same tables
    con = warehouse.connect(store.root, SQL_DIR)
    try:
        assert con.execute("select count(*) from events").fetchone()[0] == 8
        assert con.execute("select sum(n_events) from dyad_week").fetchone()[0] == 8
    finally:
        con.close()
    assert _refresh(store.root).mode == "unchanged"
    _assert_equal_to_full_build(store.root)


def test_new_partition_recomputes_only_touched_periods(store: ParquetStore) -> None:
    _refresh(store.root)
    e = _article("e", "Outlet E")
    store.write_articles([e])
    new = [_event(e.doc_id, 0, "042", "TURMIL", "SYRMIL", event_date=date(2023, 2, 27))]
    store.write_events(new, {e.doc_id})
    _commit(store, [e.doc_id])
    report = _refresh(store.root)
    assert report.mode == "incremental"
    assert report.partitions == ("2023-02",)
    con = warehouse.connect(store.root, SQL_DIR)
    try:
        # the week of 27 Feb 2023 spans February and March: both events end up in one row
        rows = con.execute("""select period_start, n_events from dyad_week
                              where period_start = date '2023-02-27'""").fetchall()
        assert rows == [(date(2023, 2, 27), 1)]
        assert con.execute("select n_events from dyad_year where period_start = date '2023-01-01' "
                           "and actor1 = 'TURMIL'").fetchone()[0] == 2
    finally:
        con.close()
    _assert_equal_to_full_build(store.root)


def test_recoded_doc_moves_between_partitions(store: ParquetStore) -> None:
    _refresh(store.root)
    b = _docs(store)["b"]
    # doc b re-coded by a newer coder: its December and February events now fall in March 2023
    moved = [_event(b, 0, "043", "TURMIL", "SYRMIL", event_date=date(2023, 3, 3), coder_version="coder-2"),
             _event(b, 1, "057", "RUSGOV", "UKRGOV", event_date=date(2023, 3, 4), coder_version="coder-2")]
    store.write_events(moved, {b})
    _commit(store, [b], coder="coder-2")
    report = _refresh(store.root)
    assert report.mode == "incremental"
    assert set(report.partitions) == {"2022-12", "2023-02", "2023-03"}
    con = warehouse.connect(store.root, SQL_DIR)
    try:
        assert con.execute("select count(*) from events where doc_id = ? and month(event_date) = 3",
                           [b]).fetchone()[0] == 2
        assert con.execute("select n_events from dyad_month where period_start = date '2022-12-01'").fetchall() \
            == [(1,)]
    finally:
        con.close()
    _assert_equal_to_full_build(store.root)


def test_deleted_events_leave_no_rows(store: ParquetStore) -> None:
    _refresh(store.root)
    docs = _docs(store)
    store.write_events([], {docs["c"], docs["d"]})  # re-coded: no events any more
    _commit(store, [docs["c"], docs["d"]])
    report = _refresh(store.root)
    assert set(report.partitions) == {"unknown-unknown", "2021-06", "2023-01", "2023-03"}
    con = warehouse.connect(store.root, SQL_DIR)
    try:
        assert con.execute("select count(*) from dyad_month where period_start is null").fetchone()[0] == 0
        assert con.execute("select count(*) from dyad_quarter where period_start = date '2021-04-01'"
                           ).fetchone()[0] == 0
        assert con.execute("select count(*) from events").fetchone()[0] == 4
    finally:
        con.close()
    _assert_equal_to_full_build(store.root)


def test_commit_alone_makes_written_events_visible(store: ParquetStore) -> None:
    """A run killed between its event writes and its commit: the next commit (same files) shows them."""
    _refresh(store.root)
    f = _article("f", "Outlet F")
    store.write_articles([f])
    store.write_events([_event(f.doc_id, 0, "190", "RUSMIL", "UKRMIL", event_date=date(2022, 12, 5))], {f.doc_id})
    assert _refresh(store.root).mode == "incremental"
    con = warehouse.connect(store.root, SQL_DIR)
    assert con.execute("select count(*) from events where doc_id = ?", [f.doc_id]).fetchone()[0] == 0
    con.close()
    _commit(store, [f.doc_id])  # only state/codings.parquet changes
    report = _refresh(store.root)
    assert report.partitions == ("2022-12",)
    _assert_equal_to_full_build(store.root)
    # and a newer committed coding makes them invisible again (no events file changes)
    store.commit_codings([dict(doc_id=f.doc_id, content_hash=f.doc_id, coding_key=coding_key("x", "y"),
                               coder_version="x", dictionary_version="y", n_events=0, run_id="r",
                               coded_at=datetime(2024, 1, 1, tzinfo=UTC))])
    assert _refresh(store.root).partitions == ("2022-12",)
    _assert_equal_to_full_build(store.root)


def test_duplicate_file_in_a_partition_is_deduplicated(store: ParquetStore) -> None:
    _refresh(store.root)
    part = next((store.root / "events" / "year=2022" / "month=12").glob("part-*.parquet"))
    shutil.copy(part, part.with_name("part-leftover.parquet"))
    assert _refresh(store.root).partitions == ("2022-12",)
    _assert_equal_to_full_build(store.root)


def test_moved_folder_needs_no_recompute(store: ParquetStore, tmp_path: Path) -> None:
    _refresh(store.root)
    moved = tmp_path / "elsewhere" / "wh"
    moved.parent.mkdir()
    shutil.move(str(store.root), moved)
    assert _refresh(moved).mode == "unchanged"
    _assert_equal_to_full_build(moved)


def test_changed_sql_rebuilds(store: ParquetStore, tmp_path: Path) -> None:
    _refresh(store.root)
    sql = tmp_path / "warehouse"
    shutil.copytree(SQL_DIR, sql)
    (sql / "39_dyad_aggregate.sql").write_text((sql / "39_dyad_aggregate.sql").read_text() + "\n-- edited\n")
    con = duckdb.connect(str(store.root / warehouse.DB_FILE))
    try:
        report = warehouse.apply_views_report(con, sql, store.root, schemas_dir=SCHEMAS,
                                              seeds_dir=SQL_DIR.parent / "seeds")[1]
    finally:
        con.close()
    assert report.mode == "full"


def test_period_ranges() -> None:
    assert warehouse.period_ranges("week", ["2023-01"]) == [(date(2022, 12, 26), date(2023, 2, 6))]
    assert warehouse.period_ranges("quarter", ["2023-01", "2023-03", "unknown-unknown"]) == \
        [(date(2023, 1, 1), date(2023, 4, 1))]
    assert warehouse.period_ranges("month", ["2023-01", "2023-03"]) == \
        [(date(2023, 1, 1), date(2023, 2, 1)), (date(2023, 3, 1), date(2023, 4, 1))]
    assert warehouse.period_ranges("day", []) == []
