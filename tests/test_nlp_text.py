"""Text conventions of wire and UN copy that the pipeline handles before coding (needs the model)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


@pytest.mark.parametrize("hyphen", ["\u2010", "\u2011"])
def test_unicode_hyphens_split_like_ascii(fiction_nlp, hyphen: str) -> None:  # type: ignore[no-untyped-def]
    doc = fiction_nlp(f"The Secretary{hyphen}General met the Freedonian{hyphen}backed militia.")
    words = [t.text for t in doc]
    assert words[1:4] == ["Secretary", hyphen, "General"]
    assert [t.norm_ for t in doc][1:4] == ["secretary", "-", "general"]
    assert "Freedonian" in words


def test_unicode_hyphen_keeps_a_lexicon_phrase(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    ascii_doc = fiction_nlp("Fighters of the Red-Hand Front met.")
    uni_doc = fiction_nlp("Fighters of the Red\u2011Hand Front met.")
    assert len(ascii_doc) == len(uni_doc)


def test_dateline_is_its_own_sentence(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    doc = fiction_nlp("STRELSAU, June 4 (Planet News) - Freedonian troops shelled a depot, officials said.")
    sents = [s.text for s in doc.sents]
    assert sents[0].startswith("STRELSAU") and sents[0].rstrip().endswith("-")
    assert sents[1].startswith("Freedonian troops shelled")


def test_mixed_case_short_alias_is_case_sensitive() -> None:
    from dyadflow.nlp import _case_sensitive

    assert _case_sensitive("LeT") and _case_sensitive("UN") and _case_sensitive("JeM")
    assert not _case_sensitive("Hamas") and not _case_sensitive("let") and not _case_sensitive("Red Hand")
