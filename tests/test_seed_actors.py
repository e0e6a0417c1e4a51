"""Checks on the actor dictionaries: seeds/countries.csv and seeds/actors.csv.

Period convention: valid_from is the first day in office, valid_to the first day no longer in
it (the successor's first day); a blank valid_to means still in office. Periods are half-open, so
one office may end on the day the next one starts.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dyadflow.seeds import read_seed_table, split_list

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
ROLES = {"GOV", "MIL", "SPY", "REB", "INS", "OPP", "LEG", "UAF", "COP", "JUD", "SEP", "HRI", "CVL"}
INTERNATIONAL_PREFIXES = {"IGO", "NGO", "IMG", "NGM", "INT", "KUR"}


@pytest.fixture(scope="module")
def countries() -> list[dict[str, Any]]:
    return read_seed_table(REPO / "seeds", REPO / "schemas", "countries")


@pytest.fixture(scope="module")
def actors() -> list[dict[str, Any]]:
    return read_seed_table(REPO / "seeds", REPO / "schemas", "actors")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("İ", "I"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _valid_on(row: dict[str, Any], day: date) -> bool:
    start, end = row["valid_from"], row["valid_to"]
    return (start is None or start <= day) and (end is None or day < end)


def _code_on(actors: list[dict[str, Any]], actor_id: str, day: date) -> str | None:
    hits = [r["code"] for r in actors if r["actor_id"] == actor_id and _valid_on(r, day)]
    assert len(hits) <= 1, f"{actor_id} has {len(hits)} codes on {day}"
    return hits[0] if hits else None


def test_both_seeds_validate(countries: list[dict[str, Any]], actors: list[dict[str, Any]]) -> None:
    assert len(countries) > 200
    assert len(actors) > 500
    assert isinstance(actors[0]["valid_from"], date)


def test_every_country_has_iso3_and_unique_code(countries: list[dict[str, Any]]) -> None:
    assert all(c["iso3"] for c in countries)
    assert len({c["code"] for c in countries}) == len(countries)
    assert len({c["iso3"] for c in countries}) == len(countries)


def test_country_surface_forms(countries: list[dict[str, Any]]) -> None:
    by_code = {c["code"]: c for c in countries}
    tur = by_code["TUR"]
    assert {"Türkiye", "Turkiye"} <= set(split_list(tur["aliases"]))
    assert "Turkish" in split_list(tur["demonyms"])
    assert "Ankara" in split_list(tur["capitals"])
    assert {"US", "U.S.", "USA", "America"} <= set(split_list(by_code["USA"]["aliases"]))
    assert {"UK", "Britain", "Great Britain"} <= set(split_list(by_code["GBR"]["aliases"]))
    assert "DPRK" in split_list(by_code["PRK"]["aliases"])
    assert {"Kyiv", "Kiev"} <= set(split_list(by_code["UKR"]["capitals"]))
    assert "Emirati" in split_list(by_code["ARE"]["demonyms"])
    assert "Palestinian" in split_list(by_code["PSE"]["demonyms"])
    assert {"KSV", "TWN"} <= set(by_code)
    assert "KUR" not in by_code  # Kurds are an ethnic code, not a country
    all_aliases = {_fold(a) for c in countries for a in split_list(c["aliases"])}
    assert "the islamic republic" not in all_aliases


def test_no_surface_form_names_two_countries(countries: list[dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for c in countries:
        forms = {c["name"], *split_list(c["aliases"]), *split_list(c["demonyms"]), *split_list(c["capitals"])}
        for form in {_fold(f) for f in forms}:
            assert owner.setdefault(form, c["code"]) == c["code"], f"{form!r}: {owner[form]} and {c['code']}"


@pytest.mark.parametrize(
    ("actor_id", "day", "code"),
    [
        ("recep_tayyip_erdogan", date(2023, 1, 12), "TURGOV"),
        ("recep_tayyip_erdogan", date(2012, 6, 1), "TURGOV"),
        ("hulusi_akar", date(2022, 12, 28), "TURMIL"),
        ("hulusi_akar", date(2016, 3, 1), "TURMIL"),
        ("hulusi_akar", date(2024, 1, 1), None),
        ("hakan_fidan", date(2022, 6, 1), "TURSPY"),
        ("hakan_fidan", date(2024, 6, 1), "TURGOV"),
        ("ibrahim_kalin", date(2022, 6, 1), "TURGOV"),
        ("ibrahim_kalin", date(2024, 6, 1), "TURSPY"),
        ("mevlut_cavusoglu", date(2015, 10, 1), None),
        ("mevlut_cavusoglu", date(2022, 12, 28), "TURGOV"),
        ("bashar_al_assad", date(2022, 12, 28), "SYRGOV"),
        ("bashar_al_assad", date(2025, 2, 1), None),
        ("ali_mamlouk", date(2022, 12, 28), "SYRSPY"),
        ("ali_mahmoud_abbas", date(2022, 12, 28), "SYRMIL"),
        ("ahmed_al_sharaa", date(2023, 6, 1), "SYRREB"),
        ("ahmed_al_sharaa", date(2025, 6, 1), "SYRGOV"),
        ("sergei_shoigu", date(2022, 12, 28), "RUSMIL"),
        ("sergei_shoigu", date(2025, 1, 1), "RUSGOV"),
        ("andrei_belousov", date(2025, 1, 1), "RUSMIL"),
        ("maria_zakharova", date(2022, 1, 1), "RUSGOV"),
        ("mike_pompeo", date(2017, 6, 1), "USASPY"),
        ("mike_pompeo", date(2019, 6, 1), "USAGOV"),
        ("donald_trump", date(2022, 1, 1), None),
        ("donald_trump", date(2025, 6, 1), "USAGOV"),
        ("ned_price", date(2022, 1, 1), "USAGOV"),
        ("mohammad_reza_gharaei_ashtiani", date(2022, 12, 28), "IRNMIL"),
        ("ali_asghar_khaji", date(2022, 12, 28), "IRNGOV"),
        ("taliban", date(2020, 1, 1), "AFGINSTAL"),
        ("taliban", date(2022, 1, 1), "AFGGOVTAL"),
        ("pkk", date(2022, 12, 28), "KURREB"),
        ("ypg", date(2022, 12, 28), "KURREB"),
        ("nato", date(2022, 12, 28), "IGOWSTNAT"),
    ],
)
def test_dated_codes(actors: list[dict[str, Any]], actor_id: str, day: date, code: str | None) -> None:
    assert _code_on(actors, actor_id, day) == code


def test_periods_are_ordered_and_do_not_overlap(actors: list[dict[str, Any]]) -> None:
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in actors:
        assert r["valid_from"] is not None, r["actor_id"]
        if r["valid_to"] is not None:
            assert r["valid_from"] < r["valid_to"], r["actor_id"]
        by_id[r["actor_id"]].append(r)
    for actor_id, rows in by_id.items():
        rows.sort(key=lambda r: r["valid_from"])
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert earlier["valid_to"] is not None, f"{actor_id}: open period before {later['valid_from']}"
            assert earlier["valid_to"] <= later["valid_from"], f"{actor_id}: overlap at {later['valid_from']}"
        assert len({(r["name"], r["aliases"], r["kind"]) for r in rows}) == 1, f"{actor_id}: rows disagree"


def test_no_alias_shared_by_concurrent_actors(actors: list[dict[str, Any]]) -> None:
    """Two different actors valid on the same day never share a surface form, unless a note says so."""
    forms: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in actors:
        for form in {_fold(f) for f in (r["name"], *split_list(r["aliases"]))}:
            forms[form].append(r)
    clashes = []
    for form, rows in forms.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a["actor_id"] == b["actor_id"]:
                    continue
                start = max(a["valid_from"], b["valid_from"])
                ends = [e for e in (a["valid_to"], b["valid_to"]) if e is not None]
                if ends and min(ends) <= start:
                    continue
                documented = all("shared alias" in (r["note"] or "") for r in (a, b))
                if not documented:
                    clashes.append((form, a["actor_id"], b["actor_id"]))
    assert not clashes, clashes[:20]


def test_countries_roles_and_codes_are_consistent(
    countries: list[dict[str, Any]], actors: list[dict[str, Any]]
) -> None:
    codes = {c["code"] for c in countries}
    iso3 = {c["iso3"] for c in countries}
    for r in actors:
        assert r["country"] is None or r["country"] in iso3, r
        prefix = r["code"][:3]
        assert prefix in codes or prefix in INTERNATIONAL_PREFIXES, r
        if r["kind"] == "person" and prefix in codes:
            assert r["country"] == prefix and r["role"] == r["code"][3:6], r
        if r["role"] is not None:
            assert r["role"] in ROLES, r
        if prefix in {"IGO", "NGO", "IMG", "NGM"}:
            assert r["country"] is None, r


def test_required_coverage(actors: list[dict[str, Any]]) -> None:
    """Each of the 40 countries has a head of state/government and a foreign minister on record."""
    wanted = (
        "USA RUS CHN GBR FRA DEU TUR SYR IRN ISR PSE SAU ARE QAT EGY IRQ JOR LBN YEM UKR BLR POL "
        "IND PAK AFG JPN KOR PRK TWN ITA ESP CAN BRA MEX VEN NGA ETH SDN LBY KAZ"
    ).split()
    day = date(2024, 1, 1)
    gov_now = {
        r["country"] for r in actors if r["kind"] == "person" and r["role"] == "GOV" and _valid_on(r, day)
    }
    assert set(wanted) <= gov_now, sorted(set(wanted) - gov_now)
    fm_titles = ("foreign minister", "secretary of state", "foreign secretary", "external affairs minister")
    fm = {r["country"] for r in actors if any(t in (r["title"] or "").lower() for t in fm_titles)}
    missing_fm = set(wanted) - fm - {"PSE", "SDN"}
    assert not missing_fm, sorted(missing_fm)


@pytest.mark.shared
def test_codes_exist_in_the_cameo_reference(
    countries: list[dict[str, Any]], actors: list[dict[str, Any]]
) -> None:
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    ref = SHARED / "reference"
    with (ref / "country_codes.csv").open(encoding="utf-8", newline="") as fh:
        ref_countries = {r["code"]: r for r in csv.DictReader(fh)}
    with (ref / "cameo_actor_codes.csv").open(encoding="utf-8", newline="") as fh:
        ref_actor = list(csv.DictReader(fh))
    for c in countries:
        assert c["code"] in ref_countries, c["code"]
        assert ref_countries[c["code"]]["kind"] in {"country", "country_not_in_gdelt"}
    three_letter = {r["code"].upper() for r in ref_actor} | set(ref_countries)
    for r in actors:
        code = r["code"]
        chunks = [code[i : i + 3] for i in range(0, len(code), 3)]
        assert len(code) % 3 == 0, code
        assert all(ch in three_letter for ch in chunks), code


def test_collective_bodies_are_not_persons() -> None:
    """'The regime said it would ...': a government body is an 'it' (or 'they'), never a 'he' or 'she'."""
    agents = {r["term"]: r for r in read_seed_table(REPO / "seeds", REPO / "schemas", "agents")}
    for term in ("government", "regime", "administration", "cabinet", "authorities", "leadership", "delegation"):
        assert agents[term]["person"] is False, term
