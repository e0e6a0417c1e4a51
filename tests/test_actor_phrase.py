"""The noun phrase of an actor mention (dyadflow.nlp.phrase), on fictional sentences parsed by the
fictional-lexicon pipeline (issue 11: actor spans as a reader marks them)."""

from __future__ import annotations

import pytest

from dyadflow.nlp.phrase import actor_phrase, coordination

pytestmark = pytest.mark.model


def _phrase(nlp, text: str, mention: str) -> str | None:  # type: ignore[no-untyped-def]
    doc = nlp(text)
    start = text.index(mention)
    span = doc.char_span(start, start + len(mention), alignment_mode="expand")
    assert span is not None
    bounds = actor_phrase(doc, span.start, span.end)
    return doc[bounds[0]:bounds[1]].text if bounds else None


@pytest.mark.parametrize(("text", "mention", "phrase"), [
    # a modifier stands for the noun it modifies, which keeps only its left side
    ("Angry Freedonian farmers blocked the road to the capital.", "Freedonian", "Angry Freedonian farmers"),
    ("Sylvania rejected a Freedonian proposal for new border talks.", "Freedonian", "a Freedonian proposal"),
    # partitive heads take over their of-phrase; right dependents stay, dates do not
    ("Dozens of Sylvanian students marched on Monday.", "Sylvanian students", "Dozens of Sylvanian students"),
    ("Protesters in Fredonia City threw stones at the police.", "Protesters", "Protesters in Fredonia City"),
    ("Freedonian police officers arrested the activists on Tuesday.", "police officers",
     "Freedonian police officers"),
    # relative clauses and conjuncts are left out; appositions and a parenthesised acronym stay
    ("The Red Hand Front (RHF) attacked a convoy.", "Red Hand Front", "The Red Hand Front (RHF)"),
    ("Sylvanian troops, who crossed the border last week, shelled the town.", "Sylvanian troops",
     "Sylvanian troops"),
])
def test_actor_phrase(fiction_nlp, text: str, mention: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    assert _phrase(fiction_nlp, text, mention) == phrase


def test_a_verb_has_no_phrase(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    assert _phrase(fiction_nlp, "Freedonian farmers rioted in the capital.", "rioted") is None


def test_coordination_spans_both_conjuncts(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Sylvania and Freedonia signed a border treaty on Friday."
    doc = fiction_nlp(text)
    found = coordination(doc, 0, 1)
    assert found is not None
    (lo, hi), heads = found
    assert doc[lo:hi].text == "Sylvania and Freedonia"
    assert {doc[i].text for i in heads} == {"Sylvania", "Freedonia"}
    assert coordination(doc, 5, 6) is None  # "treaty"


def test_a_reporting_pronoun_takes_its_speaker(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    from dyadflow.nlp.phrase import reported_subject

    doc = fiction_nlp("The Freedonian foreign minister said on Monday that he would visit Sylvania.")
    he = next(t for t in doc if t.lower_ == "he")
    bounds = reported_subject(doc, he.i, he.i + 1)
    assert bounds is not None and doc[bounds[0]:bounds[1]].text == "The Freedonian foreign minister"
    assert reported_subject(doc, 1, 2) is None  # not a pronoun


@pytest.mark.parametrize(("text", "mention", "phrase"), [
    ("A member of the Sylvanian parliament, Anton Vell, condemned Freedonia.", "member",
     "A member of the Sylvanian parliament, Anton Vell"),
    ("Sylvania accused Freedonian President Marco Dale Tuesday of lying.", "Freedonian President Marco Dale",
     "Freedonian President Marco Dale"),
])
def test_appositions_stay_and_dates_go(fiction_nlp, text: str, mention: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    assert _phrase(fiction_nlp, text, mention) == phrase


def test_a_mention_starting_with_its_article(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    assert _phrase(fiction_nlp, "Freedonia sanctioned the Red Hand Front leadership on Monday.", "the Red Hand Front") \
        == "the Red Hand Front leadership"


@pytest.mark.parametrize(("text", "mention", "phrase"), [
    # a named person or a posted official leaves out where they are; a group keeps it
    ("Freedonia summoned the Sylvanian ambassador in Port Vell on Monday.", "Sylvanian ambassador",
     "the Sylvanian ambassador"),
    ("Protesters in Fredonia City threw stones at the police.", "Protesters", "Protesters in Fredonia City"),
    # a place leaves out its apposition; a participle set off by a comma goes
    ("Sylvania, a close ally of Freedonia, rejected the plan.", "Sylvania", "Sylvania"),
    ("Freedonia released the mayor of Port Vell, a member of the Red Hand Front.", "mayor", "the mayor of Port Vell"),
    ("Recent Sylvanian air raids, occurring every night, have killed dozens of farmers.", "Sylvanian",
     "Recent Sylvanian air raids"),
    # a common noun that is the predicate's argument takes over the of-phrase; a proposal its author
    ("Freedonian rebels killed the deputy chief of the Sylvanian militia.", "Sylvanian militia",
     "the deputy chief of the Sylvanian militia"),
    ("Freedonia rejected calls by the Sylvanian government for new talks.", "Sylvanian government",
     "calls by the Sylvanian government"),
    # an act keeps its actor apart
    ("Freedonia demanded the withdrawal of Sylvanian troops.", "Sylvanian troops", "Sylvanian troops"),
    # a place in a country takes the country; a foreign force stays apart from where it is
    ("Freedonian troops retook a strategic village in western Sylvania.", "Sylvania",
     "a strategic village in western Sylvania"),
    ("Freedonia withdrew its forces in Sylvania.", "Sylvania", "Sylvania"),
    # a name in apposition belongs to the noun it names ("its closest ally Sylvania"), not to a place's
    ("Freedonia warned its closest ally Sylvania on Monday.", "Sylvania", "its closest ally Sylvania"),
    # "both" belongs to the coordination, not to its first conjunct
    ("Freedonia warned both Sylvania and Marland on Monday.", "Sylvania", "Sylvania"),
    # the second of two coordinated modifiers stands for their noun too
    ("The Sylvanian and Freedonian sides agreed to share information.", "Freedonian",
     "The Sylvanian and Freedonian sides"),
])
def test_argument_and_location_conventions(fiction_nlp, text: str, mention: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    assert _phrase(fiction_nlp, text, mention) == phrase


@pytest.mark.parametrize(("text", "pronoun", "phrase"), [
    ("Freedonia today mounted its long-threatened invasion of Sylvania.", "its", "Freedonia"),
    ("The Freedonian president said Friday he was pessimistic about talks with Sylvania, a radio reported.",
     "he", "The Freedonian president"),
    ("Sylvanian farmers wrote to President Marco Dale urging him to visit.", "him", "President Marco Dale"),
])
def test_a_pronoun_takes_its_antecedent_in_the_sentence(fiction_nlp, text: str, pronoun: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    from dyadflow.nlp.phrase import reported_subject

    doc = fiction_nlp(text)
    tok = next(t for t in doc if t.lower_ == pronoun)
    bounds = reported_subject(doc, tok.i, tok.i + 1)
    assert bounds is not None and doc[bounds[0]:bounds[1]].text == phrase
    assert actor_phrase(doc, tok.i, tok.i + 1) == (tok.i, tok.i + 1)  # the pronoun alone, not what it possesses
