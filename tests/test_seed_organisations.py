"""Checks on the named-actor seed tables together: actors, organisations and officeholders.

Each table validates against its schema, an actor_id lives in one table only, periods are ordered,
every country exists in seeds/countries.csv and no surface form names two different codes on the
same day (unless both rows' notes say "shared alias").
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from dyadflow.lexicon.loader import NAMED_ACTOR_TABLES, ActorRow, load_lexicon, named_actor_rows
from dyadflow.lexicon.model import Lexicon, fold
from dyadflow.seeds import read_seed_table
from dyadflow.tableschema import SchemaError

REPO = Path(__file__).resolve().parents[1]
SEEDS, SCHEMAS = REPO / "seeds", REPO / "schemas"
SHARED = REPO.parent / "shared"
ROLES = {"GOV", "MIL", "SPY", "REB", "INS", "OPP", "LEG", "UAF", "COP", "JUD", "SEP", "HRI", "CVL", "CRM", "MED", "REF",
         "HLH", "LAB", "EDU", "BUS", "AGR"}  # CAMEO primary and secondary roles
NON_STATE_PREFIXES = {"IGO", "NGO", "IMG", "NGM", "KUR"}


@pytest.fixture(scope="module")
def rows() -> list[ActorRow]:
    return named_actor_rows(SEEDS, SCHEMAS)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(SEEDS, SCHEMAS)


@pytest.fixture(scope="module")
def country_codes() -> set[str]:
    return {r["code"] for r in read_seed_table(SEEDS, SCHEMAS, "countries")}


def _tables(rows: list[ActorRow]) -> dict[str, list[ActorRow]]:
    out: dict[str, list[ActorRow]] = defaultdict(list)
    for r in rows:
        out[r.table].append(r)
    return out


def test_every_table_validates_and_is_loaded(rows: list[ActorRow]) -> None:
    by_table = _tables(rows)
    assert set(by_table) == set(NAMED_ACTOR_TABLES)
    assert len(by_table["organisations"]) > 400
    assert len(by_table["officeholders"]) > 100
    assert all(r.actor.kind == "person" for r in by_table["officeholders"])
    assert all(r.actor.kind != "person" for r in by_table["organisations"])


def test_actor_id_belongs_to_one_table(rows: list[ActorRow]) -> None:
    owner: dict[str, str] = {}
    for r in rows:
        assert owner.setdefault(r.actor.actor_id, r.table) == r.table, r.actor.actor_id


def test_periods_are_ordered_and_do_not_overlap(rows: list[ActorRow]) -> None:
    by_id: dict[str, list[ActorRow]] = defaultdict(list)
    for r in rows:
        a = r.actor
        if r.table != "actors":  # actors.csv has its own checks in test_seed_actors.py
            assert a.valid_from is not None, a.actor_id
        if a.valid_from is not None and a.valid_to is not None:
            assert a.valid_from <= a.valid_to, a.actor_id
        by_id[a.actor_id].append(r)
    for actor_id, entries in by_id.items():
        periods = sorted((r.actor.valid_from or date.min, r.actor.valid_to or date.max) for r in entries)
        for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
            assert end <= start, f"{actor_id}: overlapping periods at {start}"


def test_countries_roles_and_code_prefixes(rows: list[ActorRow], country_codes: set[str]) -> None:
    for r in rows:
        if r.table == "actors":
            continue
        a = r.actor
        assert a.country is None or a.country in country_codes, (r.table, r.line, a.country)
        assert a.role is None or a.role in ROLES, (r.table, r.line, a.role)
        prefix = a.code[:3]
        assert prefix in country_codes or prefix in NON_STATE_PREFIXES, (r.table, r.line, a.code)
        if prefix in country_codes and prefix != "KUR" and a.kind == "person":
            assert a.country == prefix and a.role == a.code[3:6], (r.table, r.line, a.code)


def test_no_surface_form_names_two_codes_on_one_day(rows: list[ActorRow]) -> None:
    forms: dict[str, list[ActorRow]] = defaultdict(list)
    for r in rows:
        for form in {fold(f) for f in (r.actor.name, *r.actor.aliases)}:
            forms[form].append(r)
    clashes = []
    for form, entries in forms.items():
        for i, x in enumerate(entries):
            for y in entries[i + 1 :]:
                a, b = x.actor, y.actor
                if a.code == b.code:
                    continue
                start = max(a.valid_from or date.min, b.valid_from or date.min)
                end = min(a.valid_to or date.max, b.valid_to or date.max)
                if end <= start:
                    continue
                if all("shared alias" in (r.note or "") for r in (x, y)):
                    continue
                clashes.append((form, f"{x.table}:{x.line}", a.code, f"{y.table}:{y.line}", b.code))
    assert not clashes, clashes[:20]


def test_no_surface_form_is_shared_across_tables(rows: list[ActorRow]) -> None:
    """One referent lives in one table: a name or alias never belongs to two actor_ids of two tables."""
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        for form in {fold(f) for f in (r.actor.name, *r.actor.aliases)}:
            owners[form].add((r.table, r.actor.actor_id))
    shared = {f: o for f, o in owners.items() if len({t for t, _ in o}) > 1 and len({a for _, a in o}) > 1}
    assert not shared, sorted(shared.items())[:10]


def test_officeholders_do_not_repeat_people_of_actors_csv(rows: list[ActorRow]) -> None:
    tables = _tables(rows)
    known = {fold(r.actor.name) for r in tables["actors"] if r.actor.kind == "person"}
    repeated = [r.actor.name for r in tables["officeholders"] if fold(r.actor.name) in known]
    assert not repeated, repeated[:20]


@pytest.mark.parametrize(
    ("actor_id", "day", "code"),
    [
        ("un_executive_office_sg", date(2022, 5, 1), "IGOUNO"),
        ("monusco", date(2022, 5, 1), "IGOUNOPKO"),
        ("monusco", date(2005, 5, 1), None),
        ("monuc", date(2005, 5, 1), "IGOUNOPKO"),
        ("amisom", date(2015, 1, 1), "IGOAFROAUPKO"),
        ("atmis", date(2023, 1, 1), "IGOAFROAUPKO"),
        ("kfor", date(2023, 1, 1), "IGOWSTNAT"),
        ("isaf", date(2010, 1, 1), "IGOWSTNAT"),
        ("isaf", date(2016, 1, 1), None),
        ("tplf", date(2010, 1, 1), "ETHGOV"),
        ("tplf", date(2021, 6, 1), "ETHREB"),
        ("haqqani_network", date(2019, 1, 1), "AFGINSTAL"),
        ("haqqani_network", date(2022, 1, 1), "AFGGOVTAL"),
        ("jnim", date(2023, 1, 1), "MLIREB"),
        ("muslim_brotherhood_egypt", date(2013, 1, 1), "EGYGOV"),
        ("muslim_brotherhood_egypt", date(2014, 1, 1), "EGYOPP"),
    ],
)
def test_dated_codes(lexicon: Lexicon, actor_id: str, day: date, code: str | None) -> None:
    entry = lexicon.actor_on(actor_id, day)
    assert (entry.code if entry else None) == code


def _copy_seeds(tmp_path: Path) -> Path:
    out = tmp_path / "seeds"
    out.mkdir()
    for name in ("countries", "actors", "organisations", "officeholders", "agents", "cameo_event_codes"):
        shutil.copy(SEEDS / f"{name}.csv", out / f"{name}.csv")
    return out


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow([row.get(c, "") for c in header])


BAD_ROWS = [
    ("organisations", {"actor_id": "Bad Id", "name": "X", "code": "IGO", "kind": "igo", "valid_from": "2001-01-01"}),
    ("organisations", {"actor_id": "x_org", "name": "X", "code": "igo1", "kind": "igo", "valid_from": "2001-01-01"}),
    ("organisations", {"actor_id": "x_org", "name": "X", "code": "IGO", "kind": "person", "valid_from": "2001-01-01"}),
    ("organisations", {"actor_id": "x_org", "name": "X", "code": "IGO", "kind": "igo", "valid_from": "2001-13-01"}),
    ("officeholders", {"actor_id": "x_person", "name": "X", "code": "USAGOV", "kind": "igo",
                       "title": "President", "valid_from": "2001-01-01"}),
    ("officeholders", {"actor_id": "x_person", "name": "X", "code": "USAGOV", "kind": "person",
                       "valid_from": "2001-01-01"}),
    ("organisations", {"actor_id": "x_org", "name": "X", "code": "IGO", "kind": "igo", "valid_from": "2001-01-01",
                       "valid_to": "2000-01-01"}),
    ("organisations", {"actor_id": "nato", "name": "NATO", "code": "IGOWSTNAT", "kind": "igo",
                       "valid_from": "1949-04-04"}),
]


@pytest.mark.parametrize(("table", "row"), BAD_ROWS)
def test_a_bad_row_fails_seed_validation(tmp_path: Path, table: str, row: dict[str, str]) -> None:
    seeds = _copy_seeds(tmp_path)
    named_actor_rows(seeds, SCHEMAS)  # the copy is valid
    _append(seeds / f"{table}.csv", row)
    with pytest.raises(SchemaError, match=table):
        named_actor_rows(seeds, SCHEMAS)


@pytest.mark.shared
def test_codes_are_built_from_cameo_reference_chunks(rows: list[ActorRow]) -> None:
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    ref = SHARED / "reference"
    with (ref / "country_codes.csv").open(encoding="utf-8", newline="") as fh:
        chunks = {r["code"] for r in csv.DictReader(fh)}
    with (ref / "cameo_actor_codes.csv").open(encoding="utf-8", newline="") as fh:
        chunks |= {r["code"].upper() for r in csv.DictReader(fh)}
    for r in rows:
        if r.table == "actors":
            continue
        code = r.actor.code
        assert len(code) % 3 == 0, (r.table, r.line, code)
        assert all(code[i : i + 3] in chunks for i in range(0, len(code), 3)), (r.table, r.line, code)
