"""The coder's one seam to the time, place and ACLED modules (guarded: each may be absent)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from datetime import date
from types import ModuleType
from typing import Any

from spacy.tokens import Span, Token

from dyadflow.records import Event


@dataclass(frozen=True)
class _NoDate:
    event_date: date | None
    precision: str
    source: str | None
    is_historical: bool = False
    evidence: str | None = None


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def event_date(
    sent: Span, trigger: Token, published: date | None, *, published_inferred: bool = False,
    habitual: bool = False, future: bool | None = None,
) -> Any:
    """DateResolution of the event triggered at `trigger` (publication date when no timeparse)."""
    tp = _module("dyadflow.timeparse")
    if tp is not None and hasattr(tp, "resolve_event_date_span"):
        return tp.resolve_event_date_span(sent, trigger, published, future=future,
                                          published_inferred=published_inferred, habitual=habitual)
    if tp is not None and hasattr(tp, "resolve_event_date"):
        return tp.resolve_event_date(sent.text, published, trigger_offset=trigger.idx - sent.start_char,
                                     future=future, published_inferred=published_inferred)
    if published is None:
        return _NoDate(None, "unknown", None)
    return _NoDate(published, "day", "inferred" if published_inferred else "publication")


def dateline(text: str, gazetteer: Any) -> Any:
    if gazetteer is None:
        return None
    geo = _module("dyadflow.geo")
    if geo is None or not hasattr(geo, "find_dateline_place"):
        return None
    return geo.find_dateline_place(text, gazetteer)


def place(sentence: str, gazetteer: Any, **kwargs: Any) -> Any:
    if gazetteer is None:
        return None
    geo = _module("dyadflow.geo")
    if geo is None or not hasattr(geo, "resolve_place"):
        return None
    return geo.resolve_place(sentence, gazetteer, **kwargs)


def acled(ev: Event, crosswalk: Any) -> Event:
    """ACLED type/sub-type/interaction from the lexicon's crosswalk (dyadflow.acled), if any."""
    if crosswalk is None:
        return ev
    et, sub, inter = crosswalk.classify(ev)
    return replace(ev, acled_event_type=et, acled_sub_event_type=sub, interaction=inter)
