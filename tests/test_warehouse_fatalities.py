"""Fatalities and PLOVER through Parquet and the views: the events contract (schemas/events.json)
round-trips, the views carry fatalities_text / plover_event_type / plover_mode, and acled_export
writes ACLED's convention for an unknown count (0, flagged in tags) while a reported 0 stays 0."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dyadflow import warehouse
from dyadflow.records import Article, Event, sha256_hex
from dyadflow.store import ParquetStore, coding_key, to_table
from dyadflow.tableschema import table_schema

REPO = Path(__file__).resolve().parents[1]
SQL_DIR = REPO / "warehouse"
SCHEMAS = REPO / "schemas"
CODER, DICT = "coder-t", "dict-t"
NEW_COLUMNS = ("fatalities_text", "plover_event_type", "plover_mode")


def _article(name: str) -> Article:
    doc = sha256_hex(name)[:32]
    return Article(doc_id=doc, path=f"{name}.txt", text=f"text of {name}", content_hash=doc,
                   ingested_at=datetime(2023, 1, 2, tzinfo=UTC), source="Outlet One", published=date(2023, 1, 6))


def _event(doc: str, i: int, code: str, **kw: object) -> Event:
    base = dict(
        doc_id=doc, sentence_index=i, sentence=f"Evidence sentence {i}.", char_start=i * 10, char_end=i * 10 + 9,
        source_text="Rebels", source_code="SYRREB", source_country="SYR", source_role="REB",
        target_text="Soldiers", target_code="SYRMIL", target_country="SYR", target_role="MIL",
        cameo_code=code, cameo_root=code[:2], cameo_label=None, quad_class=4, goldstein=-10.0, rule_id="t",
        confidence=0.9, coder_version=CODER, dictionary_version=DICT, event_date=date(2023, 1, 5),
        date_precision="day", date_source="explicit", location_name="Homs", location_country="SYR",
        latitude=34.7, longitude=36.7, geo_precision=1, acled_event_type="Battles",
        acled_sub_event_type="Armed clash", interaction=12, plover_event_type="ASSAULT", run_id="run-1",
    )
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("wh")
    arts = [_article("a"), _article("b"), _article("c")]
    a, b, c = (x.doc_id for x in arts)
    events = [
        # a count with its span
        _event(a, 0, "195", fatalities=11, fatalities_text="killing eleven soldiers", plover_mode="heavy-weapons"),
        # unknown: NULL, in another place so that it is its own cluster
        _event(b, 1, "190", location_name="Idlib", latitude=35.9, longitude=36.6),
        # the text says no one died: 0
        _event(c, 2, "183", fatalities=0, fatalities_text="No casualties", location_name="Aleppo",
               latitude=36.2, longitude=37.2, acled_event_type="Explosions/Remote violence",
               acled_sub_event_type="Remote explosive/landmine/IED"),
    ]
    store = ParquetStore(tmp_path / "wh", SCHEMAS)
    store.init()
    store.write_articles(arts)
    store.write_events(events, {a, b, c})
    store.commit_codings([
        dict(doc_id=d, content_hash=d, coding_key=coding_key(CODER, DICT), coder_version=CODER,
             dictionary_version=DICT, n_events=1, run_id="run-1", coded_at=datetime(2023, 1, 3, tzinfo=UTC))
        for d in (a, b, c)
    ])
    connection = warehouse.connect(tmp_path / "wh", SQL_DIR)
    yield connection
    connection.close()


def test_event_record_parquet_and_contract_agree(tmp_path: Path) -> None:
    schema = table_schema(SCHEMAS, "events")
    fields = [f.name for f in dataclasses.fields(Event) if f.name != "extras"] + ["event_id"]
    assert sorted(fields) == sorted(schema.names)
    ev = _event("d" * 32, 0, "195", fatalities=3, fatalities_text="three soldiers died", plover_mode="heavy-weapons")
    table = to_table([ev.to_row()], schema)
    assert table.schema.equals(schema.arrow_schema())
    store = ParquetStore(tmp_path, SCHEMAS)
    store.init()
    store.write_events([ev], {ev.doc_id})
    row = pq.read_table(next((tmp_path / "events").rglob("*.parquet"))).to_pylist()[0]
    assert (row["fatalities"], row["fatalities_text"], row["plover_event_type"], row["plover_mode"]) == (
        3, "three soldiers died", "ASSAULT", "heavy-weapons")
    assert row["cameo_code"] == "195" and row["cameo_root"] == "19"


def test_contract_rejects_unknown_plover_type(tmp_path: Path) -> None:
    from dyadflow.tableschema import SchemaError

    with pytest.raises(SchemaError, match="plover_event_type"):
        to_table([_event("d" * 32, 0, "195", plover_event_type="FIGHT").to_row()], table_schema(SCHEMAS, "events"))


@pytest.mark.parametrize("view", ["events", "events_dyadic", "event_clusters"])
def test_views_carry_the_new_columns(con, view: str) -> None:
    cols = [d[0] for d in con.execute(f"select * from {view} limit 0").description]
    assert set(NEW_COLUMNS) <= set(cols), view
    rows = con.execute(f"""select fatalities, fatalities_text, plover_event_type, plover_mode, typeof(cameo_code)
                           from {view} order by fatalities nulls first""").fetchall()
    assert rows == [(None, None, "ASSAULT", None, "VARCHAR"), (0, "No casualties", "ASSAULT", None, "VARCHAR"),
                    (11, "killing eleven soldiers", "ASSAULT", "heavy-weapons", "VARCHAR")]


def test_dyad_aggregates_sum_known_fatalities(con) -> None:
    assert con.execute("select sum(fatalities), sum(n_events) from dyad_month").fetchone() == (11, 3)


def test_acled_export_writes_acled_convention_for_unknown(con) -> None:
    rows = con.execute("select notes, fatalities, tags from acled_export order by notes").fetchall()
    by_note = {r[0]: r[1:] for r in rows}
    known, unknown, zero = (by_note[f"Evidence sentence {i}."] for i in range(3))
    assert known[0] == 11 and "fatalities=unknown" not in known[1]
    assert unknown[0] == 0 and "fatalities=unknown" in unknown[1]  # ACLED: no information = 0
    assert zero[0] == 0 and "fatalities=unknown" not in zero[1]  # a reported 0 is not unknown
    assert all("plover=ASSAULT" in r[2] for r in rows)


def test_gdelt_export_is_unaffected(con) -> None:
    cols = [d[0] for d in con.execute("select * from gdelt_export limit 0").description]
    assert len(cols) == 61 and not set(NEW_COLUMNS) & set(cols)


def test_event_files_written_before_the_new_columns_still_read(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path, SCHEMAS)
    store.init()
    ev = _event("d" * 32, 0, "190", fatalities=2)
    store.write_events([ev], {ev.doc_id})
    f = next((tmp_path / "events").rglob("*.parquet"))
    pq.write_table(pq.read_table(f).drop_columns(list(NEW_COLUMNS)), f)  # an older writer's file
    con = warehouse.connect(tmp_path, SQL_DIR)
    try:
        got = con.execute("select fatalities, fatalities_text, plover_event_type from stg_events").fetchall()
    finally:
        con.close()
    assert got == [(2, None, None)]
