"""The governor of a noun trigger (coder.predicates._governor) on hand-built parses: no parser model needed."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from dyadflow.coder.predicates import _governor

VOCAB = spacy.blank("en").vocab


def _doc(rows: list[tuple[str, int, str, str]]) -> Doc:
    words, offsets, deps, pos = zip(*rows, strict=True)
    return Doc(VOCAB, words=list(words), heads=[i + o for i, o in enumerate(offsets)], deps=list(deps), pos=list(pos))


def test_a_compound_trigger_is_governed_through_its_head_noun() -> None:
    # "Sylvania sent a condolence message": the condolence is sent
    doc = _doc([("Sylvania", 1, "nsubj", "PROPN"), ("sent", 0, "ROOT", "VERB"), ("a", 2, "det", "DET"),
                ("condolence", 1, "compound", "NOUN"), ("message", -3, "dobj", "NOUN")])
    assert _governor(doc[3]).i == 1


def test_an_object_trigger_is_governed_by_its_verb() -> None:
    doc = _doc([("Sylvania", 1, "nsubj", "PROPN"), ("sent", 0, "ROOT", "VERB"), ("condolences", -1, "dobj", "NOUN")])
    assert _governor(doc[2]).i == 1
