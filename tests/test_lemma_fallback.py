"""A past form whose lemma the tagger got wrong ("staged" -> "stag", "fined" -> "fin") still reaches its
vocabulary entries and governor lists: the predicates stage also tries the form less -d, -ed or a doubled
consonant + -ed (no parser model needed: tokens are stand-ins)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dyadflow.coder.predicates import _verb_forms


def _tok(text: str, lemma: str, tag: str = "VBD") -> SimpleNamespace:
    return SimpleNamespace(lower_=text.lower(), lemma_=lemma, tag_=tag, pos_="VERB")


@pytest.mark.parametrize(("form", "bad_lemma", "base"), [
    ("staged", "stag", "stage"), ("fined", "fin", "fine"), ("cordoned", "cordone", "cordon"),
    ("teargassed", "teargasse", "teargas"), ("shelled", "shell", "shell"),
])
def test_past_forms_reach_their_base(form: str, bad_lemma: str, base: str) -> None:
    assert base in _verb_forms(_tok(form, bad_lemma))


def test_other_forms_keep_their_lemma() -> None:
    assert _verb_forms(_tok("stages", "stage", "VBZ")) == frozenset({"stage"})
    assert _verb_forms(_tok("led", "lead")) == frozenset({"lead"})  # too short to be a regular -ed form
