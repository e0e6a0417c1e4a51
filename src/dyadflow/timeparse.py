"""Time expressions in news text, resolved against the publication date; event dates; and the
publication date of an undated article inferred from its own text (datelines, bylines, captions,
absolute dates combined with weekday references).

Division of labour (deterministic either way: no network, no model, no clock):

* Detection is ours. Regex rules find the spans (month names capitalised only, so "may" and
  "march" are not dates; cues and tense around each span). dateparser's `search_dates` is slow
  and over-eager on news text, so it never scans sentences.
* Normalisation of what the rules found goes to dateparser (`dateparser.parse`, English only,
  `RELATIVE_BASE` = publication date, `PREFER_DAY_OF_MONTH="first"`, `REQUIRE_PARTS` per form,
  memoised on (text, base) by `_dateparse`):
  - full dates: "25 April 2023", "Dec. 28, 2022", "January 12, 2023", "2023-01-12", and numeric
    "12/01/2023" under a day/month order policy (`DEFAULT_DATE_ORDER`; an order that is
    impossible or puts a past event after publication yields to the other);
  - month + year ("March 2012"); day + month and month alone in a past context (the latest such
    day/month on or before publication, `PREFER_DATES_FROM="past"`; dateparser also finds the
    last 29 February);
  - "yesterday", "today", "tomorrow", "the day before yesterday", "last night", "this morning";
  - "last/this/next week|month|year", "<n> days|weeks|months|years|decades ago", "last <weekday>":
    dateparser does the calendar arithmetic, our convention sets the precision (weeks and
    "ago" beyond six days are month precision, years year precision, first of the period).
  The same normaliser reads publication dates in datelines, bylines and captions. Impossible
  dates ("31 February 2023") come back as None from dateparser and are dropped.
* Rules only, because dateparser cannot or answers differently from the project's convention:
  - "December 28 last year", "March this year", "early/mid/late February", "the end of 2021",
    decades, bare years with a cue, ranges ("3-5 March", "between 2014 and 2016"): dateparser
    returns None or a single wrong date for these;
  - "on Thursday" / "Thursday": ours is the latest such day ON OR BEFORE publication (a
    Thursday paper's "on Thursday" is today); dateparser's past preference skips today;
  - future references ("will meet on 3 March", "in June" after "plans to"): ours is the first
    such day/month on or after publication; dateparser's future preference skips today/this month;
  - vague quantities ("a few days ago", "several weeks ago"), "in recent days", "earlier today",
    "past/previous month", "the coming week", "last weekend": dateparser returns None;
  - "the same day", "at the time": discourse, not calendar (see `is_anaphoric_time`).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import dateparser

if TYPE_CHECKING:  # spaCy is optional for this module
    from spacy.tokens import Span, Token

__all__ = [
    "DEFAULT_DATE_ORDER",
    "DateResolution",
    "PublicationDate",
    "TimeExpression",
    "dateline_end",
    "dateline_spans",
    "find_time_expressions",
    "is_anaphoric_time",
    "report_anchor",
    "infer_publication_date",
    "resolve_event_date",
    "resolve_event_date_span",
]

# ----------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class TimeExpression:
    """One time expression in a text: char offsets, surface text and its resolved value.

    For month precision `value` is the first of the month, for year precision 1 January."""

    start: int
    end: int
    text: str
    value: date
    precision: str  # "day" | "month" | "year"
    source: str  # "explicit" | "relative"
    is_range: bool = False
    cue: str | None = None  # governing preposition/adverb ("on", "in", "since", "last"...)
    future: bool = False  # resolved as a future reference


@dataclass(frozen=True)
class DateResolution:
    """The date of one event with its precision, source and evidence."""

    event_date: date | None
    precision: str  # "day" | "month" | "year" | "unknown"
    source: str | None  # "explicit" | "relative" | "publication" | "inferred" | None
    is_historical: bool
    evidence: str | None


@dataclass(frozen=True)
class PublicationDate:
    """A publication date inferred from an article's text."""

    value: date
    evidence: str
    method: str  # "dateline" | "byline" | "caption" | "date+weekday" | "caption+weekday"


# ----------------------------------------------------------------------------------------------
# vocabulary (immutable)

_MONTHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("January", "Jan")),
    (2, ("February", "Feb")),
    (3, ("March", "Mar")),
    (4, ("April", "Apr")),
    (5, ("May",)),
    (6, ("June", "Jun")),
    (7, ("July", "Jul")),
    (8, ("August", "Aug")),
    (9, ("September", "Sept", "Sep")),
    (10, ("October", "Oct")),
    (11, ("November", "Nov")),
    (12, ("December", "Dec")),
)
_MONTH_NUM: dict[str, int] = {n.lower(): m for m, names in _MONTHS for n in names}
_MONTH_WORDS = sorted((w for _, names in _MONTHS for w in names), key=len, reverse=True)
# Month names are matched capitalised (or all caps) only: "may" and "march" are common words.
_MON = "(?:" + "|".join(f"{w}|{w.upper()}" for w in _MONTH_WORDS) + r")\.?"

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD = r"(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

_NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "a couple of": 2, "a few": 3, "few": 3, "several": 3, "some": 3,
}
_NUM = r"(?i:\d{1,3}|a couple of|a few|several|some|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"

_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_CUE = r"(?i:on|in|since|from|by|until|till|during|before|after|of|through|throughout|around|as of|back in|back on|starting|beginning)"
_QUAL = r"(?i:early|mid|late|the end of|end of|the beginning of|beginning of|the start of|start of|the middle of|middle of)"

_FUTURE_CUES = re.compile(
    r"\b(?:will|won't|shall|'ll|would|could|might|to be|is to|are to|was to|plans? to|planned to|planning to|"
    r"scheduled|set to|expected to|due to|intends? to|aims? to|hopes? to|going to|upcoming|next)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.;:!?]|,\s|\b(?:said|says|told|added|noted|stated|reported)\b", re.IGNORECASE)


def _flags(p: str) -> re.Pattern[str]:
    return re.compile(p)


# Each rule: (name, compiled pattern). Earlier rules win on overlap at equal length.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # ranges
    ("range_dd_dd_mon", _flags(rf"\b(?P<d1>{_DAY})\s*(?:-|–|—|to|and)\s*(?P<d2>{_DAY})\s+(?:of\s+)?(?P<mon>{_MON})(?:,?\s+(?P<year>{_YEAR}))?\b")),
    ("range_mon_dd_dd", _flags(rf"\b(?P<mon>{_MON})\s+(?P<d1>{_DAY})\s*(?:-|–|—|to|and)\s*(?P<d2>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?\b")),
    ("range_years", _flags(rf"(?i:\bbetween|\bfrom)\s+(?P<y1>{_YEAR})\s+(?i:and|to|until|till)\s+(?P<y2>{_YEAR})\b")),
    ("range_years_dash", _flags(rf"\b(?P<y1>{_YEAR})\s*(?:-|–|—)\s*(?P<y2>{_YEAR}|\d\d)\b")),
    # full dates
    ("dmy", _flags(rf"(?:\b{_WD},?\s+)?\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{_MON}),?\s+(?P<year>{_YEAR})\b")),
    ("mdy", _flags(rf"(?:\b{_WD},?\s+)?\b(?P<mon>{_MON})\s+(?P<day>{_DAY})(?:,\s*|\s+)(?P<year>{_YEAR})\b")),
    ("iso", _flags(rf"\b(?P<year>{_YEAR})-(?P<mnum>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])\b")),
    ("numeric", _flags(rf"\b(?:0?[1-9]|[12]\d|3[01])(?P<sep>[/.])(?:0?[1-9]|[12]\d|3[01])(?P=sep)(?P<year>{_YEAR})\b")),
    # day + month, year relative ("December 28 last year") or implicit
    ("dm_rel", _flags(rf"\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{_MON}),?\s+(?P<rel>(?i:last|this|next|previous|past)\s+year)\b")),
    ("md_rel", _flags(rf"\b(?P<mon>{_MON})\s+(?P<day>{_DAY}),?\s+(?P<rel>(?i:last|this|next|previous|past)\s+year)\b")),
    ("dm", _flags(rf"(?:\b{_WD},?\s+)?\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{_MON})(?![\w-])(?!,?\s*\d)")),
    ("md", _flags(rf"(?:\b{_WD},?\s+)?\b(?P<mon>{_MON})\s+(?P<day>{_DAY})(?![\w-])(?!,?\s*\d)")),
    # month + year
    ("my", _flags(rf"(?:\b(?P<qual>{_QUAL})[\s-]+(?:(?i:in)\s+)?)?\b(?P<mon>{_MON}),?\s+(?:of\s+)?(?P<year>{_YEAR})\b")),
    ("mon_rel", _flags(rf"(?:\b(?P<qual>{_QUAL})[\s-]+(?:(?i:in)\s+)?)?\b(?P<mon>{_MON})\s+(?P<rel>(?i:last|this|next|previous|past)\s+year)\b")),
    # month alone: needs a cue or a qualifier ("early February", "in March", "last December")
    ("mon_qual", _flags(rf"\b(?P<qual>{_QUAL})[\s-]+(?:(?i:in)\s+)?(?P<mon>{_MON})(?![\w-])")),
    ("mon_lastnext", _flags(rf"\b(?P<rel>(?i:last|next|this|past))\s+(?P<mon>{_MON})(?![\w-])")),
    ("mon_cue", _flags(rf"\b(?i:in|since|until|till|by|during|from|before|after)\s+(?P<x>(?P<mon>{_MON}))(?![\w-])")),
    # decades and years
    ("decade", _flags(r"\b(?i:the\s+)?(?:(?P<qual>(?i:early|mid|late))[\s-]+)?(?P<dec>(?:1[89]|20)\d0)'?s\b")),
    ("year_qual", _flags(rf"\b(?P<qual>{_QUAL})[\s-]+(?P<year>{_YEAR})\b")),
    ("year_cue", _flags(rf"\b(?:{_CUE}|(?i:aftermath of|year))\s+(?P<x>(?P<year>{_YEAR}))(?![\w-])")),
    ("year_of", _flags(rf"\b(?P<year>{_YEAR})(?=\s+(?i:election|elections|war|summit|census|olympics|agreement|deal|coup))")),
    # relative
    ("ago", _flags(rf"\b(?:(?i:nearly|almost|about|around|some|over|more than|less than|roughly|just|only)\s+)?(?P<n>{_NUM})\s+(?P<unit>(?i:days?|weeks?|months?|years?|decades?))\s+(?i:ago|earlier|before)\b")),
    ("rel_period", _flags(r"\b(?P<rel>(?i:earlier this|later this|last|this|next|past|previous|the previous|the past|the coming|the following|the same))\s+(?P<unit>(?i:week|month|year|weekend))\b")),
    ("rel_day", _flags(r"\b(?P<word>(?i:the day before yesterday|yesterday|today|tonight|tomorrow|last night|this morning|this afternoon|this evening|earlier today|earlier on \w+day))\b")),
    ("recent", _flags(r"\b(?i:in recent (?:days|weeks)|in the past few (?:days|weeks)|over the past (?:few )?(?:days|weeks)|recently|these days|in the coming (?:days|weeks))\b")),
    ("weekday", _flags(rf"\b(?:(?P<rel>(?i:last|next|this|on|earlier on|late on|early on|from|since|by|until))\s+)?(?P<wd>{_WD})(?:'s)?\b")),
)


# ----------------------------------------------------------------------------------------------
# helpers


# Prefilters (a speed-up only): a rule whose pattern requires a month name, an ASCII digit (every
# _DAY/_YEAR form starts with one), a weekday name or the closing word of "ago" cannot match a text
# without one, so it is not run there. Each prefilter matches a part of every form the rules accept
# (a prefix of month names, the "day" ending of weekday names).
_HAS_MONTH = re.compile("|".join(sorted({p for w in _MONTH_WORDS for p in (w[:3], w.upper()[:3])})))
_HAS_DIGIT = re.compile(r"[0-9]")
_HAS_WEEKDAY = re.compile(r"(?i:day)")  # every weekday name ends in "day" (a plain search is ~10x faster than _WD)
_HAS_AGO = re.compile(r"(?i:ago|earlier|before)")  # the word that ends every "ago" expression
_NEEDS_MONTH = frozenset({"range_dd_dd_mon", "range_mon_dd_dd", "dmy", "mdy", "dm_rel", "md_rel", "dm", "md", "my",
                          "mon_rel", "mon_qual", "mon_lastnext", "mon_cue"})
_NEEDS_DIGIT = frozenset({"range_dd_dd_mon", "range_mon_dd_dd", "range_years", "range_years_dash", "dmy", "mdy",
                          "iso", "numeric", "dm_rel", "md_rel", "dm", "md", "my", "decade", "year_qual", "year_cue",
                          "year_of"})
_NEEDS_WEEKDAY = frozenset({"weekday"})
_NEEDS_AGO = frozenset({"ago"})
_NON_DIGIT = re.compile(r"\D")
_CUE_BEFORE = re.compile(
    r"\b(on|in|since|from|by|until|till|during|last|back on|back in|as of|of)\s+(?:the\s+)?$", re.IGNORECASE)
_LAST_YEAR = re.compile(r"\b(?:last|previous|past) year\b", re.IGNORECASE)
_LEADING_CUE = re.compile(r"(on|in|last|next|this|since|between|from|early|mid|late)\b", re.IGNORECASE)
_GAP_CLAUSE = re.compile(r"[;:]|,\s+(?:and|but|while|whereas|which|who|when)\b")
_GAP_RELATIVE = re.compile(r"\b(?:which|who|whom|whose)\b")


def _int_day(s: str) -> int:
    return int(_NON_DIGIT.sub("", s))


def _month(s: str) -> int:
    return _MONTH_NUM[s.rstrip(".").casefold()]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _span_end(value: date, precision: str) -> date:
    if precision == "month":
        return _month_end(value)
    if precision == "year":
        return date(value.year, 12, 31)
    return value


def _is_future_context(text: str, start: int) -> bool:
    """A future/modal cue between the previous clause break and the expression."""
    window = text[max(0, start - 80) : start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(window):
        cut = m.end()
    return bool(_FUTURE_CUES.search(window[cut:]))


def _cue_before(text: str, start: int) -> str | None:
    m = _CUE_BEFORE.search(text[max(0, start - 14) : start])
    return m.group(1).lower() if m else None


def _year_of_day_month(month: int, day: int, published: date, future: bool, year_hint: int | None) -> date | None:
    """The year of an undated day-month: the hinted year, else the latest on/before publication
    (past) or the first on/after it (future)."""
    if year_hint is not None:
        return _safe_date(year_hint, month, day)
    cand = _safe_date(published.year, month, day)
    if cand is None:  # 29 Feb
        cand = _safe_date(published.year - 1, month, day) if not future else _safe_date(published.year + 1, month, day)
        return cand
    if future:
        return cand if cand >= published else _safe_date(published.year + 1, month, day)
    return cand if cand <= published else _safe_date(published.year - 1, month, day)


def _year_of_month(month: int, published: date, future: bool, year_hint: int | None) -> date:
    if year_hint is not None:
        return date(year_hint, month, 1)
    cand = date(published.year, month, 1)
    if future:
        return cand if month >= published.month else date(published.year + 1, month, 1)
    return cand if month <= published.month else date(published.year - 1, month, 1)


def _sentence_year_hint(text: str, published: date | None) -> int | None:
    """'last year' / 'this year' elsewhere in the sentence fixes the year of undated days/months."""
    if published is None:
        return None
    if _LAST_YEAR.search(text):
        return published.year - 1
    return None


# ----------------------------------------------------------------------------------------------
# normalisation with dateparser (see the module docstring for what goes here and what does not)

DEFAULT_DATE_ORDER = "DMY"
"""Day/month order for an ambiguous numeric date ("12/01/2023" = 12 January 2023)."""

_NEUTRAL_BASE = date(2000, 1, 1)  # base for strings that carry their own year: never used by dateparser
_FULL = ("day", "month", "year")


@lru_cache(maxsize=16384)
def _dateparse(
    text: str,
    base: date,
    *,
    parts: tuple[str, ...] = (),
    order: str | None = None,
    parser: str = "absolute-time",
) -> date | None:
    """dateparser's reading of `text` relative to `base` (past preferred), or None.

    Memoised on its arguments, so a sentence re-read for each of its events costs one parse."""
    settings: dict[str, object] = {
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": datetime.combine(base, time()),
        "REQUIRE_PARTS": list(parts),
        "PARSERS": [parser],
        "RETURN_TIME_AS_PERIOD": True,
    }
    if order is not None:
        settings["DATE_ORDER"] = order
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def _dp_full(text: str) -> date | None:
    """A full date written out ("Dec. 28, 2022", "25th of April 2023", "2023-01-12")."""
    return _dateparse(text, _NEUTRAL_BASE, parts=_FULL)


def _dp_numeric(text: str, published: date | None, future: bool, order: str) -> date | None:
    """A numeric date ("12/01/2023", "25.12.2023") read with `order` ("DMY" or "MDY"), unless only
    the other order gives a real date, or (past event) only the other order is not after
    publication."""
    first = _dateparse(text, _NEUTRAL_BASE, parts=_FULL, order=order)
    if first is not None and (published is None or future or first <= published):
        return first
    other = _dateparse(text, _NEUTRAL_BASE, parts=_FULL, order="MDY" if order == "DMY" else "DMY")
    if other is not None and (first is None or published is None or other <= published):
        return other
    return first


def _dp_relative(phrase: str, published: date) -> date | None:
    """A phrase dateparser's relative-time parser reads against the publication date
    ("yesterday", "last month", "3 weeks ago")."""
    return _dateparse(phrase, published, parser="relative-time")


def _truncate(d: date, precision: str) -> date:
    """First day of the period of `precision` containing d."""
    if precision == "month":
        return d.replace(day=1)
    if precision == "year":
        return date(d.year, 1, 1)
    return d


# ----------------------------------------------------------------------------------------------
# finding expressions


def _without_weekday(m: re.Match[str]) -> str:
    """The matched date without a leading weekday ("Monday, 5 June 2023" -> "5 June 2023")."""
    starts = [m.start(k) for k in ("day", "mon", "year") if k in m.re.groupindex and m.start(k) >= 0]
    return m.string[min(starts) : m.end()]


def _resolve_match(
    name: str, m: re.Match[str], text: str, published: date | None, future: bool, year_hint: int | None,
    date_order: str = DEFAULT_DATE_ORDER,
) -> tuple[date, str, str, bool, bool] | None:
    """(value, precision, source, is_range, future) for one rule match, or None if unresolvable."""
    g = m.groupdict()
    pub = published
    if name in ("range_dd_dd_mon", "range_mon_dd_dd"):
        mon, d1 = _month(g["mon"]), _int_day(g["d1"])
        if g.get("year"):
            v = _safe_date(int(g["year"]), mon, d1)
            return (v, "day", "explicit", True, future) if v else None
        if pub is None:
            return None
        v = _year_of_day_month(mon, d1, pub, future, year_hint)
        return (v, "day", "explicit", True, future) if v else None
    if name in ("range_years", "range_years_dash"):
        y1 = int(g["y1"])
        y2s = g["y2"]
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        if y2 <= y1:
            return None
        return date(y1, 1, 1), "year", "explicit", True, future
    if name in ("dmy", "mdy", "iso"):
        v = _dp_full(_without_weekday(m))
        return (v, "day", "explicit", False, future) if v else None
    if name == "numeric":
        v = _dp_numeric(m.group(0), pub, future, date_order)
        return (v, "day", "explicit", False, future) if v else None
    if name in ("dm_rel", "md_rel"):
        if pub is None:
            return None
        rel = g["rel"].split()[0].lower()
        y = pub.year + (1 if rel == "next" else 0 if rel == "this" else -1)
        v = _safe_date(y, _month(g["mon"]), _int_day(g["day"]))
        return (v, "day", "relative", False, rel == "next") if v else None
    if name in ("dm", "md"):
        if pub is None:
            return None
        if future or year_hint is not None:
            # rule: a future day is the first on or after publication (dateparser's "future"
            # skips the publication day itself); "last year" in the sentence fixes the year
            v = _year_of_day_month(_month(g["mon"]), _int_day(g["day"]), pub, future, year_hint)
        else:  # the latest such day on or before publication
            v = _dateparse(f"{g['day']} {g['mon']}", pub, parts=("day", "month"))
        return (v, "day", "explicit", False, future) if v else None
    if name == "my":
        v = _dateparse(f"{g['mon']} {g['year']}", _NEUTRAL_BASE, parts=("month", "year"))
        return (v, "month", "explicit", False, future) if v else None
    if name == "mon_rel":
        if pub is None:
            return None
        rel = g["rel"].split()[0].lower()
        y = pub.year + (1 if rel == "next" else 0 if rel == "this" else -1)
        return date(y, _month(g["mon"]), 1), "month", "relative", False, rel == "next"
    if name in ("mon_qual", "mon_cue"):
        if pub is None:
            return None
        return _past_or_future_month(g["mon"], pub, future, year_hint), "month", "relative", False, future
    if name == "mon_lastnext":
        if pub is None:
            return None
        rel, mon = g["rel"].lower(), _month(g["mon"])
        if rel == "next":
            y = pub.year if mon > pub.month else pub.year + 1
            return date(y, mon, 1), "month", "relative", False, True
        if rel in ("last", "past"):
            y = pub.year if mon < pub.month else pub.year - 1
            return date(y, mon, 1), "month", "relative", False, False
        return _past_or_future_month(g["mon"], pub, future, None), "month", "relative", False, future
    if name == "decade":
        dec = int(g["dec"])
        qual = (g.get("qual") or "").lower()
        start = dec + (0 if qual in ("", "early") else 4 if qual == "mid" else 7)
        return date(start, 1, 1), "year", "explicit", True, future
    if name in ("year_qual", "year_cue", "year_of"):
        y = int(g["year"])
        return date(y, 1, 1), "year", "explicit", False, future
    if pub is None:
        return None
    if name == "ago":
        # dateparser does the arithmetic on "<n> <unit>s ago" ("a few" counts as 3, which it
        # cannot read); the precision is ours: a day for up to six days, else the month, the year
        n = _NUMBER_WORDS.get(g["n"].casefold()) if not g["n"].isdigit() else int(g["n"])
        if n is None:
            return None
        unit = g["unit"].lower().rstrip("s")
        vague = g["n"].lower() in ("a few", "few", "several", "some", "a couple of")
        v = _dp_relative(f"{n} {unit}s ago", pub)
        if v is None:
            return None
        precision = "year" if unit in ("year", "decade") else "day" if unit == "day" and n <= 6 and not vague else "month"
        return _truncate(v, precision), precision, "relative", False, False
    if name == "rel_period":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        if rel in ("last", "this", "next") and unit != "weekend":
            # dateparser's "last week" is the day a week before; ours is that day's month
            v = _dp_relative(f"{rel} {unit}", pub)
            if v is not None:
                precision = "year" if unit == "year" else "month"
                return _truncate(v, precision), precision, "relative", False, rel == "next"
        step = -1 if rel in ("last", "past", "previous", "the previous", "the past") else 1 if rel in ("next", "the coming", "the following") else 0
        fut = step > 0 or rel == "later this"
        if unit in ("week", "weekend"):
            v = pub + timedelta(weeks=step)
            if unit == "weekend" and step <= 0:
                back = (pub.weekday() - 5) % 7 + (7 if step < 0 and pub.weekday() >= 5 else 0)
                v = pub - timedelta(days=back)
                return v, "day", "relative", False, False
            return v.replace(day=1), "month", "relative", False, fut
        if unit == "month":
            return _add_months(pub, step), "month", "relative", False, fut
        return date(pub.year + step, 1, 1), "year", "relative", False, fut
    if name == "rel_day":
        w = g["word"].lower()
        v = _dp_relative(w, pub) if w in _DATEPARSER_DAY_WORDS else None
        if v is None:  # "earlier today", "earlier on Monday": the publication day
            v = pub
        return v, "day", "relative", False, v > pub
    if name == "recent":
        w = m.group(0).lower()
        if "coming" in w:
            return pub.replace(day=1), "month", "relative", False, True
        v = pub - timedelta(days=3)
        return v.replace(day=1), "month", "relative", False, False
    if name == "weekday":
        wd = _WEEKDAYS.index(g["wd"].casefold())
        rel = (g.get("rel") or "").lower()
        fut = future or rel == "next"
        if rel == "last":  # dateparser agrees: a week back when the weekday is today
            v = _dateparse(f"last {g['wd']}", pub)
            return (v, "day", "relative", False, False) if v else None
        # rule: "on Thursday" in a Thursday paper is that day (dateparser's "past" goes a week
        # back); a future weekday is the next one after publication
        if fut:
            ahead = (wd - pub.weekday()) % 7 or 7
            return pub + timedelta(days=ahead), "day", "relative", False, True
        back = (pub.weekday() - wd) % 7
        return pub - timedelta(days=back), "day", "relative", False, False
    return None


_DATEPARSER_DAY_WORDS = frozenset(
    {"the day before yesterday", "yesterday", "today", "tonight", "tomorrow", "last night",
     "this morning", "this afternoon", "this evening"}
)


def _past_or_future_month(mon: str, published: date, future: bool, year_hint: int | None) -> date:
    """A month named alone: the latest on or before publication's month (dateparser), or the
    first on or after it for a future reference, or in the hinted year (rules)."""
    if not future and year_hint is None:
        v = _dateparse(mon, published, parts=("month",))
        if v is not None:
            return v
    return _year_of_month(_month(mon), published, future, year_hint)


_RELATIVE_FUTURE_RULES = frozenset({"weekday", "dm", "md", "mon_qual", "mon_cue", "range_dd_dd_mon", "range_mon_dd_dd"})


def find_time_expressions(
    text: str, published: date | None, *, future: bool | None = None, date_order: str = DEFAULT_DATE_ORDER
) -> list[TimeExpression]:
    """Every explicit or relative time expression in `text`, resolved against `published`.

    `future`: True/False forces the tense for weekday/undated expressions; None (default)
    detects it from modal cues ("will", "could", "plans to"...) just before each expression.
    `date_order` ("DMY" or "MDY") reads ambiguous numeric dates.
    Relative expressions are skipped when `published` is None; absurd years are dropped."""
    raw: list[tuple[int, int, int, str, re.Match[str]]] = []
    no_month = _HAS_MONTH.search(text) is None
    no_digit = _HAS_DIGIT.search(text) is None
    no_weekday = _HAS_WEEKDAY.search(text) is None
    no_ago = _HAS_AGO.search(text) is None
    for order, (name, pat) in enumerate(_RULES):
        if (no_month and name in _NEEDS_MONTH) or (no_digit and name in _NEEDS_DIGIT) \
                or (no_weekday and name in _NEEDS_WEEKDAY) or (no_ago and name in _NEEDS_AGO):
            continue
        for m in pat.finditer(text):
            s, e = m.span("x") if "x" in pat.groupindex else m.span()
            if e > s:
                raw.append((s, e, order, name, m))
    # longest first, then rule order; drop overlaps
    raw.sort(key=lambda r: (-(r[1] - r[0]), r[2], r[0]))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str, re.Match[str]]] = []
    for s, e, _o, name, m in raw:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        chosen.append((s, e, name, m))
    chosen.sort()
    year_hint = _sentence_year_hint(text, published)
    out: list[TimeExpression] = []
    for s, e, name, m in chosen:
        if future is None:
            fut = name in _RELATIVE_FUTURE_RULES and _is_future_context(text, s)
        else:
            fut = future
        res = _resolve_match(
            name, m, text, published, fut, year_hint if name in ("dm", "md", "mon_qual", "mon_cue") else None, date_order
        )
        if res is None:
            continue
        value, precision, source, is_range, is_fut = res
        if value.year < 1900:
            continue
        if published is not None and not is_fut and value.year > published.year + 1:
            continue  # "Resolution 2254", a past reference beyond publication
        if published is None and value.year > 2100:
            continue
        out.append(
            TimeExpression(
                start=s, end=e, text=text[s:e], value=value, precision=precision, source=source,
                is_range=is_range, cue=_cue_before(text, s) or _leading_cue(text[s:e]), future=is_fut,
            )
        )
    return out


def _leading_cue(s: str) -> str | None:
    m = _LEADING_CUE.match(s)
    return m.group(1).lower() if m else None


# ----------------------------------------------------------------------------------------------
# event dates


def _is_historical(value: date, precision: str, published: date | None) -> bool:
    if published is None:
        return False
    if precision == "year":
        return value.year < published.year
    return (published - _span_end(value, precision)).days > 60


def _publication_fallback(published: date | None, published_inferred: bool, habitual: bool) -> DateResolution:
    if published is None:
        return DateResolution(None, "unknown", None, False, None)
    src = "inferred" if published_inferred else "publication"
    if habitual:
        return DateResolution(published.replace(day=1), "month", src, False, "publication month (ongoing/habitual)")
    return DateResolution(published, "day", src, False, "publication date")


_SPEECH_BEFORE = re.compile(
    r"\b(?:said|says|told\s+\w+|added|stated|announced|noted|reported|confirmed|denied|declared|tweeted|wrote)\s+$",
    re.IGNORECASE,
)
_CUE_BONUS = {"on": 12, "in": 10, "since": 12, "last": 8, "back on": 12, "back in": 12, "as of": 6, "between": 8}


def _pick_expression(
    sentence: str, exprs: Sequence[TimeExpression], trigger_offset: int | None
) -> TimeExpression | None:
    if not exprs:
        return None
    if trigger_offset is None:
        cued = [x for x in exprs if x.cue in _CUE_BONUS]
        best = (cued or list(exprs))[0]
    else:
        def score(x: TimeExpression) -> float:
            if x.start >= trigger_offset:
                gap = sentence[trigger_offset : x.start]
                dist = float(len(gap))
            else:
                gap = sentence[x.end : trigger_offset]
                dist = float(len(gap)) + 5.0
            # a clause boundary between expression and trigger weakens the link, except for
            # sentence-initial adverbials ("On Monday, X said ...")
            initial = x.start <= 12 and x.start < trigger_offset
            if not initial and _GAP_CLAUSE.search(gap):
                dist += 60.0
            elif x.start > trigger_offset and _GAP_RELATIVE.search(gap):
                return math.inf  # the expression sits in a relative clause of its own
            elif not initial and x.start < trigger_offset and "," in gap:
                dist += 25.0
            if initial:
                dist = min(dist, 30.0)
            # "X said on Monday he would ...": the expression belongs to the speech verb
            speech = _SPEECH_BEFORE.search(sentence[max(0, x.start - 25) : x.start])
            if speech and not (x.start - 25 <= trigger_offset < x.start):
                dist += 40.0
            return dist - _CUE_BONUS.get(x.cue or "", 0)

        scored = [(score(x), x) for x in exprs]
        scored = [(sc, x) for sc, x in scored if sc != math.inf]
        if not scored:
            return None
        best = min(scored, key=lambda t: t[0])[1]
    # refine: a finer expression inside the chosen one's span ("Last year ... on Dec 28")
    lo, hi = best.value, _span_end(best.value, best.precision)
    finer = [
        x for x in exprs
        if x is not best and _rank(x.precision) < _rank(best.precision) and lo <= x.value <= hi
    ]
    if finer:
        best = min(finer, key=lambda x: _rank(x.precision))
    return best


def _rank(precision: str) -> int:
    return {"day": 0, "month": 1, "year": 2}.get(precision, 3)


def resolve_event_date(
    sentence: str,
    published: date | None,
    *,
    trigger_offset: int | None = None,
    future: bool | None = None,
    published_inferred: bool = False,
    habitual: bool = False,
    expressions: Sequence[TimeExpression] | None = None,
) -> DateResolution:
    """The date of the event in `sentence` whose verb starts at `trigger_offset`.

    The governing time expression (nearest to the trigger, preferring on/in/since/last), else
    the publication date (month precision for habitual/ongoing stances). `future`: True for a
    future-tense event, False for past, None to detect. A past event never gets a date after
    publication."""
    exprs = list(expressions) if expressions is not None else find_time_expressions(sentence, published, future=future)
    if published is not None and future is not True:
        # past/undetected: no date after publication unless the expression itself is future
        exprs = [x for x in exprs if x.future or x.value <= published]
    if future is False and published is not None:
        exprs = [x for x in exprs if x.value <= published]
    if habitual:
        # a stance stamps the report month unless the text dates its start ("since 2016")
        exprs = [x for x in exprs if x.cue in ("since", "from", "in", "on", "back on", "back in") or x.source == "explicit"]
    best = _pick_expression(sentence, exprs, trigger_offset)
    if best is None:
        return _publication_fallback(published, published_inferred, habitual)
    src = best.source
    if published_inferred and src == "relative":
        src = "inferred"
    return DateResolution(
        event_date=best.value,
        precision=best.precision,
        source=src,
        is_historical=_is_historical(best.value, best.precision, published),
        evidence=best.text,
    )


def resolve_event_date_span(
    sent: Span,
    trigger: Token | None,
    published: date | None,
    *,
    future: bool | None = None,
    published_inferred: bool = False,
    habitual: bool = False,
    exclude: Sequence[tuple[int, int]] = (),
    clause_scoped: bool = True,
    text: str | None = None,
    expression_cache: dict[tuple[int, bool | None], list[TimeExpression]] | None = None,
) -> DateResolution:
    """resolve_event_date on a spaCy sentence: an expression inside the trigger's own clause
    (reached by walking heads to the nearest verb) wins, else one outside the trigger's own
    subordinate and coordinated clauses ("accused X of
    shelling on Saturday" does not date the accusation; `clause_scoped=False` lifts this); tense
    from the trigger's auxiliaries.
    `exclude`: document char spans that are not event times (the dateline).
    `text`: `sent.text` if already known; `expression_cache`: a per-article dict (same
    `published`) memoising the sentence's time expressions by (sentence start, tense flag)."""
    if text is None:
        text = sent.text
    if trigger is None:
        return resolve_event_date(text, published, future=future, published_inferred=published_inferred, habitual=habitual)
    if future is None:
        future = _span_future(trigger)
    base = sent.start_char
    flag = True if future else None
    if expression_cache is None:
        found = find_time_expressions(text, published, future=flag)
    else:
        key = (sent.start, flag)
        cached = expression_cache.get(key)
        if cached is None:
            cached = expression_cache[key] = find_time_expressions(text, published, future=flag)
        found = cached
    exprs = [x for x in found if not any(base + x.start < b and a < base + x.end for a, b in exclude)]
    heads = {x: _attached_verb(sent, base + x.start, base + x.end) for x in exprs}
    attached = [x for x in exprs if heads[x] == trigger.i]
    offset = trigger.idx - base
    if not attached and clause_scoped:
        below = {t.i for t in trigger.subtree} - {trigger.i}
        attached = [x for x in exprs if heads[x] not in below]
    elif not attached:
        attached = exprs
    return resolve_event_date(
        text, published, trigger_offset=offset, future=future, published_inferred=published_inferred,
        habitual=habitual, expressions=attached,
    )


def _span_future(trigger: Token) -> bool | None:
    for child in trigger.children:
        if child.dep_ in ("aux", "aux:pass") and child.lower_ in ("will", "'ll", "shall", "wo"):
            return True
    if trigger.tag_ in ("VBD", "VBN"):
        return False
    head = trigger.head
    if trigger.dep_ == "xcomp" and head.lemma_ in ("plan", "intend", "expect", "hope", "want", "aim", "schedule"):
        return True
    return None


def _attached_verb(sent: Span, start_char: int, end_char: int) -> int | None:
    """Index of the nearest verb above the expression's syntactic head."""
    # tokens starting inside [start_char, end_char): binary search for the first (token offsets increase)
    doc = sent.doc
    lo, hi = sent.start, sent.end
    while lo < hi:
        mid = (lo + hi) // 2
        if doc[mid].idx < start_char:
            lo = mid + 1
        else:
            hi = mid
    toks = []
    for k in range(lo, sent.end):
        t = doc[k]
        if t.idx >= end_char:
            break
        toks.append(t)
    if not toks:
        return None
    root = next((t for t in toks if not (start_char <= t.head.idx < end_char) or t.head == t), toks[0])
    node = root.head
    for _ in range(12):
        if node.pos_ in ("VERB", "AUX"):
            return int(node.i)
        if node.head == node:
            return int(node.i) if node.pos_ in ("VERB", "AUX") else None
        node = node.head
    return None


# ----------------------------------------------------------------------------------------------
# publication dates

_FULL_DATE = re.compile(
    rf"(?:\b(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MON}),?\s+(?P<y1>{_YEAR})\b)"
    rf"|(?:\b(?P<m2>{_MON})\s+(?P<d2>{_DAY})(?:,\s*|\s+)(?P<y2>{_YEAR})\b)"
    rf"|(?:\b(?P<y3>{_YEAR})-(?P<m3>0[1-9]|1[0-2])-(?P<d3>0[1-9]|[12]\d|3[01])\b)"
)
_DATELINE = re.compile(
    rf"^\s*(?P<place>[A-Z][A-Za-z .'’-]{{1,40}}?)\s*(?:\([^)]{{1,30}}\)\s*)?,\s*(?P<date>"
    rf"(?:{_DAY}\s+{_MON},?\s+{_YEAR})|(?:{_MON}\s+{_DAY}(?:,\s*|\s+){_YEAR})|(?:{_MON}\s+{_DAY})|(?:{_DAY}\s+{_MON}))"
    rf"\s*(?:\([^)]{{1,40}}\)\s*)?(?:[:\-–—]|$)",
    re.MULTILINE,
)
_BYLINE = re.compile(
    rf"(?im)^(?:by\s+[^\n]{{1,80}}?|published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|date)\s*[-–—|:,]?\s*"
    rf"(?:{_WD},?\s+)?(?P<date>(?-i:{_DAY}\s+{_MON},?\s+{_YEAR}|{_MON}\s+{_DAY}(?:,\s*|\s+){_YEAR})|{_YEAR}-\d\d-\d\d)"
)
_CAPTION = re.compile(r"\((?:[^()\n]{0,30}\b)?(?:photo|photos|file photo|image|picture|credit)\b[^()\n]{0,80}\)", re.IGNORECASE)
_WEEKDAY_REF = re.compile(rf"\b(?:(?i:on|last|this|earlier on|late on|a|an|the|since|by|until)\s+)?(?P<wd>{_WD})\b")


def _parse_full(m: re.Match[str]) -> date | None:
    """The date of a `_FULL_DATE` match, read by dateparser (None for "31 February 2023")."""
    return _dp_full(m.group(0))


def _parse_date_text(s: str) -> date | None:
    m = _FULL_DATE.search(s)
    return _parse_full(m) if m else None


def _full_dates(text: str) -> list[tuple[date, int, int]]:
    out = []
    for m in _FULL_DATE.finditer(text):
        d = _parse_full(m)
        if d is not None and 1900 <= d.year <= 2100:
            out.append((d, m.start(), m.end()))
    return out


def _weekday_refs(text: str, date_spans: Iterable[tuple[int, int]]) -> set[int]:
    """Weekdays referred to as past days ("on Thursday", "a Wednesday meeting"), not inside
    full dates and not in a future context."""
    spans = list(date_spans)
    out: set[int] = set()
    for m in _WEEKDAY_REF.finditer(text):
        s = m.start("wd")
        if any(a - 12 <= s < b for a, b in spans):
            continue
        if _is_future_context(text, s) or re.match(r"(?i)next\b", m.group(0)):
            continue
        out.add(_WEEKDAYS.index(m.group("wd").casefold()))
    return out


def _year_for_undated(text: str, month: int, day: int) -> int | None:
    """Year for a dateline without one: the latest full date or year mentioned in the text."""
    years = [d.year for d, _s, _e in _full_dates(text)]
    if not years:
        years = [int(y) for y in re.findall(rf"\b({_YEAR})\b", text)]
    return max(years) if years else None


def infer_publication_date(text: str, title: str | None = None) -> PublicationDate | None:
    """The publication date supported by the text itself, or None (never today's date).

    In order: a leading dateline, a byline/"Published" line, the latest full date whose weekday
    matches a weekday the text refers to (moved forward to the latest weekday referred to within
    the following six days), the latest dated photo caption."""
    head = text[:600]
    m = _DATELINE.search(head)
    if m and m.start() < 400:
        ds = m.group("date")
        d = _parse_date_text(ds)
        if d is None:
            dm = re.match(rf"(?:(?P<d>{_DAY})\s+(?P<m>{_MON}))|(?:(?P<m2>{_MON})\s+(?P<d2>{_DAY}))", ds)
            if dm:
                mon = _month(dm.group("m") or dm.group("m2"))
                day = _int_day(dm.group("d") or dm.group("d2"))
                y = _year_for_undated(text, mon, day)
                d = _safe_date(y, mon, day) if y else None
        if d is not None:
            return PublicationDate(d, m.group(0).strip(), "dateline")
    m2 = _BYLINE.search(text[:3000])
    if m2:
        d = _parse_date_text(m2.group("date"))
        if d is not None:
            return PublicationDate(d, m2.group(0).strip(), "byline")
    full_text = f"{title}\n{text}" if title else text
    dates = _full_dates(full_text)
    if not dates:
        return None
    wds = _weekday_refs(full_text, [(s, e) for _d, s, e in dates])
    caption_spans = [(c.start(), c.end()) for c in _CAPTION.finditer(full_text)]
    captioned = [(d, s, e) for d, s, e in dates if _in_caption(full_text, s, caption_spans)]
    if wds:
        supported: list[tuple[date, date, int, int]] = []
        for d, s, e in dates:
            if d.weekday() in wds:
                last = max(d + timedelta(days=(w - d.weekday()) % 7) for w in wds)
                supported.append((last, d, s, e))
        if supported:
            last, d, s, e = max(supported)
            method = "caption+weekday" if any(d == c[0] for c in captioned) else "date+weekday"
            names = ", ".join(sorted({_WEEKDAYS[w].capitalize() for w in wds}, key=lambda n: _WEEKDAYS.index(n.lower())))
            return PublicationDate(last, f"{full_text[s:e]} ({d:%A}); weekday references: {names}", method)
    if captioned:
        d, s, e = max(captioned)
        return PublicationDate(d, full_text[s:e], "caption")
    return None


def _in_caption(text: str, start: int, caption_spans: Sequence[tuple[int, int]]) -> bool:
    """A date in the same line as, and shortly before, a photo credit; or inside one."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    return any(a - 200 <= start <= b and a <= line_end for a, b in caption_spans if a >= start - 200 and b <= line_end + 1 or a <= start <= b)



# ----------------------------------------------------------------------------------------------
# discourse: anaphoric times and report anchors

_ANAPHORIC = re.compile(
    r"\b(?:at the time|at that time|at the same time|on the same day|the same day|on that day|that day|"
    r"on that occasion|during (?:the|that) (?:meeting|visit|talks|call|briefing))\b",
    re.IGNORECASE,
)
_REPORT_ANCHOR = re.compile(
    r"\b(?:made|gave|delivered|issued|voiced|expressed)\s+(?:the|these|those|his|her|their|its)\s+"
    r"(?:remarks?|comments?|statements?|speech|announcement|pledge|appeal|call)\b",
    re.IGNORECASE,
)


def is_anaphoric_time(text: str) -> bool:
    """The sentence dates its event by reference to the one just told ("said at the time")."""
    return bool(_ANAPHORIC.search(text))


def report_anchor(text: str) -> tuple[int, int] | None:
    """Span of "made the remarks"-style phrases: the sentence dates and places a statement told
    just before ("X made the comments in a meeting ... on Thursday")."""
    m = _REPORT_ANCHOR.search(text)
    return m.span() if m else None


_AGENCY_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][A-Za-z .'’-]{1,30})?"  # "NEW FREDVILLE, Sylvania"
    r"(?:(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+\d{4})?)\s*(?:\([^)]{1,40}\))?|\s*\([^)]{1,40}\))"  # a date and/or (Agency)
    r"\s*[\-–—:]",
    re.MULTILINE,
)


def dateline_end(text: str) -> int | None:
    """Char offset just after a leading dateline ("ANKARA, Oct 6 (Wire) -", "LIMA (Agency) -"), None
    when the text opens without one: the story's first sentence starts there."""
    for rx in (_DATELINE, _AGENCY_DATELINE):
        m = rx.search(text[:600])
        if m and m.start() < 400 and m.group(0).rstrip()[-1:] in "-–—:":
            return m.end()
    return None


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Char spans of a leading dateline ("ANKARA, Oct 6 (Wire) -") and a byline date ("By News
    Desk - September 24 2022"): their date is the story's, not an event's."""
    out = []
    m = _DATELINE.search(text[:600])
    if m and m.start() < 400:
        out.append(m.span())
    b = _BYLINE.search(text[:3000])
    if b:
        out.append(b.span())
    return out
