"""PETRARCH2's unit-test suite (../shared, read at test time; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SUITE = SHARED / "eval" / "external" / "petrarch-unittest"
# measured 247/284 (87.0%) with en_core_web_sm 3.8; the floor guards against regressions
MIN_PASS_RATE = 0.86
# records whose text is identical to a record that expects the event (they test malformed Penn parses)
KNOWN_FALSE_EVENTS = {"ERROR-02", "ERROR-03", "TABDEBUG-19"}


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
    lex = load_petrarch_lexicon(SUITE, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas")
    nlp = build_nlp(lex)
    passed, false_events = 0, set()
    for r, doc in zip(records, nlp.pipe([r.text for r in records]), strict=True):
        got = {(e.source_code, e.target_code, e.cameo_code) for e in code_article(doc, lex, r.published)}
        passed += got == set(r.expected)
        if not r.expected and got:
            false_events.add(r.id)
    assert passed / len(records) >= MIN_PASS_RATE, f"{passed}/{len(records)}"
    assert false_events <= KNOWN_FALSE_EVENTS, sorted(false_events - KNOWN_FALSE_EVENTS)
