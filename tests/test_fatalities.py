"""Fatality counts (dyadflow.fatalities) on the project's own sentences, the seed that drives it,
and the event enrichment (dyadflow.coder.adapters.enrich: PLOVER type/mode, fatalities)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from dyadflow import fatalities
from dyadflow.coder import adapters
from dyadflow.lexicon import load_lexicon
from dyadflow.lexicon.model import FatalityTerms, Lexicon
from dyadflow.records import Event
from dyadflow.seeds import SeedError, read_seed_table

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(REPO / "seeds", REPO / "schemas")


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    import spacy

    from dyadflow.nlp import DEFAULT_MODELS

    name = next((m for m in DEFAULT_MODELS if importlib.util.find_spec(m) is not None), None)
    if name is None:
        pytest.skip("no spaCy English model installed")
    return spacy.load(name)


def count(nlp, lexicon: Lexicon, text: str) -> fatalities.FatalityCount | None:  # type: ignore[no-untyped-def]
    sent = next(iter(nlp(text).sents))
    return fatalities.extract(sent, lexicon.fatality_terms)


# (sentence, count, the text span that gave it). Fictional sentences written for these tests.
CASES = [
    ("Rebels stormed the village, killing at least 23 civilians.", 23, "killing at least 23 civilians"),
    ("Three soldiers died in the clashes.", 3, "Three soldiers died"),
    ("Dozens were killed when the market was shelled.", 12, "Dozens were killed"),
    ("Dozens of people were killed in the raid.", 12, "Dozens of people were killed"),
    ("Officials reported a death toll of 40.", 40, "a death toll of 40"),
    ("The death toll rose to 52 on Monday.", 52, "The death toll rose to 52"),
    ("The bombing left 5 dead and 30 injured.", 5, "left 5 dead"),
    ("Twelve people lost their lives in the fighting.", 12, "Twelve people lost their lives"),
    ("The militants killed twenty-three villagers and injured 30.", 23, "killed twenty-three villagers"),
    ("Three hundred people died in the siege.", 300, "Three hundred people died"),
    ("The airstrike claimed the lives of 14 people.", 14, "claimed the lives of 14 people"),
    ("Gunmen shot dead two police officers.", 2, "shot dead two police officers"),
    ("The clashes killed 3 soldiers and 2 civilians.", 5, "killed 3 soldiers and 2 civilians"),
    ("Two dozen fighters were killed in the ambush.", 24, "Two dozen fighters were killed"),
    ("Several civilians were killed.", 3, "Several civilians were killed"),
    ("Hundreds died in the siege.", 100, "Hundreds died"),
    ("Tens of thousands were killed in the war.", 10000, "Tens of thousands were killed"),
    ("1,200 people were killed in the war.", 1200, "1,200 people were killed"),
    ("The shelling caused 17 deaths.", 17, "17 deaths"),
    ("The strike killed a soldier.", 1, "killed a soldier"),
    ("Troops killed more than 200 militants.", 200, "killed more than 200 militants"),
    ("The ambush left seven soldiers dead.", 7, "left seven soldiers dead"),
    # traps: the injured, years, ages, the missing
    ("A man aged 45 was killed in the explosion.", 1, "A man aged 45 was killed"),
    ("A 45-year-old farmer was killed by a stray shell.", 1, "A 45-year-old farmer was killed"),
    ("The army killed 7 insurgents in 2019.", 7, "killed 7 insurgents"),
    ("Officials said 8 people were missing and 12 were killed.", 12, "12 were killed"),
    ("Five people were killed and 30 were injured.", 5, "Five people were killed"),
    ("The explosion killed at least 12 and wounded 40 others.", 12, "killed at least 12"),
    # zero only where the text says no one died
    ("No casualties were reported after the strike.", 0, "No casualties"),
    ("Nobody was killed in the attack.", 0, "Nobody was killed"),
    ("No one was killed in the blast.", 0, "No one was killed"),
    ("There were no deaths.", 0, "no deaths"),
    ("The convoy was ambushed without casualties.", 0, "without casualties"),
]

NONE_CASES = [
    "Police fired on protesters, injuring 30.",
    "30 people were injured in the blast.",
    "Police arrested 30 protesters in 2019.",
    "The war began in 2019.",
    "Officials said 40 percent of the town was destroyed.",
    "The 30 injured were taken to hospital.",
    "No one was hurt.",
    "Eight fishermen are missing after the storm.",
    "The strike killed a family of five.",
    "The militia was accused of killing the local population.",
    "Many soldiers were wounded.",
    "The envoy met the minister, who is 62.",
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "want", "span"), CASES, ids=[c[0][:40] for c in CASES])
def test_fatality_count_and_span(nlp, lexicon, text: str, want: int, span: str) -> None:  # type: ignore[no-untyped-def]
    got = count(nlp, lexicon, text)
    assert got is not None, text
    assert (got.count, got.text) == (want, span)
    assert text[got.start : got.end] == got.text  # offsets into the document


@pytest.mark.model
@pytest.mark.parametrize("text", NONE_CASES)
def test_no_fatality_count(nlp, lexicon, text: str) -> None:  # type: ignore[no-untyped-def]
    assert count(nlp, lexicon, text) is None


@pytest.mark.model
def test_largest_mention_wins_and_zero_never_hides_a_count(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    got = count(nlp, lexicon, "Two guards died at the gate, and the death toll later rose to 9.")
    assert got is not None and got.count == 9
    got = count(nlp, lexicon, "No soldiers died, but the blast killed four civilians.")
    assert got is not None and got.count == 4


@pytest.mark.model
def test_without_word_lists_nothing_is_counted(nlp) -> None:  # type: ignore[no-untyped-def]
    sent = next(iter(nlp("Three soldiers died.").sents))
    assert fatalities.extract(sent, None) is None


def test_seed_loads_with_acled_conventions(lexicon: Lexicon) -> None:
    terms = lexicon.fatality_terms
    assert isinstance(terms, FatalityTerms)
    assert (terms.vague["dozens"], terms.vague["tens"], terms.vague["hundreds"]) == (12, 10, 100)
    assert terms.verbs["kill"].slot == "obj" and terms.verbs["die"].slot == "subj"
    assert {"injure", "wound", "arrest", "miss"} <= terms.excluded
    rows = read_seed_table(REPO / "seeds", REPO / "schemas", "fatality_terms")
    assert all(r["example"] for r in rows if r["kind"] != "collective")


def test_seed_rows_need_slot_and_value() -> None:
    with pytest.raises(ValueError, match="slot"):
        FatalityTerms.from_rows([{"term": "die", "kind": "death_verb", "slot": None}])
    with pytest.raises(ValueError, match="value"):
        FatalityTerms.from_rows([{"term": "dozens", "kind": "vague", "value": None}])


def test_broken_seed_is_a_seed_error(tmp_path: Path) -> None:
    from dyadflow.lexicon.loader import _fatality_terms

    (tmp_path / "fatality_terms.csv").write_text("term,kind,slot,requires,value,example,note\ndie,death_verb,,,,,\n")
    with pytest.raises(SeedError, match="slot"):
        _fatality_terms(tmp_path, REPO / "schemas")


def test_plover_lookup_falls_back_to_base_and_root(lexicon: Lexicon) -> None:
    assert lexicon.plover_of("195") is not None and lexicon.plover_of("195").event_type == "ASSAULT"
    assert lexicon.plover_of("042").event_type == "CONSULT" and lexicon.plover_of("042").mode == "visit"
    assert lexicon.plover_of("0871").mode == "ceasefire"
    assert lexicon.plover_of("010") is None  # PLOVER drops CAMEO 01 and 02


def _event(code: str, sentence: str) -> Event:
    return Event(
        doc_id="d" * 32, sentence_index=0, sentence=sentence, char_start=0, char_end=len(sentence),
        source_text="Rebels", source_code="SYRREB", source_country="SYR", source_role="REB",
        target_text="soldiers", target_code="SYRMIL", target_country="SYR", target_role="MIL",
        cameo_code=code, cameo_root=code[:2], cameo_label=None, quad_class=4, goldstein=-10.0,
        rule_id="t", confidence=0.9, coder_version="t", dictionary_version="t",
        event_date=dt.date(2023, 1, 5), date_precision="day",
    )


@pytest.mark.model
def test_enrich_sets_plover_and_fatalities_of_violent_events(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "Rebels ambushed an army patrol, killing eleven soldiers."
    sent = next(iter(nlp(text).sents))
    ev = adapters.enrich(_event("190", text), sent, lexicon)
    assert (ev.fatalities, ev.fatalities_text) == (11, "killing eleven soldiers")
    assert (ev.plover_event_type, ev.plover_mode) == ("ASSAULT", lexicon.plover_of("190").mode)
    assert ev.acled_event_type is not None  # the ACLED crosswalk still applies
    talks = adapters.enrich(_event("042", text), sent, lexicon)  # not violent: no count
    assert talks.fatalities is None and talks.fatalities_text is None
    assert (talks.plover_event_type, talks.plover_mode) == ("CONSULT", "visit")
    assert adapters.enrich(_event("010", text), sent, lexicon).plover_event_type is None
    assert ev.event_id == _event("190", text).event_id  # enrichment never changes the id


@pytest.mark.model
def test_enrich_unknown_stays_null(nlp, lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "Rebels attacked an army base."
    sent = next(iter(nlp(text).sents))
    ev = adapters.enrich(_event("190", text), sent, lexicon)
    assert ev.fatalities is None and ev.fatalities_text is None
    bare = Lexicon.build()  # a lexicon without the word lists or crosswalks
    ev = adapters.enrich(_event("190", text), sent, bare)
    assert (ev.fatalities, ev.plover_event_type, ev.acled_event_type) == (None, None, None)
