"""The lexicon loader and model: seeds validated into frozen records; programmatic construction."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from dyadflow.lexicon import Agent, CameoCode, Country, Lexicon, NamedActor, VerbPattern, fold, load_lexicon
from dyadflow.seeds import seeds_version
from dyadflow.tableschema import SchemaError

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "lexicon"


def test_fold_strips_accents_and_case() -> None:
    assert fold("Çavuşoğlu") == "cavusoglu"
    assert fold("Türkiye’s") == "turkiye's"
    assert fold("İbrahim Kalın") == "ibrahim kalin"


def test_fixture_lexicon_loads_typed_frozen_records() -> None:
    lex = load_lexicon(FIXTURE, REPO / "schemas")
    assert lex.country_by_code["FRD"].demonyms == ("Freedonian", "Freedonians")
    assert lex.country_by_code["ZAN"].iso3 is None  # ethnic group prefix
    assert lex.version == seeds_version(FIXTURE)
    assert lex.cameo["036"].root == "03" and lex.cameo["0871"].quad_class == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        lex.version = "x"  # type: ignore[misc]
    p = next(p for p in lex.patterns if p.id == "040.hold.talk")
    assert p.lemma == "hold" and "talks" in p.obj and p.symmetric


def test_date_bounded_actor_lookup() -> None:
    lex = load_lexicon(FIXTURE, REPO / "schemas")
    assert lex.actor_on("chicolini", date(2020, 1, 1)).code == "FRDMIL"  # type: ignore[union-attr]
    assert lex.actor_on("chicolini", date(2023, 1, 1)).code == "FRDGOV"  # type: ignore[union-attr]
    assert lex.actor_on("chicolini", date(2010, 1, 1)) is None


def test_programmatic_lexicon_indexes_patterns_by_lemma() -> None:
    lex = Lexicon.build(
        countries=[Country("AAA", "Aland", iso3="AAA")],
        actors=[NamedActor("x", "X Y", "AAAGOV", "person", country="AAA", role="GOV")],
        agents=[Agent("envoy", "GOV")],
        patterns=[VerbPattern("040.meet", "meet", "040"), VerbPattern("040.meet.with", "meet", "040", prep=("with",))],
        cameo=[CameoCode("040", "Consult", "04", 1, 1.0)],
    )
    pats = lex.patterns_by_lemma[("meet", "VERB")]
    assert pats[0].id == "040.meet.with"  # most specific first
    assert lex.agent_by_term["envoy"].role == "GOV"
    assert lex.version == "programmatic"


def test_real_seeds_load() -> None:
    lex = load_lexicon(REPO / "seeds", REPO / "schemas")
    assert len(lex.patterns) > 100
    roots = {lex.cameo[p.code].root for p in lex.patterns}
    assert roots >= {f"{i:02d}" for i in range(1, 21)}  # every CAMEO root has patterns
    assert all(p.code in lex.cameo for p in lex.patterns)
    assert {o.name for o in lex.outlets} >= {"Reuters", "Sputnik"}


def test_bad_pattern_row_names_file_and_line(tmp_path: Path) -> None:
    for f in FIXTURE.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    with (tmp_path / "verb_patterns.jsonl").open("a") as fh:
        fh.write('{"id": "bad id", "lemma": "x", "pos": "VERB", "code": "040"}\n')
    with pytest.raises(SchemaError, match="verb_patterns.jsonl:"):
        load_lexicon(tmp_path, REPO / "schemas")


@pytest.mark.model
def test_build_nlp_matches_accent_folded_aliases_and_case_sensitive_acronyms() -> None:
    from dyadflow.nlp import SPANS_KEY, build_nlp

    lex = Lexicon.build(
        countries=[Country("TUR", "Turkey", iso3="TUR", aliases=("Türkiye",)), Country("USA", "United States", iso3="USA", aliases=("US",))],
        cameo=[],
    )
    nlp = build_nlp(lex)
    doc = nlp("Turkiye and the US talked to us.")
    found = {(s.text, s.id_) for s in doc.spans[SPANS_KEY]}
    assert ("Turkiye", "TUR") in found and ("US", "USA") in found
    assert not any(s.text == "us" for s in doc.spans[SPANS_KEY])
    # a line break always starts a sentence (headlines)
    doc = nlp("Turkey talks\nThe United States said nothing.")
    assert len(list(doc.sents)) == 2


@pytest.mark.model
def test_real_seed_aliases_for_iran_congo_and_new_armed_groups() -> None:
    from dyadflow.nlp import SPANS_KEY, build_nlp

    lex = load_lexicon(REPO / "seeds", REPO / "schemas")
    nlp = build_nlp(lex)
    doc = nlp("Officials said the Islamic Republic would send an envoy to Congo, where M23 fighters hold two towns.")
    found = {(s.text, s.id_) for s in doc.spans[SPANS_KEY]}
    assert ("Islamic Republic", "IRN") in found and ("Congo", "COD") in found and ("M23", "m23") in found
    # the longer alias wins when the coder resolves overlaps: Pakistan's formal name is not Iran
    from dyadflow.coder.mentions import _resolve_spans

    doc = nlp("The Islamic Republic of Pakistan signed the accord.")
    assert {s.id_ for s in _resolve_spans(doc.spans[SPANS_KEY]) if s.label_ == "COUNTRY"} == {"PAK"}
