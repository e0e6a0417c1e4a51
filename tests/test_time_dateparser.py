"""What dyadflow.timeparse hands to dateparser, and what stays with its own rules.

Sentences written for these tests."""

from __future__ import annotations

from datetime import date, datetime

import dateparser
import pytest

from dyadflow.timeparse import (
    DEFAULT_DATE_ORDER,
    TimeExpression,
    find_time_expressions,
    infer_publication_date,
)

PUB = date(2023, 1, 12)  # a Thursday


def one(text: str, published: date | None = PUB, **kw: object) -> TimeExpression:
    found = find_time_expressions(text, published, **kw)  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def dateparser_reading(text: str, base: date = PUB) -> date | None:
    """dateparser on its own, past preferred, against `base`."""
    settings = {"PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": datetime.combine(base, datetime.min.time())}
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


# --- absolute dates: normalised by dateparser -------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "surface", "expected"),
    [
        ("The delegations signed the memorandum on 25 April 2023 in Minsk.", "25 April 2023", date(2023, 4, 25)),
        ("Border guards exchanged fire on Dec. 28, 2022, near the crossing.", "Dec. 28, 2022", date(2022, 12, 28)),
        ("The foreign ministers talked by phone on January 12, 2023.", "January 12, 2023", date(2023, 1, 12)),
        ("The council adopted the text on 2023-01-10.", "2023-01-10", date(2023, 1, 10)),
        ("Observers arrived on SEPT. 3, 2021 at the border.", "SEPT. 3, 2021", date(2021, 9, 3)),
        ("The truce was agreed on the 3rd of March 2020.", "3rd of March 2020", date(2020, 3, 3)),
    ],
)
def test_full_dates_agree_with_dateparser(sentence: str, surface: str, expected: date) -> None:
    x = one(sentence)
    assert (x.value, x.precision, x.source) == (expected, "day", "explicit")
    assert x.text.endswith(surface)
    assert dateparser_reading(surface) == expected


def test_leading_weekday_is_not_part_of_the_reading() -> None:
    # the weekday is wrong for the date; the date itself wins
    x = one("The summit opened on Monday, 5 January 2023 in Riga.")
    assert x.value == date(2023, 1, 5)


def test_month_and_year() -> None:
    x = one("The blockade began in March 2012 and never fully ended.")
    assert (x.value, x.precision, x.source) == (date(2012, 3, 1), "month", "explicit")
    assert dateparser_reading("March 2012") == date(2012, 3, 1)


@pytest.mark.parametrize(
    ("published", "expected"),
    [(date(2023, 4, 20), date(2023, 3, 1)), (date(2023, 3, 2), date(2023, 3, 1)), (date(2023, 2, 2), date(2022, 3, 1))],
)
def test_month_alone_is_latest_on_or_before_publication(published: date, expected: date) -> None:
    x = one("Talks between the two parties collapsed in March.", published)
    assert (x.value, x.precision) == (expected, "month")


def test_day_month_without_year_takes_latest_past_occurrence() -> None:
    assert one("The convoy was shelled on 28 December.").value == date(2022, 12, 28)
    assert one("The convoy was shelled on January 12.").value == date(2023, 1, 12)
    assert one("The convoy was shelled on January 13.").value == date(2022, 1, 13)


def test_leap_day_without_year_is_the_latest_29_february() -> None:
    assert one("Troops withdrew on 29 February.", date(2023, 3, 5)).value == date(2020, 2, 29)


# --- numeric dates: day/month order policy ---------------------------------------------------

def test_numeric_date_uses_day_month_policy_by_default() -> None:
    assert DEFAULT_DATE_ORDER == "DMY"
    pub = date(2023, 12, 20)
    x = one("The ceasefire took effect on 12/01/2023.", pub)
    assert (x.value, x.precision, x.source) == (date(2023, 1, 12), "day", "explicit")
    assert one("The ceasefire took effect on 12/01/2023.", pub, date_order="MDY").value == date(2023, 12, 1)
    assert one("The ceasefire took effect on 12.01.2023.", pub).value == date(2023, 1, 12)


def test_numeric_date_unambiguous_ignores_policy() -> None:
    for order in ("DMY", "MDY"):
        assert one("Voting closed on 25/12/2022.", date(2023, 1, 5), date_order=order).value == date(2022, 12, 25)
        assert one("Voting closed on 12/25/2022.", date(2023, 1, 5), date_order=order).value == date(2022, 12, 25)


def test_numeric_date_past_event_is_not_read_after_publication() -> None:
    # DMY would give 1 December 2023, after this 20 January 2023 article: the other order stands
    assert one("Police detained the organisers on 01/12/2023.", date(2023, 1, 20)).value == date(2023, 1, 12)


# --- absurd dates stay rejected ---------------------------------------------------------------

@pytest.mark.parametrize(
    "sentence",
    [
        "The decree is dated 31 February 2023.",
        "The decree is dated February 30, 2023.",
        "The decree is dated 2023-02-30.",
        "The decree is dated 31/04/2023.",
        "The decree was read out on 31 April.",
    ],
)
def test_impossible_dates_are_rejected(sentence: str) -> None:
    assert find_time_expressions(sentence, PUB) == []


def test_dates_before_1900_are_dropped() -> None:
    assert find_time_expressions("The treaty of 14 May 1850 was cited.", PUB) == []


def test_publication_date_from_dateline_read_by_dateparser() -> None:
    text = "VILNIUS, Dec. 28, 2022 (Baltic Desk) - Lithuania recalled its envoy.\n\nMore follows."
    pd = infer_publication_date(text)
    assert pd is not None and (pd.value, pd.method) == (date(2022, 12, 28), "dateline")
    assert infer_publication_date("VILNIUS, Feb. 30, 2022 (Baltic Desk) - Lithuania recalled its envoy.") is None


# --- relative expressions: dateparser's arithmetic, the project's precision --------------------

@pytest.mark.parametrize(
    ("sentence", "value", "precision"),
    [
        ("Rebels attacked the depot yesterday.", date(2023, 1, 11), "day"),
        ("Rebels attacked the depot the day before yesterday.", date(2023, 1, 10), "day"),
        ("Rebels attacked the depot three days ago.", date(2023, 1, 9), "day"),
        ("Rebels attacked the depot two weeks ago.", date(2022, 12, 1), "month"),
        ("Rebels attacked the depot last month.", date(2022, 12, 1), "month"),
        ("Rebels attacked the depot last year.", date(2022, 1, 1), "year"),
        ("Rebels attacked the depot two decades ago.", date(2003, 1, 1), "year"),
    ],
)
def test_relative_expressions(sentence: str, value: date, precision: str) -> None:
    x = one(sentence)
    assert (x.value, x.precision, x.source) == (value, precision, "relative")


def test_last_weekday_agrees_with_dateparser() -> None:
    x = one("The envoy left last Thursday.")
    assert x.value == date(2023, 1, 5) == dateparser_reading("last Thursday")


def test_on_weekday_keeps_project_convention_where_dateparser_differs() -> None:
    # a Thursday paper's "on Thursday" is the publication day; dateparser goes a week back
    assert one("The envoy left on Thursday.").value == PUB
    assert dateparser_reading("on Thursday") == date(2023, 1, 5)


@pytest.mark.parametrize(
    ("sentence", "phrase", "expected"),
    [
        ("The border was closed on December 28 last year.", "December 28 last year", date(2022, 12, 28)),
        ("The border was closed early in February.", "early in February", date(2022, 2, 1)),
        ("The border was closed a few days ago.", "a few days ago", date(2023, 1, 1)),
    ],
)
def test_rules_cover_what_dateparser_cannot_read(sentence: str, phrase: str, expected: date) -> None:
    assert dateparser_reading(phrase) is None
    assert one(sentence).value == expected
