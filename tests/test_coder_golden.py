"""Golden-record tests of the coder on a small FICTIONAL lexicon (tests/fixtures/lexicon):
editing the real seeds never breaks these. One test per behaviour."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dyadflow.coder import CODER_VERSION, code_article
from dyadflow.lexicon import Lexicon, load_lexicon
from dyadflow.records import Event

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "lexicon"
PUBLISHED = date(2022, 3, 10)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(FIXTURE, REPO / "schemas")


@pytest.fixture(scope="module")
def nlp(lexicon: Lexicon):  # type: ignore[no-untyped-def]
    from dyadflow.nlp import build_nlp

    return build_nlp(lexicon)


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


def test_passive_agent_is_the_source(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian troops were attacked by Freedonian forces on Monday.")
    assert triples(evs) == {("FRDMIL", "SYVMIL", "190")}


def test_negated_acts_are_not_coded(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Freedonia did not attack Sylvania.") == []
    assert code(nlp, lexicon, "There are no negotiations with Sylvania, Firefly said.") == []


def test_hypothetical_is_not_the_act_and_intent_is_03x(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Freedonia could meet Sylvania next week.") == []
    evs = code(nlp, lexicon, "Firefly plans to meet Trentino in May.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "036")}
    assert evs[0].modality == "intended"
    assert evs[0].rule_id.endswith(".intent")


def test_reported_speech_codes_the_embedded_event(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Firefly said Sylvania attacked Ruritania.")
    assert triples(evs) == {("SYVMIL", "RUR", "190")}  # no fallback 010 for "said"


def test_capital_metonym_is_gov_or_mil_by_event(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert triples(code(nlp, lexicon, "Fredville accused Sylvan City of arming rebels.")) == {("FRDGOV", "SYVGOV", "112")}
    assert triples(code(nlp, lexicon, "Fredville launched airstrikes on Sylvanian troops.")) == {("FRDMIL", "SYVMIL", "195")}


def test_pronoun_resolves_to_nearest_person(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian President Rufus Firefly arrived in Strelsau on Monday. He criticised the Sylvanian government.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "111")}
    assert evs[0].rule_id.endswith(".coref")


def test_titled_unknown_name_keeps_its_code_later(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Ruritanian Foreign Minister Rudolf Rassendyll praised Sylvania on Tuesday. Rassendyll later visited Freedonia.")
    assert triples(evs) == {("RURGOV", "SYVGOV", "051"), ("RURGOV", "FRDGOV", "042")}


def test_denial_is_016_not_the_denied_act(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian Foreign Minister Trentino denied holding talks with Freedonia.")
    assert triples(evs) == {("SYVGOV", "FRDGOV", "016")}


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


def test_date_bounded_roles(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "Chicolini met Trentino in Fredville."
    assert triples(code(nlp, lexicon, text, date(2020, 5, 1))) == {("FRDMIL", "SYVGOV", "040")}
    assert triples(code(nlp, lexicon, text, date(2022, 5, 1))) == {("FRDGOV", "SYVGOV", "040")}


def test_meeting_in_a_third_country_is_044(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    # convention: a meeting in one participant's country is 040; elsewhere, 044
    assert triples(code(nlp, lexicon, "Chicolini met Trentino in Strelsau.")) == {("FRDGOV", "SYVGOV", "044")}
    evs = code(nlp, lexicon, "The foreign ministers of Freedonia, Sylvania and Ruritania held talks in Fredville.")
    assert unordered(evs) == {
        (frozenset({"FRDGOV", "SYVGOV"}), "040"),
        (frozenset({"FRDGOV", "RURGOV"}), "040"),
        (frozenset({"SYVGOV", "RURGOV"}), "044"),
    }


def test_outlets_are_never_actors(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert triples(code(nlp, lexicon, "Sylvania attacked Freedonia, the Daily Bugle reported.")) == {("SYVMIL", "FRD", "190")}
    assert code(nlp, lexicon, "The Daily Bugle criticised Freedonia.") == []


def test_no_fallback_event_without_a_pattern(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Freedonia and Sylvania are neighbours.") == []


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


def test_refusal_is_a_rejection_not_the_act(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia has refused to negotiate with Sylvania.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "125")}


def test_questions_and_conditionals_assert_nothing(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Did Freedonia attack Sylvania?") == []
    assert code(nlp, lexicon, "If Freedonia attacks Sylvania, Ruritania will respond.") == []


def test_talks_between_parties_exclude_the_reporter(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Firefly welcomed the talks between Sylvania and Ruritania.")
    assert (frozenset({"SYVGOV", "RURGOV"}), "040") in unordered(evs)
    assert not any(e.cameo_code.startswith("04") and "FRDGOV" in (e.source_code, e.target_code) for e in evs)


def test_supporting_a_rapprochement_is_mediation(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Ruritania is supporting a rapprochement between Freedonia and Sylvania.")
    assert triples(evs) == {("RURGOV", "FRDGOV", "045"), ("RURGOV", "SYVGOV", "045")}


def test_named_group_modifier_gives_the_group_code(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian troops clashed with Red Hand Front fighters near the border.")
    assert ("SYVMIL", "ZANREB", "190") in triples(evs)


def test_ethnic_prefix_with_armed_role_is_rebel(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian forces attacked Zanian fighters.")
    assert triples(evs) == {("FRDMIL", "ZANREB", "190")}


def test_group_without_country_takes_the_domestic_side(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian police detained dozens of protesters on Saturday.")
    assert triples(evs) == {("SYVCOP", "SYVCVL", "173")}


def test_counterpart_takes_the_possessor_role(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian Defence Minister Chicolini met his Sylvanian counterpart in Strelsau.")
    assert unordered(evs) == {(frozenset({"FRDMIL", "SYVMIL"}), "044")}


def test_both_countries_resolve_to_the_last_two(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "Freedonia and Sylvania fought in 2020. Ruritania urged both countries to end the fighting."
    evs = code(nlp, lexicon, text)
    assert {("RURGOV", "FRDGOV", "020"), ("RURGOV", "SYVGOV", "020")} <= triples(evs)


def test_obstacle_statement_is_criticism_by_the_speaker(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Trentino said in a statement that Freedonia is an obstacle to peace.")
    assert triples(evs) == {("SYVGOV", "FRDGOV", "111")}


def test_accused_or_urged_acts_are_not_asserted(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia accused Sylvania of attacking Ruritanian troops.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "112")}
    evs = code(nlp, lexicon, "Firefly called on Sylvania to release the Ruritanian prisoners.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "020")}


def test_bilateral_agreement_to_act_is_057(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia and Sylvania agreed to release all prisoners.")
    assert unordered(evs) == {(frozenset({"FRDGOV", "SYVGOV"}), "057")}


def test_state_organ_without_country_takes_the_article_country(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = ("STRELSAU, May 2 (Planet News) - Ruritania expelled two Sylvanian diplomats on Monday. "
            "The police dispersed the crowds outside the embassy.")
    evs = code(nlp, lexicon, text)
    assert ("RURGOV", "SYVGOV", "174") in triples(evs)
    assert ("RURCOP", "RURCVL", "175") in triples(evs)


def test_agent_plurals_and_violent_protest(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "In Fredville, students attacked the embassies of Sylvania and Ruritania.")
    assert triples(evs) == {("FRDCVL", "SYVGOV", "145"), ("FRDCVL", "RURGOV", "145")}


def test_reaction_to_an_earlier_act_targets_its_agent(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian forces attacked Sylvania on Monday. Ruritania condemned the attack on Tuesday.")
    assert ("FRDMIL", "SYV", "190") in triples(evs)
    react = [e for e in evs if e.cameo_code == "111"]
    assert [(e.source_code, (e.target_code or "")[:3]) for e in react] == [("RURGOV", "FRD")]
    assert react[0].extras["target_via"] == "act" and react[0].sentence_index == 1


def test_an_indefinite_act_has_no_earlier_agent(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonian forces attacked Sylvania on Monday. Ruritania condemned an attack on Tuesday.")
    # the condemnation stays, with no target: an indefinite act does not point back to Freedonia
    assert [(e.cameo_code, e.target_code) for e in evs if e.cameo_code == "111"] == [("111", None)]


def test_the_reactor_is_not_the_agent_of_the_act_it_condemns(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Ruritania condemned the Freedonian attack on Sylvania.")
    assert not [e for e in evs if (e.source_code or "").startswith("RUR") and e.cameo_root == "19"]


def test_a_group_takes_the_country_of_its_own_place(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = ("Freedonia praised Ruritania on Monday. Freedonia also praised Grand Fenwick. "
            "Police in Sylvan City detained two Freedonian journalists on Tuesday.")
    assert [e.source_code for e in code(nlp, lexicon, text) if e.cameo_root == "17"] == ["SYVCOP"]


def test_rejecting_an_accusation_denies_it_to_the_accuser(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia accused Sylvania of spying on Monday. Sylvania rejected the accusation on Tuesday.")
    assert ("SYVGOV", "FRDGOV", "016") in triples(evs)


def test_a_misparsed_headline_verb_still_has_subject_and_object(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    # the parser makes "hosted" a modifier of the second name; the possessive country titles stay apart
    evs = code(nlp, lexicon, "Freedonia's President Firefly hosted Sylvania's Foreign Minister Trentino in Fredville on Monday.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "043")}


def test_civilians_protest_their_own_government(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Thousands of Sylvanian students marched through Sylvan City on Sunday.")
    assert triples(evs) == {("SYVCVL", "SYVGOV", "141")}
    assert code(nlp, lexicon, "Sylvanian troops marched through Sylvan City on Sunday.") == []
    evs = code(nlp, lexicon, "Hundreds of Sylvanian protesters protested in Sylvan City on Sunday.")
    assert triples(evs) == {("SYVCVL", "SYVGOV", "140")}


def test_an_armed_group_protest_is_not_a_civilian_one(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    assert code(nlp, lexicon, "Red Hand Front fighters protested in Sylvan City on Sunday.") == []


def test_one_event_per_dyad_and_root_in_a_sentence(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Sylvanian protesters marched in Sylvan City on Sunday to protest against the government.")
    assert [(e.source_code, e.target_code, e.cameo_root) for e in evs] == [("SYVCVL", "SYVGOV", "14")]


def test_provide_x_with_codes_x_as_recipient(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Freedonia provided Sylvania with emergency loans on Monday.")
    assert triples(evs) == {("FRDGOV", "SYVGOV", "070")}


def test_an_urged_act_is_not_coded_as_done(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Firefly urged the United Federation to condemn Sylvania.")
    assert triples(evs) == {("FRDGOV", "IGOUFN", "020")}


def test_victims_of_a_named_attack_get_its_agent_as_source(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    evs = code(nlp, lexicon, "Two Sylvanian troops were killed in an attack by Red Hand Front fighters on Monday.")
    assert ("ZANREB", "SYVMIL", "190") in triples(evs)
    evs = code(nlp, lexicon, "Four Sylvanian civilians were killed in a Freedonian airstrike on Monday.")
    assert {(e.source_code, e.target_code, e.cameo_root) for e in evs} >= {("FRDMIL", "SYVCVL", "19")}
