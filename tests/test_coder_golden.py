"""Golden-record tests of the coder on a small FICTIONAL lexicon (tests/fixtures/lexicon):
editing the real seeds never breaks these. One test per behaviour. Plain "text -> triples" checks are
data records in tests/golden/*.jsonl (run by tests/test_golden_records.py); what stays here checks
more than triples (undirected pairs, roots, modality, rule ids, dates, evidence, determinism)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dyadflow.coder import CODER_VERSION, code_article
from dyadflow.lexicon import Lexicon
from dyadflow.records import Event

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "lexicon"
PUBLISHED = date(2022, 3, 10)


@pytest.fixture(scope="module")
def lexicon(fiction_lexicon: Lexicon) -> Lexicon:
    return fiction_lexicon


@pytest.fixture(scope="module")
def nlp(fiction_nlp):  # type: ignore[no-untyped-def]
    return fiction_nlp


def code(nlp, lexicon: Lexicon, text: str, published: date | None = PUBLISHED) -> list[Event]:  # type: ignore[no-untyped-def]
    return code_article(nlp(text), lexicon, published, doc_id="t")


def triples(events: list[Event]) -> set[tuple[str | None, str | None, str]]:
    return {(e.source_code, e.target_code, e.cameo_code) for e in events}


def unordered(events: list[Event]) -> set[tuple[frozenset[str | None], str]]:
    return {(frozenset((e.source_code, e.target_code)), e.cameo_code) for e in events}


def test_compound_subjects_give_one_event_per_dyad(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian Defence Minister Chicolini and Sylvanian Foreign Minister Trentino met in Fredville on Monday.")
    # the text's title wins over the dictionary's dated role (Chicolini is foreign minister in 2022)
    assert unordered(evs) == {(frozenset({"FRDMIL", "SYVGOV"}), "040")}


def test_hypothetical_is_not_the_act_and_intent_is_03x(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Freedonia could meet Sylvania next week.") == []
    evs = code(nlp, lexicon, "Firefly plans to meet Trentino in May.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "036")}
    assert evs[0].modality == "intended"
    assert evs[0].rule_id.endswith(".intent")


def test_pronoun_resolves_to_nearest_person(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian President Rufus Firefly arrived in Strelsau on Monday. He criticised the Sylvanian government.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "111")}
    assert evs[0].rule_id.endswith(".coref")


def test_meeting_of_three_parties_gives_every_pair(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "The foreign ministers of Freedonia, Sylvania and Ruritania met in Geneva.")
    assert unordered(evs) == {
        (frozenset({"FRDGOV", "SYVGOV"}), "040"),
        (frozenset({"FRDGOV", "RURGOV"}), "040"),
        (frozenset({"SYVGOV", "RURGOV"}), "040"),
    }


def test_host_gives_guest_pairs(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "The Freedonian president hosted his counterparts from Sylvania and Ruritania for talks on Sunday.")
    t = triples(evs)
    assert {("FRDGOV", "SYVGOV", "043"), ("FRDGOV", "RURGOV", "043")} <= t
    assert (frozenset({"SYVGOV", "RURGOV"}), "044") in unordered(evs)


def test_meeting_in_a_third_country_is_044(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    # convention: a meeting in one participant's country is 040; elsewhere, 044 (the two-party case is
    # the golden record legacy.meeting.third.country)
    evs = code(nlp, lexicon, "The foreign ministers of Freedonia, Sylvania and Ruritania held talks in Fredville.")
    assert unordered(evs) == {
        (frozenset({"FRDGOV", "SYVGOV"}), "040"),
        (frozenset({"FRDGOV", "RURGOV"}), "040"),
        (frozenset({"SYVGOV", "RURGOV"}), "044"),
    }


def test_event_record_carries_evidence_and_versions(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "On Monday, Freedonia accused Sylvania of hiding weapons."
    evs = code(nlp, lexicon, text)
    assert len(evs) == 1
    e = evs[0]
    assert (e.cameo_code, e.cameo_root, e.quad_class) == ("112", "11", 3)
    assert e.cameo_label and e.goldstein is not None
    assert e.source_country == "FRD" and e.target_country == "SYV"
    assert e.source_role == "GOV" and e.target_role == "GOV"
    assert e.source_text == "Freedonia" and e.target_text == "Sylvania"
    assert "accused" in text[e.char_start : e.char_end]
    assert e.sentence == text and e.sentence_index == 0
    assert e.rule_id == "112.accuse"
    assert 0 < e.confidence <= 1
    assert e.coder_version == CODER_VERSION and e.dictionary_version == lexicon.version
    assert e.event_date is not None and e.event_date <= PUBLISHED
    assert not e.negated and e.modality == "asserted"


def test_code_article_is_deterministic(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "Freedonian forces attacked Sylvanian troops. Firefly condemned Sylvania."
    a = code(nlp, lexicon, text)
    b = code(nlp, lexicon, text)
    assert [e.event_id for e in a] == [e.event_id for e in b]
    assert len(a) == 2


def test_denied_report_codes_the_denial_not_the_act(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian Foreign Minister Trentino denied reports that Freedonia had attacked Ruritania.")
    assert {e.cameo_code for e in evs} == {"016"}
    assert all(e.source_code == "SYVGOV" for e in evs)


def test_talks_between_parties_exclude_the_reporter(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Firefly welcomed the talks between Sylvania and Ruritania.")
    assert (frozenset({"SYVGOV", "RURGOV"}), "040") in unordered(evs)
    assert not any(e.cameo_code.startswith("04") and "FRDGOV" in (e.source_code, e.target_code) for e in evs)


def test_counterpart_takes_the_possessor_role(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian Defence Minister Chicolini met his Sylvanian counterpart in Strelsau.")
    assert unordered(evs) == {(frozenset({"FRDMIL", "SYVMIL"}), "044")}


def test_bilateral_agreement_to_act_is_057(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia and Sylvania agreed to release all prisoners.")
    assert unordered(evs) == {(frozenset({"FRDGOV", "SYVGOV"}), "057")}


def test_reaction_to_an_earlier_act_targets_its_agent(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian forces attacked Sylvania on Monday. Ruritania condemned the attack on Tuesday.")
    assert ("FRDMIL", "SYV", "190") in triples(evs)
    react = [e for e in evs if e.cameo_code == "111"]
    assert [(e.source_code, (e.target_code or "")[:3]) for e in react] == [("RURGOV", "FRD")]
    assert react[0].extras["target_via"] == "act" and react[0].sentence_index == 1


def test_the_reactor_is_not_the_agent_of_the_act_it_condemns(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Ruritania condemned the Freedonian attack on Sylvania.")
    assert not [e for e in evs if (e.source_code or "").startswith("RUR") and e.cameo_root == "19"]


def test_one_event_per_dyad_and_root_in_a_sentence(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian protesters marched in Sylvan City on Sunday to protest against the government.")
    assert [(e.source_code, e.target_code, e.cameo_root) for e in evs] == [("SYVCVL", "SYVGOV", "14")]


def test_victims_of_a_named_attack_get_its_agent_as_source(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    # the named attack ("an attack by Red Hand Front fighters") is the golden record legacy.victims.named.attack
    evs = code(nlp, lexicon, "Four Sylvanian civilians were killed in a Freedonian airstrike on Monday.")
    assert {(e.source_code, e.target_code, e.cameo_root) for e in evs} >= {("FRDMIL", "SYVCVL", "19")}
