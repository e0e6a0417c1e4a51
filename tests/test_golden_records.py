"""Golden records as data: every tests/golden/*.jsonl line is one fictional text with the events
that must (and must not) be coded, run against the FICTIONAL lexicon of tests/fixtures/lexicon.

A record: {"id", "phenomenon", "rule" (the coder rule it exercises), "text", "published"
(YYYY-MM-DD, optional), "source" (the article's source field, optional), "places" (fictional place
name -> country code, optional: the gazetteer the record is coded with), "expect": [[source, target,
code], ...] (each must be coded; target null = an event with no target), "exact": true (nothing else
may be coded), "forbid": [[source|null, target|null, code|null], ...] (no coded event may match;
null matches anything), "unnamed": [text, ...] (the words kept as the source of events with no source
code: an unknown name, "officials")}. Records of tests/golden/known_gaps.jsonl (each with a "gap" note saying what the coder
gets wrong today) are strict xfails: when the coder is fixed the test turns red and the record moves
to its group file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dyadflow.coder import code_article
from dyadflow.evaluate import is_unlinked
from dyadflow.geo import Gazetteer, Place
from dyadflow.lexicon import Lexicon

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "lexicon"
GOLDEN = REPO / "tests" / "golden"
DEFAULT_PUBLISHED = date(2022, 3, 10)


def _records() -> list[dict[str, Any]]:
    out = []
    for path in sorted(GOLDEN.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.lstrip().startswith("//"):
                rec = json.loads(line)
                rec["_where"] = f"{path.name}:{n}"
                out.append(rec)
    return out


RECORDS = _records()
KNOWN_GAPS = "known_gaps.jsonl"  # records the coder does not yet satisfy: strict xfail (fixed -> red -> move it)


def _param(rec: dict[str, Any]) -> Any:
    if rec["_where"].startswith(KNOWN_GAPS + ":"):
        return pytest.param(rec, id=rec["id"], marks=pytest.mark.xfail(strict=True, reason=rec.get("gap", "known gap")))
    return pytest.param(rec, id=rec["id"])


@pytest.fixture(scope="module")
def lexicon(fiction_lexicon: Lexicon) -> Lexicon:
    return fiction_lexicon


@pytest.fixture(scope="module")
def nlp(fiction_nlp):  # type: ignore[no-untyped-def]
    return fiction_nlp


def test_records_are_well_formed() -> None:
    ids = [r["id"] for r in RECORDS]
    assert len(ids) == len(set(ids)), "duplicate golden record ids"
    for r in RECORDS:
        assert {"id", "phenomenon", "rule", "text"} <= r.keys(), r["_where"]
        assert r.get("expect") or r.get("forbid") or r.get("unlinked") or r.get("unnamed"), f"{r['_where']}: a record must assert something"
        assert r["_where"].startswith(KNOWN_GAPS + ":") == ("gap" in r), f"{r['_where']}: a known gap (and only one) says why in 'gap'"


def _gazetteer(places: dict[str, str] | None) -> Gazetteer | None:
    """The record's fictional places ("places": {"Marsh Vale": "SYV"}) as a gazetteer."""
    if not places:
        return None
    return Gazetteer.from_places({n: Place(n, iso3, None, None, None, 1) for n, iso3 in places.items()})


def _matches(pattern: list[Any], triple: tuple[Any, Any, Any]) -> bool:
    """null in a pattern matches anything; "" matches only no code (an unattributed act's source)."""
    return all(p is None or p == t or (p == "" and t is None) for p, t in zip(pattern, triple, strict=True))


@pytest.mark.parametrize("rec", [_param(r) for r in RECORDS])
def test_golden_record(rec: dict[str, Any], nlp, lexicon: Lexicon) -> None:  # type: ignore[no-untyped-def]
    published = date.fromisoformat(rec["published"]) if rec.get("published") else DEFAULT_PUBLISHED
    events = code_article(nlp(rec["text"]), lexicon, published, doc_id="golden", source=rec.get("source"),
                          gazetteer=_gazetteer(rec.get("places")))
    # an act whose target was not linked is a monadic event, not a dyad: asserted apart ("unlinked": [[source, code]])
    got = {(e.source_code, e.target_code, e.cameo_code) for e in events if not is_unlinked({"rule_id": e.rule_id})}
    unlinked = {(e.source_code, e.cameo_code) for e in events if is_unlinked({"rule_id": e.rule_id})}
    assert {tuple(x) for x in rec.get("unlinked", [])} <= unlinked, f"{rec['_where']}: unlinked events {sorted(unlinked)}"
    expected = {tuple(x) for x in rec.get("expect", [])}
    missing = expected - got
    assert not missing, f"{rec['_where']} ({rec['phenomenon']}): missing {sorted(missing, key=str)}; coded {sorted(got, key=str)}"
    if rec.get("exact"):
        assert got == expected, f"{rec['_where']}: coded more than expected: {sorted(got - expected, key=str)}"
    unnamed = {e.source_text for e in events if not e.source_code}
    assert set(rec.get("unnamed", [])) <= unnamed, f"{rec['_where']}: unnamed sources {sorted(unnamed, key=str)}"
    for f in rec.get("forbid", []):
        bad = [t for t in got if _matches(f, t)]
        assert not bad, f"{rec['_where']} ({rec['phenomenon']}): forbidden {f} coded as {bad}"
