"""PETRARCH2's unit-test suite (../shared, read at test time; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SUITE = SHARED / "eval" / "external" / "petrarch-unittest"
# measured 257/284 (90.5%) with en_core_web_sm 3.8 (BENCHMARKS.md); the floor is the measured count
MIN_PASSED = 257
# ERROR-02/03 have DEMO-00's exact text (which expects ARN->GON 064); they test malformed Penn parses
KNOWN_FALSE_EVENTS = {"ERROR-02", "ERROR-03"}


@pytest.mark.model
@pytest.mark.shared
def test_petrarch2_unit_test_records() -> None:
    if not SUITE.joinpath("PETR.UnitTest.records.xml").exists():
        pytest.skip("../shared/eval/external/petrarch-unittest not present")
    from dyadflow.coder import code_article
    from dyadflow.nlp import build_nlp
    from dyadflow.petrarch import load_petrarch_lexicon
    from dyadflow.petrarch.unittest_records import read_unittest_records

    records = read_unittest_records(SUITE / "PETR.UnitTest.records.xml")
    assert len(records) == 284
    # the suite's dictionaries use test codes (903, 174K...) that are not CAMEO codes: keep them
    lex = load_petrarch_lexicon(SUITE, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas", noncameo="keep")
    nlp = build_nlp(lex)
    passed, false_events = 0, set()
    for r, doc in zip(records, nlp.pipe([r.text for r in records]), strict=True):
        got = {(e.source_code, e.target_code, e.cameo_code) for e in code_article(doc, lex, r.published)}
        passed += got == set(r.expected)
        if not r.expected and got:
            false_events.add(r.id)
    assert passed >= MIN_PASSED, f"{passed}/{len(records)}"
    assert passed / len(records) >= 0.90
    assert false_events <= KNOWN_FALSE_EVENTS, sorted(false_events - KNOWN_FALSE_EVENTS)
