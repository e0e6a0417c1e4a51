"""Frozen typed records of the coder's dictionaries and the Lexicon that holds them.

A Lexicon can be built from seeds/ (dyadflow.lexicon.loader.load_lexicon) or programmatically
(e.g. from PETRARCH dictionaries): every entry is a plain frozen record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

_EXTRA_FOLD = str.maketrans(
    {"ı": "i", "İ": "I", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
     "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "ð": "d", "’": "'", "‘": "'", "ʼ": "'",
     "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-folded lower-case form used for alias matching ("Çavuşoğlu" -> "cavusoglu")."""
    text = text.translate(_EXTRA_FOLD)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def alias_key(text: str) -> tuple[str, ...]:
    """Whitespace/punctuation-insensitive key of an alias (used for de-duplication only)."""
    return tuple(t for t in re.split(r"[\s]+", fold(text).strip()) if t)


@dataclass(frozen=True, slots=True)
class Country:
    """A country (or country-like) actor prefix with its surface forms."""

    code: str
    name: str
    iso3: str | None = None
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    capitals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamedActor:
    """A named person/organisation with a code valid in [valid_from, valid_to]."""

    actor_id: str
    name: str
    code: str
    kind: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    role: str | None = None
    title: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date | None) -> bool:
        if day is None:
            return True
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


@dataclass(frozen=True, slots=True)
class Agent:
    """A generic agent term ("defence minister", "rebels") and the role it gives."""

    term: str
    role: str
    kind: str = "title"  # title | group | body
    person: bool = True


@dataclass(frozen=True, slots=True)
class VerbPattern:
    """One event pattern: a verb or noun lemma (or phrase) with optional constraints.

    `prep`: a preposition/particle that must attach to the trigger (e.g. "with" for "meet with");
    `particle`: a verb particle ("cut off"); `obj`: required object lemmas ("hold" + "talks");
    `source`/`target`: slot hints (e.g. "subj", "dobj", "prep:with", "poss"); `gov`: lemmas that
    must govern the trigger (a noun under "support"/"broker" becomes mediation).
    """

    id: str
    lemma: str
    code: str
    pos: str = "VERB"  # VERB | NOUN
    prep: tuple[str, ...] = ()
    particle: str | None = None
    obj: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    symmetric: bool = False
    confidence: float = 0.8
    gov: tuple[str, ...] = ()  # required governing lemmas ("support" + "rapprochement" -> 045)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Outlet:
    """A news outlet or agency: a channel, never coded as an actor."""

    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None


@dataclass(frozen=True, slots=True)
class CameoCode:
    code: str
    label: str
    root: str
    quad_class: int
    goldstein: float | None


@dataclass(frozen=True)
class Lexicon:
    """Everything the coder needs from dictionaries; derived indexes are built once."""

    countries: tuple[Country, ...]
    actors: tuple[NamedActor, ...]
    agents: tuple[Agent, ...]
    patterns: tuple[VerbPattern, ...]
    outlets: tuple[Outlet, ...]
    cameo: Mapping[str, CameoCode]
    version: str = "programmatic"
    acled_crosswalk: Any = field(default=None, compare=False)  # dyadflow.acled.AcledCrosswalk when available
    country_by_code: Mapping[str, Country] = field(init=False, repr=False, compare=False)
    agent_by_term: Mapping[str, Agent] = field(init=False, repr=False, compare=False)
    country_by_iso3: Mapping[str, Country] = field(init=False, repr=False, compare=False)
    patterns_by_lemma: Mapping[tuple[str, str], tuple[VerbPattern, ...]] = field(
        init=False, repr=False, compare=False
    )
    actors_by_id: Mapping[str, tuple[NamedActor, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cameo", MappingProxyType(dict(self.cameo)))
        object.__setattr__(self, "country_by_code", MappingProxyType({c.code: c for c in self.countries}))
        object.__setattr__(
            self, "country_by_iso3", MappingProxyType({c.iso3: c for c in reversed(self.countries) if c.iso3})
        )
        object.__setattr__(
            self, "agent_by_term", MappingProxyType({fold(a.term): a for a in self.agents})
        )
        by_lemma: dict[tuple[str, str], list[VerbPattern]] = {}
        for p in self.patterns:
            by_lemma.setdefault((fold(p.lemma), p.pos), []).append(p)
        # most specific first: patterns with more constraints win
        object.__setattr__(
            self,
            "patterns_by_lemma",
            MappingProxyType(
                {
                    k: tuple(sorted(v, key=lambda p: -(len(p.prep) + len(p.obj) + bool(p.particle) + 2 * bool(p.gov))))
                    for k, v in by_lemma.items()
                }
            ),
        )
        by_id: dict[str, list[NamedActor]] = {}
        for a in self.actors:
            by_id.setdefault(a.actor_id, []).append(a)
        object.__setattr__(self, "actors_by_id", MappingProxyType({k: tuple(v) for k, v in by_id.items()}))

    def actor_on(self, actor_id: str, day: date | None) -> NamedActor | None:
        """The entry of actor_id valid on day (the latest-starting one; any entry when undated)."""
        entries = self.actors_by_id.get(actor_id, ())
        valid = [a for a in entries if a.valid_on(day)]
        if not valid:
            return None
        return max(valid, key=lambda a: a.valid_from or date.min)

    def code_info(self, code: str) -> CameoCode | None:
        return self.cameo.get(code)

    @classmethod
    def build(
        cls,
        *,
        countries: Iterable[Country] = (),
        actors: Iterable[NamedActor] = (),
        agents: Iterable[Agent] = (),
        patterns: Iterable[VerbPattern] = (),
        outlets: Iterable[Outlet] = (),
        cameo: Mapping[str, CameoCode] | Iterable[CameoCode] = (),
        version: str = "programmatic",
        acled_crosswalk: Any = None,
    ) -> Lexicon:
        """Programmatic constructor taking any iterables."""
        cam = dict(cameo) if isinstance(cameo, Mapping) else {c.code: c for c in cameo}
        return cls(
            countries=tuple(countries),
            actors=tuple(actors),
            agents=tuple(agents),
            patterns=tuple(patterns),
            outlets=tuple(outlets),
            cameo=cam,
            version=version,
            acled_crosswalk=acled_crosswalk,
        )
