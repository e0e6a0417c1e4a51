"""A finite verb with no subject whose actor before it was parsed as a modifier ("USAID deployed teams" with the
acronym as advmod) takes that actor as its subject (rule candidates.misparsed_subject). Hand-built parses on the
fictional lexicon: no parser model needed."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from dyadflow.coder.candidates import SentenceCoder
from dyadflow.coder.records import Mention, SentenceActors

VOCAB = spacy.blank("en").vocab
CODES = {"Sylvania": "SYV", "Freedonia": "FRD"}


def _coder(rows: list[tuple[str, int, str, str, str, str]], lexicon) -> SentenceCoder:  # type: ignore[no-untyped-def]
    words, offsets, deps, pos, tags, lemmas = zip(*rows, strict=True)
    doc = Doc(VOCAB, words=list(words), heads=[i + o for i, o in enumerate(offsets)], deps=list(deps),
              pos=list(pos), tags=list(tags), lemmas=list(lemmas), sent_starts=[True] + [False] * (len(rows) - 1))
    mentions = [Mention(t.i, t.i + 1, t.i, CODES[t.text], None, t.text, "country", metonym=True,
                        countries=(CODES[t.text],)) for t in doc if t.text in CODES]
    return SentenceCoder(doc[:], SentenceActors(mentions, set(), None), lexicon)


def _expel(first_dep: str) -> list[tuple[str, int, str, str, str, str]]:
    return [("Sylvania", 1, first_dep, "PROPN", "NNP", "Sylvania"), ("expelled", 0, "ROOT", "VERB", "VBD", "expel"),
            ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), (".", -2, "punct", "PUNCT", ".", ".")]


def test_an_actor_parsed_as_a_modifier_of_a_subjectless_verb_is_its_subject(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    for dep in ("nsubj", "advmod", "npadvmod"):
        coder = _coder(_expel(dep), fiction_lexicon)
        sources, _, passive = coder.subject(coder.sent[1])
        assert [m.country for m in sources] == ["SYV"] and not passive, dep


def test_a_modifier_after_the_verb_is_no_subject(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    rows = [("Yesterday", 1, "npadvmod", "NOUN", "NN", "yesterday"), ("expelled", 0, "ROOT", "VERB", "VBD", "expel"),
            ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), ("Sylvania", -2, "advmod", "PROPN", "NNP", "Sylvania"),
            (".", -3, "punct", "PUNCT", ".", ".")]
    coder = _coder(rows, fiction_lexicon)
    sources, _, _ = coder.subject(coder.sent[1])
    assert sources == []


def test_a_perfect_participle_takes_its_misparsed_actor(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    # "Sylvania had expelled Freedonia" with the actor as advmod of the participle
    rows = [("Sylvania", 2, "advmod", "PROPN", "NNP", "Sylvania"), ("had", 1, "aux", "AUX", "VBD", "have"),
            ("expelled", 0, "ROOT", "VERB", "VBN", "expel"), ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"),
            (".", -2, "punct", "PUNCT", ".", ".")]
    coder = _coder(rows, fiction_lexicon)
    sources, _, _ = coder.subject(coder.sent[2])
    assert [m.country for m in sources] == ["SYV"]


def test_a_subject_parsed_onto_the_auxiliary_is_the_verbs(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    # "Sylvania however has expelled Freedonia" with the subject hung on "has"
    rows = [("Sylvania", 2, "nsubj", "PROPN", "NNP", "Sylvania"), ("however", 2, "advmod", "ADV", "RB", "however"),
            ("has", 1, "aux", "AUX", "VBZ", "have"), ("expelled", 0, "ROOT", "VERB", "VBN", "expel"),
            ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), (".", -2, "punct", "PUNCT", ".", ".")]
    coder = _coder(rows, fiction_lexicon)
    sources, _, _ = coder.subject(coder.sent[3])
    assert [m.country for m in sources] == ["SYV"]
