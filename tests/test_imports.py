"""`dyadflow import gdelt|acled`: small files in GDELT 2.0 and ACLED formats written here, mapped to
dyadflow's dyad and period keys in external_events, side by side in compare_dyad_month."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from dyadflow import warehouse
from dyadflow.records import Article, Event, sha256_hex
from dyadflow.settings import Settings
from dyadflow.sources.external import GDELT_COLUMNS, Importer, import_files
from dyadflow.store import ParquetStore, coding_key

REPO = Path(__file__).resolve().parents[1]


def gdelt_line(**cells: str) -> str:
    row = dict.fromkeys(GDELT_COLUMNS, "")
    row.update(cells)
    return "\t".join(row[c] for c in GDELT_COLUMNS)


GDELT_ROWS = [
    gdelt_line(GLOBALEVENTID="1001", SQLDATE="20230310", MonthYear="202303", Year="2023", FractionDate="2023.1890",
               Actor1Code="NORGOV", Actor1Name="NORWAY", Actor1CountryCode="NOR", Actor1Type1Code="GOV",
               Actor2Code="CHL", Actor2Name="CHILE", Actor2CountryCode="CHL", IsRootEvent="1", EventCode="036",
               EventBaseCode="036", EventRootCode="03", QuadClass="1", GoldsteinScale="4.0", NumMentions="6",
               NumSources="2", NumArticles="5", AvgTone="1.5", ActionGeo_Type="4",
               ActionGeo_FullName="Oslo, Oslo, Norway", ActionGeo_CountryCode="NO", ActionGeo_Lat="59.9127",
               ActionGeo_Long="10.7461", DATEADDED="20230310120000", SOURCEURL="https://news.example.org/a"),
    # CAMEO's own country code ROM (ISO ROU) and an actor without a country code
    gdelt_line(GLOBALEVENTID="1002", SQLDATE="20230321", Actor1Code="ROMMIL", Actor1CountryCode="ROM",
               Actor2Code="CHLGOV", EventCode="0871", EventBaseCode="087", EventRootCode="08", QuadClass="2",
               GoldsteinScale="7.0", NumMentions="2", NumSources="1", NumArticles="2",
               SOURCEURL="https://news.example.org/b"),
    gdelt_line(GLOBALEVENTID="1003", SQLDATE="20230402", Actor1Code="CHL", Actor1CountryCode="CHL",
               Actor2Code="NORGOV", Actor2CountryCode="NOR", EventCode="111", EventRootCode="11", QuadClass="3",
               GoldsteinScale="-2.0", NumMentions="1", NumSources="1", NumArticles="1"),
]


def write_gdelt(path: Path, lines: list[str], zipped: bool = False) -> Path:
    text = "\n".join(lines) + "\n"
    if zipped:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(path.name.removesuffix(".zip"), text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


ACLED_HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                "fatalities", "tags", "timestamp"]


def acled_rows() -> list[dict[str, str]]:
    base = {"year": "2023", "time_precision": "1", "region": "Eastern Africa", "country": "Kenya", "iso": "404",
            "admin1": "Nairobi", "location": "Nairobi", "latitude": "-1.2864", "longitude": "36.8172",
            "geo_precision": "1", "source": "Daily Example", "source_scale": "National", "fatalities": "0",
            "timestamp": "1679000000"}
    return [
        {**base, "event_id_cnty": "KEN101", "event_date": "2023-03-20", "disorder_type": "Demonstrations",
         "event_type": "Protests", "sub_event_type": "Excessive force against protesters",
         "actor1": "Police Forces of Kenya (2022-)", "inter1": "1", "actor2": "Protesters (Kenya)", "inter2": "6",
         "interaction": "16", "notes": "Police dispersed a march,\nfiring tear gas.", "fatalities": "1"},
        # text inter labels (the current default export) and the older date format
        {**base, "event_id_cnty": "KEN102", "event_date": "28 March 2023", "disorder_type": "Political violence",
         "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "Al Shabaab",
         "inter1": "Rebel group", "actor2": "Military Forces of Kenya (2022-)", "inter2": "State forces",
         "interaction": "State forces-Rebel group", "admin1": "Lamu", "location": "Lamu", "fatalities": "4"},
        {**base, "event_id_cnty": "UKR201", "event_date": "2023-03-05", "country": "Ukraine", "iso": "804",
         "region": "Europe", "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "actor1": "Military Forces of Russia (2000-)",
         "inter1": "8", "actor2": "Civilians (Ukraine)", "inter2": "7", "interaction": "78", "time_precision": "3",
         "fatalities": "2"},
        {**base, "event_id_cnty": "KEN103", "event_date": "not a date", "actor1": "Rioters (Kenya)", "inter1": "5"},
    ]


def write_acled(path: Path, rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ACLED_HEADER, restval="", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def importer() -> Importer:
    return Importer.from_seeds(REPO / "seeds", REPO / "schemas", "import-test")


def test_gdelt_plain_and_zipped_files_map_to_dyad_keys(tmp_path: Path, importer: Importer) -> None:
    plain = write_gdelt(tmp_path / "20230310.export.CSV", GDELT_ROWS[:2] + ["1004\t20230311\ttoo few"])
    zipped = write_gdelt(tmp_path / "20230402.export.CSV.zip", [GDELT_ROWS[2]], zipped=True)
    events, rejects = importer.read("gdelt", [plain, zipped])
    by_id = {e.native_id: e for e in events}
    assert set(by_id) == {"1001", "1002", "1003"}
    e = by_id["1001"]
    assert (e.actor1_code, e.actor1_country, e.actor2_code, e.actor2_country) == ("NORGOV", "NOR", "CHL", "CHL")
    assert (e.cameo_code, e.cameo_root, e.quad_class, e.goldstein) == ("036", "03", 1, 4.0)
    assert e.event_date == date(2023, 3, 10) and e.date_precision == "day" and e.location_country == "NOR"
    assert (e.file, e.line) == (str(plain), 1) and e.source_system == "gdelt" and e.external_id == "gdelt:1001"
    assert by_id["1002"].actor1_country == "ROU" and by_id["1002"].actor2_country == "CHL"  # ROM; CHLGOV
    assert by_id["1002"].cameo_code == "0871"
    assert by_id["1003"].file == f"{zipped}!20230402.export.CSV" and by_id["1003"].line == 1
    [bad] = rejects
    assert bad.path == str(plain) and bad.line == 3 and "61 tab-separated" in bad.reason


def test_acled_actors_map_through_country_and_inter_codes(tmp_path: Path, importer: Importer) -> None:
    path = write_acled(tmp_path / "acled.csv", acled_rows())
    events, rejects = importer.read("acled", [path])
    by_id = {e.native_id: e for e in events}
    police = by_id["KEN101"]
    assert (police.actor1_code, police.actor1_country, police.actor1_inter) == ("KENCOP", "KEN", 1)
    assert (police.actor2_code, police.actor2_country, police.actor2_inter) == ("KENCVL", "KEN", 6)
    assert police.interaction == 16 and police.fatalities == 1 and police.line == 2
    clash = by_id["KEN102"]  # text labels, older date format, a group without a country in its name
    assert clash.event_date == date(2023, 3, 28) and clash.line == 4  # the notes of line 2 span two lines
    assert (clash.actor1_code, clash.actor1_inter, clash.actor2_code) == ("KENREB", 2, "KENMIL")
    assert clash.interaction == 12
    shelling = by_id["UKR201"]  # a foreign state's forces: their own country, not the event's
    assert (shelling.actor1_country, shelling.actor2_country, shelling.location_country) == ("RUS", "UKR", "UKR")
    assert shelling.date_precision == "month"
    [bad] = rejects
    assert bad.path == str(path) and bad.line == 6 and "event_date" in bad.reason


def test_not_an_acled_file_and_missing_file_are_rejects(tmp_path: Path, importer: Importer) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    events, rejects = importer.read("acled", [other, tmp_path / "missing.csv"])
    assert events == []
    assert "not an ACLED export" in rejects[0].reason and "cannot read acled file" in rejects[1].reason


def _dyadflow_event(store: ParquetStore) -> None:
    """One coded dyadflow event NOR -> CHL in March 2023 (no parser needed)."""
    art = Article(doc_id=sha256_hex("x")[:32], path="x.txt", text="text", content_hash="h",
                  ingested_at=datetime(2023, 3, 11, tzinfo=UTC), published=date(2023, 3, 10))
    ev = Event(doc_id=art.doc_id, sentence_index=0, sentence="s", char_start=0, char_end=1, source_text="Norway",
               source_code="NORGOV", source_country="NOR", source_role="GOV", target_text="Chile", target_code="CHL",
               target_country="CHL", target_role=None, cameo_code="036", cameo_root="03", cameo_label=None,
               quad_class=1, goldstein=4.0, rule_id="t", confidence=1.0, coder_version="c", dictionary_version="d",
               event_date=date(2023, 3, 9), date_precision="day", run_id="r")
    store.write_articles([art])
    store.write_events([ev], {art.doc_id})
    store.commit_codings([dict(doc_id=art.doc_id, content_hash="h", coding_key=coding_key("c", "d"),
                               coder_version="c", dictionary_version="d", n_events=1, run_id="r",
                               coded_at=datetime(2023, 3, 11, tzinfo=UTC))])


def test_import_into_warehouse_and_compare_side_by_side(tmp_path: Path) -> None:
    settings = Settings(warehouse_dir=tmp_path / "wh")
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    _dyadflow_event(store)
    g = import_files("gdelt", [write_gdelt(tmp_path / "g.CSV", GDELT_ROWS)], settings)
    rows = acled_rows()
    a = import_files("acled", [write_acled(tmp_path / "a.csv", rows)], settings)
    assert (g.n_events, a.n_events, len(a.rejects)) == (3, 3, 1)
    rows[0]["fatalities"] = "3"  # ACLED revised an event: importing again replaces it
    import_files("acled", [write_acled(tmp_path / "a2.csv", rows)], settings)
    con = warehouse.connect(settings.data_dir, settings.sql_dir)
    try:
        ext = con.execute("select source_system, count(*) from external_events group by 1 order by 1").fetchall()
        assert ext == [("acled", 3), ("gdelt", 3)]
        prov = con.execute("select file, line, fatalities from external_events where external_id = 'acled:KEN101'")
        assert prov.fetchall() == [(str(tmp_path / "a2.csv"), 2, 3)]
        cmp = con.execute("""select month, country1, country2, n_dyadflow, n_gdelt, n_acled, acled_fatalities
                             from compare_dyad_month order by all""").fetchall()
        rejected = con.execute("select path, line from rejects where reason like '%event_date%' order by 1").fetchall()
        assert rejected == [(str(tmp_path / "a.csv"), 6), (str(tmp_path / "a2.csv"), 6)]
    finally:
        con.close()
    mar, apr = date(2023, 3, 1), date(2023, 4, 1)
    assert (mar, "CHL", "NOR", 1, 1, 0, 0) in cmp  # the same dyad in dyadflow and GDELT, undirected
    assert (mar, "CHL", "ROU", 0, 1, 0, 0) in cmp
    assert (apr, "CHL", "NOR", 0, 1, 0, 0) in cmp
    assert (mar, "KEN", "KEN", 0, 0, 2, 7) in cmp  # police vs protesters, army vs rebels (revised: 3 + 4)
    assert (mar, "RUS", "UKR", 0, 0, 1, 2) in cmp


def test_reference_column_lists_match(shared_dir: Path) -> None:
    with (shared_dir / "reference" / "gdelt_events_v2_columns.csv").open(encoding="utf-8") as fh:
        names = [r["name"] for r in sorted(csv.DictReader(fh), key=lambda r: int(r["position"]))]
    assert tuple(names) == GDELT_COLUMNS
    with (shared_dir / "reference" / "acled_columns.csv").open(encoding="utf-8") as fh:
        current = [r["name"] for r in csv.DictReader(fh) if r["position"]]
    assert current == ACLED_HEADER


def test_external_events_schema_matches_the_parquet(tmp_path: Path) -> None:
    settings = Settings(warehouse_dir=tmp_path / "wh")
    import_files("gdelt", [write_gdelt(tmp_path / "g.CSV", GDELT_ROWS[:1])], settings)
    [part] = (settings.data_dir / "external").glob("part-*.parquet")
    con = duckdb.connect()
    cols = [r[0] for r in con.execute(f"describe select * from read_parquet('{part}')").fetchall()]
    from dyadflow.tableschema import table_schema

    assert cols == table_schema(settings.schemas_dir, "external_events").names
