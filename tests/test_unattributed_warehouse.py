"""Unattributed events (no named perpetrator: source_code NULL) through Parquet and the views: they are
events like any other (counted in events_dyadic and the dyad periods, which reconcile with `events`),
their dyad has no actor1, and acled_export writes ACLED's "Unidentified Armed Group (Country)"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.test_warehouse_fatalities import CODER, DICT, SCHEMAS, SQL_DIR

from dyadflow import warehouse
from dyadflow.records import Article, Event, sha256_hex
from dyadflow.store import ParquetStore, coding_key


def _event(doc: str, i: int, **kw: object) -> Event:
    base = dict(
        doc_id=doc, sentence_index=i, sentence=f"Sentence {i}.", char_start=0, char_end=9,
        source_text=None, source_code=None, source_country=None, source_role=None,
        target_text="villagers", target_code="SYVCVL", target_country="SYV", target_role="CVL",
        cameo_code="190", cameo_root="19", cameo_label=None, quad_class=4, goldstein=-10.0,
        rule_id="190.kill.unattributed", confidence=0.4, coder_version=CODER, dictionary_version=DICT,
        event_date=date(2023, 1, 5), date_precision="day", date_source="explicit", location_name="Tarn",
        location_country="SYR", latitude=34.7, longitude=36.7, geo_precision=1, acled_event_type="Violence against civilians",
        acled_sub_event_type="Attack", run_id="run-1",
    )
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("wh")
    art = Article(doc_id=sha256_hex("u")[:32], path="u.txt", text="text", content_hash=sha256_hex("u")[:32],
                  ingested_at=datetime(2023, 1, 2, tzinfo=UTC), source="Outlet One", published=date(2023, 1, 6))
    d = art.doc_id
    events = [
        _event(d, 0),  # unattributed violence against civilians
        _event(d, 1, cameo_code="173", cameo_root="17", acled_event_type="Strategic developments",
               acled_sub_event_type="Arrests", location_name="Homs", rule_id="173.arrest.unattributed"),
        _event(d, 2, source_text="Sylvanian troops", source_code="SYVMIL", source_country="SYV", source_role="MIL",
               location_name="Hama", rule_id="190.attack", acled_event_type="Battles", acled_sub_event_type="Armed clash"),
    ]
    store = ParquetStore(tmp / "wh", SCHEMAS)
    store.init()
    store.write_articles([art])
    store.write_events(events, {d})
    store.commit_codings([dict(doc_id=d, content_hash=d, coding_key=coding_key(CODER, DICT), coder_version=CODER,
                               dictionary_version=DICT, n_events=3, run_id="run-1",
                               coded_at=datetime(2023, 1, 3, tzinfo=UTC))])
    connection = warehouse.connect(tmp / "wh", SQL_DIR)
    yield connection
    connection.close()


def test_views_keep_unattributed_events(con) -> None:
    assert con.execute("select count(*) from events where source_code is null").fetchone() == (2,)
    assert con.execute("select count(*) from events_dyadic").fetchone() == (3,)
    assert con.execute("select sum(n_events) from dyad_month").fetchone() == (3,)


def test_acled_export_names_the_unidentified_actor(con) -> None:
    rows = dict(con.execute("select notes, actor1 from acled_export").fetchall())
    assert rows["Sentence 0."] == "Unidentified Armed Group (Syria)"  # political violence
    assert rows["Sentence 1."] == "Unidentified Actor (Syria)"  # an arrest: strategic development
    assert rows["Sentence 2."] == "Sylvanian troops"
