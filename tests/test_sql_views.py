"""SQL tests of warehouse/*.sql on small Parquet fixtures written through ParquetStore."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dyadflow import warehouse
from dyadflow.records import Article, Event, sha256_hex
from dyadflow.store import ParquetStore, coding_key

REPO = Path(__file__).resolve().parents[1]
SQL_DIR = REPO / "warehouse"
SCHEMAS = REPO / "schemas"
SHARED = REPO.parent / "shared"
CODER, DICT = "coder-t", "dict-t"
PERIODS = ("day", "week", "month", "quarter", "year")
VARIANTS = ("", "_undirected", "_country", "_country_undirected")
PERIOD_VIEWS = [f"dyad_{p}{v}" for p in PERIODS for v in VARIANTS]


def _article(name: str, source: str | None, url: str | None = None) -> Article:
    doc = sha256_hex(name)[:32]
    return Article(doc_id=doc, path=f"{name}.txt", text=f"text of {name}", content_hash=doc,
                   ingested_at=datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC), source=source, url=url,
                   published=date(2022, 12, 29))


def _event(doc: str, i: int, code: str, src: str, tgt: str | None, **kw: object) -> Event:
    base = dict(
        doc_id=doc, sentence_index=i, sentence=f"Evidence sentence {i} of a test article.", char_start=i * 10,
        char_end=i * 10 + 9, source_text=src.title(), source_code=src, source_country=src[:3],
        source_role=src[3:] or None, target_text=tgt.title() if tgt else None, target_code=tgt,
        target_country=tgt[:3] if tgt else None, target_role=(tgt[3:] or None) if tgt else None,
        cameo_code=code, cameo_root=code[:2], cameo_label=None,
        quad_class={"0": 1, "1": 3}.get(code[0], 4) if code[:2] not in ("06", "07", "08", "09") else 2,
        goldstein=1.0, rule_id="test", confidence=0.9, coder_version=CODER, dictionary_version=DICT,
        event_date=date(2022, 12, 28), date_precision="day", date_source="explicit",
        location_name="Moscow", location_country="RUS", latitude=55.75, longitude=37.62, geo_precision=1,
        run_id="run-1",
    )
    if code[:2] in ("15", "16", "17", "18", "19", "20"):
        base["quad_class"] = 4
    if code[:2] in ("10", "11", "12", "13", "14"):
        base["quad_class"] = 3
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def _commit(store: ParquetStore, docs: list[str], coder: str = CODER, dictionary: str = DICT) -> None:
    now = datetime(2023, 1, 3, tzinfo=UTC)
    store.commit_codings([
        dict(doc_id=d, content_hash=d, coding_key=coding_key(coder, dictionary), coder_version=coder,
             dictionary_version=dictionary, n_events=1, run_id="run-1", coded_at=now)
        for d in docs
    ])


@pytest.fixture()
def fixture_events() -> dict[str, object]:
    """Hand-made events: a meeting reported by four articles (3 outlets), a month-precision and an
    undated mention, a one-sided attack, a negated event, an uncommitted article's event."""
    arts = [_article("a", "Outlet One"), _article("b", "Outlet Two"), _article("c", "Outlet One"),
            _article("d", None, "https://www.outlet-three.example/news/1"), _article("e", "Outlet Two"),
            _article("f", "Outlet Four")]
    a, b, c, d, e, f = (x.doc_id for x in arts)
    ev = [
        # the meeting, 28 Dec 2022 in Moscow: four articles, five mentions, three outlets
        _event(a, 0, "043", "TURMIL", "SYRMIL", goldstein=2.8),
        _event(a, 3, "040", "TURMIL", "SYRMIL", goldstein=1.0),
        _event(b, 1, "043", "TURMIL", "SYRMIL", goldstein=2.8),
        _event(c, 2, "043", "TURMIL", "SYRMIL", goldstein=2.8),
        _event(d, 0, "042", "TURMIL", "SYRMIL", goldstein=1.9),
        # the reverse direction of the meeting
        _event(a, 1, "043", "SYRMIL", "TURMIL", goldstein=2.8),
        # the same dyad and root known only to the month: its own cluster
        _event(b, 4, "040", "TURMIL", "SYRMIL", goldstein=1.0, event_date=date(2022, 12, 1),
               date_precision="month"),
        # undated background: never clusters with dated events, nor across articles
        _event(a, 5, "036", "TURGOV", "SYRGOV", goldstein=4.0, event_date=None, date_precision="unknown",
               date_source=None),
        _event(b, 6, "036", "TURGOV", "SYRGOV", goldstein=4.0, event_date=None, date_precision="unknown",
               date_source=None),
        # a one-sided attack in January with fatalities, in Syria at country precision
        _event(c, 7, "190", "SYRREB", None, goldstein=-10.0, event_date=date(2023, 1, 5), fatalities=3,
               location_name=None, location_country="SYR", geo_precision=3, latitude=35.0, longitude=38.0,
               acled_event_type="Battles", acled_sub_event_type="Armed clash", interaction=20),
        # March: a gap of one month in the TURMIL->SYRMIL series
        _event(e, 0, "057", "TURMIL", "SYRMIL", goldstein=8.0, event_date=date(2023, 2, 20),
               acled_event_type="Strategic developments", acled_sub_event_type="Agreement", interaction=11),
        # negated: committed, is_factual false, still a row of `events` counted by every view
        # (the coder emits no negated acts into the warehouse; the flag stays a column)
        _event(e, 1, "190", "TURMIL", "SYRMIL", goldstein=-10.0, negated=True),
    ]
    uncommitted = [_event(f, 0, "190", "RUSMIL", "UKRMIL", goldstein=-10.0)]
    return {"articles": arts, "events": ev, "uncommitted": uncommitted, "docs": [a, b, c, d, e, f]}


@pytest.fixture()
def wh(tmp_path: Path, fixture_events: dict) -> Path:
    root = tmp_path / "wh"
    store = ParquetStore(root, SCHEMAS)
    store.init()
    store.write_articles(fixture_events["articles"])
    evs = fixture_events["events"] + fixture_events["uncommitted"]
    store.write_events(evs, {e.doc_id for e in evs})
    docs = fixture_events["docs"]
    _commit(store, docs[:5])  # doc f (the uncommitted run) has no committed coding
    return root


@pytest.fixture()
def con(wh: Path):
    c = warehouse.connect(wh, SQL_DIR)
    yield c
    c.close()


def q1(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()


def test_empty_warehouse_all_views_query(tmp_path: Path) -> None:
    names = warehouse.refresh(tmp_path / "empty", SQL_DIR)
    assert {"events", "articles", "rejects", "dyad_month", "event_clusters", "acled_export",
            "gdelt_export", "dyad_period", "dyad_month_filled"} <= set(names)
    c = warehouse.connect(tmp_path / "empty", SQL_DIR)
    try:
        for v in warehouse.view_names(SQL_DIR):
            assert q1(c, f"select count(*) from {v}")[0] == 0, v
        assert c.execute("select * from dyad_period('week')").fetchall() == []
    finally:
        c.close()


def test_events_are_committed_factual_flag_and_deduplicated(con, wh: Path, fixture_events) -> None:
    n_committed = len(fixture_events["events"])
    assert q1(con, "select count(*) from events")[0] == n_committed
    assert q1(con, "select count(*) from events where doc_id = ?", [fixture_events["docs"][5]])[0] == 0
    assert q1(con, "select count(*) from events where not is_factual")[0] == 1
    # a leftover file repeating rows of a partition (e.g. a crash before compaction): still one row per id
    part = next((wh / "events" / "year=2022" / "month=12").glob("part-*.parquet"))
    shutil.copy(part, part.with_name("part-duplicate.parquet"))
    con2 = warehouse.connect(wh, SQL_DIR)
    try:
        assert q1(con2, "select count(*) from stg_events")[0] > q1(con2, "select count(*) from events")[0]
        assert q1(con2, "select count(*) from events")[0] == n_committed
        assert q1(con2, "select count(*) - count(distinct event_id) from events")[0] == 0
    finally:
        con2.close()


def test_stale_coding_version_is_invisible(wh: Path, fixture_events) -> None:
    store = ParquetStore(wh, SCHEMAS)
    _commit(store, fixture_events["docs"][:1], coder="coder-newer")
    c = warehouse.connect(wh, SQL_DIR)
    try:
        assert q1(c, "select count(*) from events where doc_id = ?", [fixture_events["docs"][0]])[0] == 0
    finally:
        c.close()


@pytest.mark.parametrize("view", PERIOD_VIEWS)
def test_period_view_grain_is_unique(con, view: str) -> None:
    total, distinct = q1(con, f"""select count(*), (select count(*) from (select distinct period_start, actor1, actor2
                                   from {view})) from {view}""")
    assert total == distinct > 0


@pytest.mark.parametrize("view", PERIOD_VIEWS)
def test_period_view_reconciles_with_events(con, view: str) -> None:
    got = q1(con, f"""select sum(n_events), sum(n_q1 + n_q2 + n_q3 + n_q4), sum({' + '.join(f'n_root_{r:02d}' for r in range(1, 21))}),
                      sum(goldstein_sum), sum(fatalities), sum(net_cooperation) from {view}""")
    want = q1(con, """select count(*), count(*), count(*), sum(goldstein), sum(coalesce(fatalities, 0)),
                      count_if(quad_class <= 2) - count_if(quad_class >= 3) from events""")
    assert got[0] == got[1] == got[2] == want[0] == 12
    assert got[3] == pytest.approx(want[3])
    assert got[4:] == want[4:]


@pytest.mark.parametrize("view", PERIOD_VIEWS)
def test_period_view_accepted_values(con, view: str) -> None:
    period = view.split("_")[1]
    rows = con.execute(f"select distinct period, level, direction from {view}").fetchall()
    level = "country" if "_country" in view else "actor"
    direction = "undirected" if view.endswith("_undirected") else "directed"
    assert rows == [(period, level, direction)]
    assert q1(con, f"""select count(*) from {view} where net_cooperation <> (n_q1 + n_q2) - (n_q3 + n_q4)
                       or n_articles < 1 or n_articles > n_events or n_sources > n_articles
                       or (period_start is not null and period_start <> date_trunc('{period}', period_start))""")[0] == 0
    if direction == "undirected":
        assert q1(con, f"select count(*) from {view} where actor2 is not null and actor1 > actor2")[0] == 0


def test_dyad_month_aggregates_by_hand(con) -> None:
    row = con.execute("""select n_events, n_q1, n_q2, n_q3, n_q4, n_root_04, n_root_19, goldstein_sum,
                         goldstein_mean, net_cooperation, fatalities, n_articles, n_sources
                         from dyad_month where actor1 = 'TURMIL' and actor2 = 'SYRMIL'
                         and period_start = date '2022-12-01'""").fetchall()
    # day-precision mentions in a, a, b, c, d, the month-precision mention in b, the negated 190 in e
    assert len(row) == 1
    n, q1_, q2, q3, q4, r04, r19, gsum, gmean, net, fat, n_art, n_src = row[0]
    assert (n, q1_, q2, q3, q4, r04, r19) == (7, 6, 0, 0, 1, 6, 1)
    assert gsum == pytest.approx(2.8 + 1.0 + 2.8 + 2.8 + 1.9 + 1.0 - 10.0)
    assert gmean == pytest.approx(gsum / 7)
    assert (net, fat, n_art) == (5, 0, 5)
    assert n_src == 3  # Outlet One (a, c), Outlet Two (b, e), outlet-three.example (d: host of its URL)
    und = con.execute("""select actor1, actor2, n_events from dyad_month_country_undirected
                         where period_start = date '2022-12-01'""").fetchall()
    assert und == [("SYR", "TUR", 8)]


def test_undated_and_one_sided_events_keep_nulls(con) -> None:
    assert con.execute("""select actor1, actor2, n_events from dyad_month where period_start is null""").fetchall() \
        == [("TURGOV", "SYRGOV", 2)]
    assert con.execute("""select period_start, n_events, fatalities, n_root_19 from dyad_month
                          where actor1 = 'SYRREB' and actor2 is null""").fetchall() == [(date(2023, 1, 1), 1, 3, 1)]
    assert q1(con, "select count(*) from dyad_year_undirected where actor1 = 'SYRREB' and actor2 is null")[0] == 1


def test_cameo_leading_zeros_survive(con, wh: Path) -> None:
    raw = pq.read_table(next((wh / "events" / "year=unknown" / "month=unknown").glob("*.parquet")))
    assert set(raw.column("cameo_code").to_pylist()) == {"036"}
    assert q1(con, "select typeof(cameo_code), count(*) from events where cameo_code = '036' group by 1") == ("VARCHAR", 2)
    assert con.execute("""select distinct EventCode, EventBaseCode, EventRootCode from gdelt_export
                          where EventRootCode = '05'""").fetchall() == [("057", "057", "05")]
    assert q1(con, "select sum(n_root_03) from dyad_month")[0] == 2


def test_dyad_period_macro_any_part(con) -> None:
    assert q1(con, "select sum(n_events) from dyad_period('decade')")[0] == 12
    same = q1(con, """select count(*) from (select * exclude (period) from dyad_period('month')
                      except select * exclude (period) from dyad_month)""")[0]
    assert same == 0
    with pytest.raises(duckdb.Error):
        con.execute("select * from dyad_period('fortnight')").fetchall()


def test_dyad_month_filled_zero_rows(con) -> None:
    rows = con.execute("""select period_start, n_events, is_filled from dyad_month_filled
                          where actor1 = 'TURMIL' and actor2 = 'SYRMIL' order by period_start""").fetchall()
    assert rows == [(date(2022, 12, 1), 7, False), (date(2023, 1, 1), 0, True), (date(2023, 2, 1), 1, False)]
    assert q1(con, "select sum(n_events) from dyad_month_filled")[0] == \
        q1(con, "select sum(n_events) from dyad_month where period_start is not null")[0]


def test_event_clusters_four_article_meeting(con) -> None:
    rows = con.execute("""select event_date, date_precision, num_mentions, num_articles, num_sources, cameo_code
                          from event_clusters where actor1_code = 'TURMIL' and actor2_code = 'SYRMIL'
                          and cameo_root = '04' order by date_precision""").fetchall()
    # representative mention: earliest published article (all equal here), then lowest doc_id
    rep = q1(con, """select cameo_code from events
                     where source_code = 'TURMIL' and target_code = 'SYRMIL'
                       and event_date = date '2022-12-28' and is_factual
                     order by doc_id, sentence_index limit 1""")[0]
    assert rows == [
        (date(2022, 12, 28), "day", 5, 4, 3, rep),
        (date(2022, 12, 1), "month", 1, 1, 1, "040"),
    ]
    undated = con.execute("""select num_mentions, num_articles from event_clusters
                             where event_date is null""").fetchall()
    assert undated == [(1, 1), (1, 1)]
    assert q1(con, "select sum(num_mentions) from event_clusters")[0] == 12
    assert q1(con, "select count(*) - count(distinct cluster_id) from event_clusters")[0] == 0


def test_acled_export(con) -> None:
    cols = [d[0] for d in con.execute("select * from acled_export limit 0").description]
    assert len(cols) == 31 and cols[:4] == ["event_id_cnty", "event_date", "year", "time_precision"]
    assert cols[-3:] == ["fatalities", "tags", "timestamp"]
    rows = con.execute("""select event_type, sub_event_type, disorder_type, inter1, inter2, interaction,
                          fatalities, country, iso, region, time_precision, notes, civilian_targeting
                          from acled_export order by event_date""").fetchall()
    assert rows[0][:11] == ("Battles", "Armed clash", "Political violence", 2, 0, 20, 3, "Syria", 760,
                            "Middle East", 1)
    assert rows[0][11].startswith("Evidence sentence 7")
    assert rows[1][:6] == ("Strategic developments", "Agreement", "Strategic developments", 1, 1, 11)


def test_gdelt_export(con) -> None:
    cols = [d[0] for d in con.execute("select * from gdelt_export limit 0").description]
    assert len(cols) == 61 and cols[0] == "GLOBALEVENTID" and cols[-1] == "SOURCEURL"
    row = con.execute("""select SQLDATE, MonthYear, NumMentions, NumArticles, NumSources, QuadClass,
                         ActionGeo_CountryCode, ActionGeo_Type, typeof(EventCode) from gdelt_export
                         where Actor1Code = 'TURMIL' and Actor2Code = 'SYRMIL' and SQLDATE = 20221228
                         and EventRootCode = '04'""").fetchall()
    assert row == [(20221228, 202212, 5, 4, 3, 1, "RS", 4, "VARCHAR")]  # FIPS RS = Russia
    syr = q1(con, "select ActionGeo_CountryCode, ActionGeo_Type, ActionGeo_FullName from gdelt_export where Actor1Code = 'SYRREB'")
    assert syr == ("SY", 1, "Syria")
    assert q1(con, "select count(*) from gdelt_export where SQLDATE is null")[0] == 0


@pytest.mark.shared
def test_export_columns_match_reference() -> None:
    if not SHARED.exists():
        pytest.skip("../shared not present")
    import csv

    ref = SHARED / "reference"
    with (ref / "gdelt_events_v2_columns.csv").open(encoding="utf-8") as fh:
        gdelt = [r["name"] for r in csv.DictReader(fh)]
    with (ref / "acled_columns.csv").open(encoding="utf-8") as fh:
        acled = [r["name"] for r in csv.DictReader(fh) if r["position"]]
    c = duckdb.connect()
    try:
        warehouse.apply_views(c, SQL_DIR, Path("/nonexistent-dyadflow-warehouse"))
        assert [d[0] for d in c.execute("select * from gdelt_export limit 0").description] == gdelt
        assert [d[0] for d in c.execute("select * from acled_export limit 0").description] == acled
    finally:
        c.close()


def test_moving_the_warehouse_folder_keeps_views_working(wh: Path, tmp_path: Path) -> None:
    before = warehouse.connect(wh, SQL_DIR)
    counts = [q1(before, f"select count(*) from {v}")[0] for v in ("events", "dyad_month", "event_clusters")]
    before.close()
    moved = tmp_path / "moved" / "warehouse"
    moved.parent.mkdir()
    shutil.move(str(wh), moved)
    assert not wh.exists()
    after = warehouse.connect(moved, SQL_DIR)
    try:
        assert [q1(after, f"select count(*) from {v}")[0] for v in ("events", "dyad_month", "event_clusters")] == counts
        assert str(moved) in q1(after, "select sql from duckdb_views() where view_name = 'stg_events'")[0]
    finally:
        after.close()


def test_read_only_connect(wh: Path) -> None:
    warehouse.refresh(wh, SQL_DIR)
    c = warehouse.connect(wh, SQL_DIR, read_only=True)
    try:
        assert q1(c, "select count(*) from events")[0] == 12
        with pytest.raises(duckdb.Error):
            c.execute("create table x (a int)")
    finally:
        c.close()


def test_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        warehouse.render_sql("select * from {{ parquet:nope }}", tmp_path, SCHEMAS)
    assert "where false" in warehouse.render_sql("select * from {{ parquet:rejects }}", tmp_path, SCHEMAS)


def test_articles_and_rejects_views(con) -> None:
    assert q1(con, "select count(*), count(distinct doc_id) from articles") == (6, 6)
    assert q1(con, "select count(*) from rejects")[0] == 0


def test_cli_export_and_dyads(wh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from dyadflow.cli import app

    warehouse.refresh(wh, SQL_DIR)
    runner = CliRunner()
    out = tmp_path / "out" / "dyads.csv"
    res = runner.invoke(app, ["export", "dyad_month", str(out), "--format", "csv", "--warehouse", str(wh)])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("period,level,direction,period_start,actor1,actor2,n_events")
    assert len(lines) == 1 + 5  # Dec both directions, undated, January one-sided, February
    pq_out = tmp_path / "acled.parquet"
    res = runner.invoke(app, ["export", "acled_export", str(pq_out), "--warehouse", str(wh)])
    assert res.exit_code == 0, res.output
    assert pq.read_table(pq_out).num_rows == 2
    res = runner.invoke(app, ["export", "no_such_view", str(out), "--warehouse", str(wh)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["dyads", "--warehouse", str(wh), "--top", "1", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1].startswith("TURMIL,SYRMIL,")
    res = runner.invoke(app, ["dyads", "--warehouse", str(wh), "--country-level", "--undirected",
                              "--since", "2023-01-01", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert [ln.split(",")[:2] for ln in res.output.splitlines()[1:]] == [["SYR", ""], ["SYR", "TUR"]] or \
        sorted(ln.split(",")[:2] for ln in res.output.splitlines()[1:]) == [["SYR", ""], ["SYR", "TUR"]]
