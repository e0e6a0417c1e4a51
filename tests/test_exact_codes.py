"""Exact codes (issue 12, item 3): the real seeds' refinement rows (seeds/coder_maps.csv: code_by_word,
code_by_place, host_side) run on fictional texts with the fictional lexicon, and `evaluate --errors`
lists the pairs matched at dyad+root whose exact codes differ."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dyadflow.evaluate import code_cases, errors_text
from dyadflow.lexicon import Lexicon
from dyadflow.lexicon.loader import pattern_from_row

REPO = Path(__file__).resolve().parents[1]
REFINE_MAPS = ("code_by_word", "code_by_place", "host_side")


def test_code_cases_list_root_matches_with_another_exact_code() -> None:
    s = "Alpha struck Beta with drones on Monday."
    rows = [{"doc": "d", "sentence": s, "source_code": "AAAMIL", "target_code": "BBB", "cameo_code": "190", "rule_id": "r"}]
    gold = [{"doc": "d", "sentence": "Alpha struck Beta", "source": "AAAMIL", "target": "BBB", "code": "1952", "root": "19"},
            {"doc": "d", "sentence": "Alpha struck Beta", "source": "AAAMIL", "target": "BBB", "code": "195", "root": "19",
             "required": False}]
    cases = code_cases(rows, gold)
    assert [(c.kind, c.cause) for c in cases] == [("code-missed", "gold 1952 coded 190"),
                                                  ("code-spurious", "gold 195/1952 coded 190")]
    text = errors_text(cases)
    assert "exact code differs (n=1)" in text and "gold 1952 coded 190" in text
    rows[0]["cameo_code"] = "1952"
    assert code_cases(rows, gold) == []


@pytest.fixture(scope="module")
def seeded(fiction_lexicon: Lexicon) -> Lexicon:
    """The fictional lexicon with the real seeds' refinement rows and a 'shoot down' pattern."""
    maps: dict[str, dict[str, tuple[str, ...]]] = {k: dict(v) for k, v in fiction_lexicon.coder_maps.items()
                                                   if k not in REFINE_MAPS}
    with (REPO / "seeds" / "coder_maps.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["map"] in REFINE_MAPS:
                maps.setdefault(r["map"], {})[r["key"]] = tuple(r["value"].split("|"))
    shoot = pattern_from_row({"id": "190.shoot.down.test", "lemma": "shoot", "pos": "VERB", "code": "190",
                              "particle": "down", "target": "dobj"})
    return replace(fiction_lexicon, coder_maps=maps, patterns=(*fiction_lexicon.patterns, shoot))


def _coded(nlp: Any, lexicon: Lexicon, text: str) -> set[tuple[Any, ...]]:
    from dyadflow.coder import code_article

    return {(e.source_code, e.target_code, e.cameo_code) for e in
            code_article(nlp(text), lexicon, date(2022, 3, 10), doc_id="t")}


@pytest.mark.model
@pytest.mark.parametrize(("text", "expected"), [
    ("Freedonia attacked Sylvania with drones on Monday.", ("FRDMIL", "SYV", "1952")),
    ("Freedonian troops attacked Sylvania in a barrage of airstrikes.", ("FRDMIL", "SYV", "195")),
    ("Freedonian troops shot down two Sylvanian drones.", ("FRDMIL", "SYV", "190")),
    ("Firefly called on Sylvania to release the Ruritanian prisoners.", ("FRDGOV", "SYVGOV", "0253")),
    ("Firefly urged Sylvania to return to talks.", ("FRDGOV", "SYVGOV", "026")),
    ("Firefly urged Sylvania to reconsider its budget.", ("FRDGOV", "SYVGOV", "020")),
    ("Rufus Firefly visited Sylvania on Tuesday.", ("SYVGOV", "FRDGOV", "043")),
])
def test_real_rows_refine_the_code(text: str, expected: tuple[str, ...], fiction_nlp: Any, seeded: Lexicon) -> None:
    got = _coded(fiction_nlp, seeded, text)
    assert expected in got, got
    assert not [c for c in got if c[2][:2] == expected[2][:2] and c[2] != expected[2]], got


@pytest.mark.model
def test_visit_turned_to_the_host_keeps_the_rule_trail(fiction_nlp: Any, seeded: Lexicon) -> None:
    from dyadflow.coder import code_article

    (ev,) = code_article(fiction_nlp("Rufus Firefly visited Sylvania on Tuesday."), seeded, date(2022, 3, 10), doc_id="t")
    assert (ev.source_country, ev.target_country, ev.target_text) == ("SYV", "FRD", "Rufus Firefly")
    assert ev.rule_id.endswith(".host") and ev.cameo_label == "Host a visit"


def test_refinement_rows_stay_in_their_root() -> None:
    """Every refinement row maps a CAMEO code to a code of the same root (the dyad+root level never moves)."""
    with (REPO / "seeds" / "cameo_event_codes.csv").open(encoding="utf-8", newline="") as fh:
        root = {r["code"]: r["root"] for r in csv.DictReader(fh)}
    with (REPO / "seeds" / "coder_maps.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["map"] in REFINE_MAPS]
    assert len(rows) >= 50
    for r in rows:
        code, _, words = r["key"].partition(":")
        assert code in root and r["value"] in root, r
        assert root[code] == root[r["value"]], r
        assert r["map"] == "host_side" or words.strip(), r
        assert r["note"], r
