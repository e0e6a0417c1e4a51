"""Pronoun resolution in the registry (coder.registry): which mention a pronoun stands for, checked on the
fictional lexicon's mentions rather than on the events they lead to."""

from __future__ import annotations

from datetime import date

import pytest

from dyadflow.coder import trace_article

pytestmark = pytest.mark.model


def _mentions(text: str, nlp, lexicon) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    """Pronoun text -> the code it resolved to (None: left unresolved)."""
    traces = trace_article(nlp(text), lexicon, date(2022, 3, 10))
    out: dict[str, str | None] = {}
    for t in traces:
        for m in t.actors.mentions:
            if m.text.lower() in ("it", "he", "she", "they"):
                out[m.text.lower()] = m.code()
    return out


def test_it_after_a_thing_is_not_a_party(fiction_nlp, fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    # rule registry.thing_it: the nearest argument before "it" is the plan, a thing
    got = _mentions("Sylvania condemned the Freedonian plan, saying it must be rejected.", fiction_nlp, fiction_lexicon)
    assert "it" not in got


def test_it_after_an_actor_is_that_actor(fiction_nlp, fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    got = _mentions("The Sylvanian army said it attacked Freedonian positions.", fiction_nlp, fiction_lexicon)
    assert got.get("it") == "SYVMIL"


def test_said_he_is_the_speaker(fiction_nlp, fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    # rule registry.said_subject: "X said he ..." is X even when X has no country
    traces = trace_article(fiction_nlp("Officials said they welcomed the decision."), fiction_lexicon, date(2022, 3, 10))
    they = [m for t in traces for m in t.actors.mentions if m.text == "they"]
    assert they and they[0].role == "GOV" and they[0].country is None


def test_sentence_initial_it_after_a_thing_subject_is_no_party(fiction_nlp, fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    # rule registry.thing_it: "The war began ... It has killed" is the war, not the aid group named before
    text = "The United Federation sent doctors to Sylvania. The war began in May. It has killed thousands of people."
    assert "it" not in _mentions(text, fiction_nlp, fiction_lexicon)
