"""Hyphenated vocabulary lemmas ("sit-in", "counter-offensive", "test-fire") stay one token, so their entries
match: the tokenizer would split them at the hyphen. A word tagged adjective in an argument slot is a noun."""

from __future__ import annotations

import dataclasses

import pytest

from dyadflow.lexicon.model import VerbPattern
from dyadflow.nlp import _hyphen_forms, build_nlp


def test_forms_of_a_hyphenated_lemma() -> None:
    assert {"sit-in", "sit-ins", "Sit-in"} <= _hyphen_forms("sit-in", "NOUN")
    assert {"test-fire", "test-fired", "test-fires", "test-firing", "Test-fired"} <= _hyphen_forms("test-fire", "VERB")


@pytest.mark.parametrize(("text", "word"), [
    ("Farmers staged a sit-in outside the Freedonian parliament.", "sit-in"),
    ("Sylvania test-fired two rockets.", "test-fired"),
])
def test_a_hyphenated_entry_is_one_token(fiction_lexicon, text: str, word: str) -> None:  # type: ignore[no-untyped-def]
    extra = (VerbPattern(id="141.sit_in.noun", lemma="sit-in", pos="NOUN", code="141"),
             VerbPattern(id="150.test_fire", lemma="test-fire", pos="VERB", code="150"))
    lexicon = dataclasses.replace(fiction_lexicon, patterns=fiction_lexicon.patterns + extra)
    nlp = build_nlp(lexicon)
    assert word in [t.text for t in nlp(text)]
    assert "co-operation" not in [t.text for t in nlp("Freedonia praised the co-operation.")]  # not an entry: split


def test_an_adjective_in_an_argument_slot_is_a_noun() -> None:
    from types import SimpleNamespace

    from dyadflow.coder.predicates import _pos_class

    assert _pos_class(SimpleNamespace(pos_="ADJ", dep_="dobj", tag_="JJ")) == "NOUN"  # "launched a counter-offensive"
    assert _pos_class(SimpleNamespace(pos_="ADJ", dep_="amod", tag_="JJ")) == "ADJ"
