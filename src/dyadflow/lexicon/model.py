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
     "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\u2010": "-", "\u2011": "-"}
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-folded lower-case form used for alias matching ("Çavuşoğlu" -> "cavusoglu")."""
    if text.isascii():
        return text.lower()  # nothing to fold (_EXTRA_FOLD maps non-ASCII characters only)
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
class SenseTrap:
    """A non-event sense of a trigger lemma (seeds/sense_traps.csv): `lemma` as `pos` is not an
    event when a word of `words` stands in `context` (obj | pobj | prep | mark | particle |
    following), e.g. strike + obj "balance", demonstrate + mark "that"."""

    id: str
    lemma: str
    pos: str
    context: str
    words: tuple[str, ...]
    note: str | None = None


def _specificity(p: VerbPattern) -> tuple[int, int]:
    """Sort key, most specific first: more kinds of constraint, then fewer object alternatives
    ("pledge" + food|relief before "pledge" + aid|assistance|food|...)."""
    return -(len(p.prep) + bool(p.obj) + bool(p.particle) + 2 * bool(p.gov)), len(p.obj) or 99


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


@dataclass(frozen=True, slots=True)
class DeathVerb:
    """A verb whose argument names the dead: `slot` subj ("died"), obj ("killed N", "N were
    killed") or of_obj ("claimed the lives of N"); `requires` a child lemma ("shot dead")."""

    lemma: str
    slot: str
    requires: str | None = None


@dataclass(frozen=True)
class FatalityTerms:
    """The fatality extractor's word lists (seeds/fatality_terms.csv), as lemma sets."""

    verbs: Mapping[str, DeathVerb]
    death_nouns: frozenset[str]
    toll_nouns: frozenset[str]
    zero_nouns: frozenset[str]
    excluded: frozenset[str]
    vague: Mapping[str, int]  # quantifier word -> the lower bound it stands for
    collective: frozenset[str]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> FatalityTerms:
        """Build from fatality_terms rows (term, kind, slot, requires, value)."""
        verbs: dict[str, DeathVerb] = {}
        sets: dict[str, set[str]] = {k: set() for k in ("death_noun", "toll_noun", "zero_noun", "excluded", "collective")}
        vague: dict[str, int] = {}
        for r in rows:
            term, kind = str(r["term"]).lower(), r["kind"]
            if kind == "death_verb":
                if not r.get("slot"):
                    raise ValueError(f"fatality_terms: death_verb {term!r} needs a slot")
                verbs[term] = DeathVerb(term, r["slot"], r.get("requires") or None)
            elif kind == "vague":
                if r.get("value") is None:
                    raise ValueError(f"fatality_terms: vague {term!r} needs a value")
                vague[term] = int(r["value"])
            else:
                sets[kind].add(term)
        return cls(
            verbs=MappingProxyType(verbs), death_nouns=frozenset(sets["death_noun"]),
            toll_nouns=frozenset(sets["toll_noun"]), zero_nouns=frozenset(sets["zero_noun"]),
            excluded=frozenset(sets["excluded"]), vague=MappingProxyType(vague),
            collective=frozenset(sets["collective"]),
        )


@dataclass(frozen=True, slots=True)
class PloverType:
    """PLOVER event type, mode and context of one CAMEO code (seeds/cameo_plover_crosswalk.csv)."""

    event_type: str
    mode: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class CoderWords:
    """The native coder's word lists and recoding maps (seeds/word_lists.csv, seeds/coder_maps.csv)
    as typed fields; an absent list is empty."""

    intent_lemmas: frozenset[str] = frozenset()
    deny_lemmas: frozenset[str] = frozenset()
    threat_lemmas: frozenset[str] = frozenset()
    claim_lemmas: frozenset[str] = frozenset()
    plan_lemmas: frozenset[str] = frozenset()
    allege_lemmas: frozenset[str] = frozenset()
    appeal_lemmas: frozenset[str] = frozenset()
    negating_lemmas: frozenset[str] = frozenset()
    ongoing_lemmas: frozenset[str] = frozenset()
    light_verbs: frozenset[str] = frozenset()
    abstract_objects: frozenset[str] = frozenset()
    reaction_lemmas: frozenset[str] = frozenset()
    military_roots: frozenset[str] = frozenset()
    reaction_roots: frozenset[str] = frozenset()
    event_ref_codes: frozenset[str] = frozenset()
    announced_roots: frozenset[str] = frozenset()
    domestic_roots: frozenset[str] = frozenset()
    protest_roles: frozenset[str] = frozenset()
    say_lemmas: frozenset[str] = frozenset()
    thing_nouns: frozenset[str] = frozenset()
    sponsor_words: frozenset[str] = frozenset()
    country_nouns: frozenset[str] = frozenset()
    pair_nouns: frozenset[str] = frozenset()
    group_nouns: frozenset[str] = frozenset()
    office_words: frozenset[str] = frozenset()
    untargeted_codes: frozenset[str] = frozenset()
    unattributed_codes: frozenset[str] = frozenset()  # code prefixes coded with no named source
    unattributed_passive_codes: frozenset[str] = frozenset()  # the same, only as agentless passives
    impact_verbs: frozenset[str] = frozenset()  # "a bomb exploded": an act noun's occurrence verbs
    act_head_nouns: frozenset[str] = frozenset()
    place_nouns: frozenset[str] = frozenset()
    purpose_lemmas: frozenset[str] = frozenset()
    act_nouns: frozenset[str] = frozenset()
    speaker_nouns: frozenset[str] = frozenset()
    document_nouns: frozenset[str] = frozenset()  # "the Treaty of X urges ...": a text, not an actor
    unnamed_party_nouns: frozenset[str] = frozenset()  # "called on the perpetrators to ...": no one named
    intercept_lemmas: frozenset[str] = frozenset()  # "intercepted a drone": someone else's weapon
    owner_lemmas: frozenset[str] = frozenset()  # "positions belonging to X": X is the thing's party
    fighting_words: frozenset[str] = frozenset()  # "both sides ... stop the fighting": the sides of an armed act
    intent_by_root: Mapping[str, str] = field(default_factory=dict)  # act root -> intent code (03x)
    threat_by_root: Mapping[str, str] = field(default_factory=dict)  # threatened act's root -> threat code (13x)
    refusal_lemmas: frozenset[str] = frozenset()  # "refused to", "declined to": a refused act is a rejection
    refusal_by_code: Mapping[str, str] = field(default_factory=dict)  # refused act's code prefix -> rejection (12x)
    act_noun_roots: Mapping[str, frozenset[str]] = field(default_factory=dict)  # "attack" -> roots it can refer to
    act_noun_lemmas: Mapping[str, frozenset[str]] = field(default_factory=dict)  # "arrest" -> trigger lemmas
    # code_by_word rows grouped by the code they refine, in table order: "190" -> ((("drone",), "1952"), ...)
    code_by_word: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, lists: Mapping[str, Iterable[str]], maps: Mapping[str, Mapping[str, Iterable[str]]]) -> CoderWords:
        """From named lists and maps (unknown names are ignored)."""
        names = {f for f in cls.__dataclass_fields__
                 if not f.startswith(("intent_by_root", "threat_by_root", "refusal_by_code", "act_noun_", "code_by_word"))}
        kw: dict[str, Any] = {n: frozenset(v) for n, v in lists.items() if n in names}
        for m in ("intent_by_root", "threat_by_root", "refusal_by_code"):
            kw[m] = MappingProxyType({k: next(iter(v)) for k, v in maps.get(m, {}).items() if v})
        for m in ("act_noun_roots", "act_noun_lemmas"):
            kw[m] = MappingProxyType({k: frozenset(v) for k, v in maps.get(m, {}).items()})
        by_code: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for k, v in maps.get("code_by_word", {}).items():
            code, _, phrase = k.partition(":")
            first = next(iter(v), None)
            if first:
                by_code.setdefault(code, []).append((tuple(phrase.split()), first))
        kw["code_by_word"] = MappingProxyType({c: tuple(rows) for c, rows in by_code.items()})
        return cls(**kw)


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
    fatality_terms: FatalityTerms | None = field(default=None, compare=False)  # None: no fatality counts
    plover: Mapping[str, PloverType] = field(default_factory=dict, compare=False)  # CAMEO code -> PLOVER
    word_lists: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False)  # seeds/word_lists.csv
    coder_maps: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict, compare=False)
    coder_words: CoderWords = field(init=False, repr=False, compare=False)
    traps: tuple[SenseTrap, ...] = field(default=(), compare=False)  # seeds/sense_traps.csv
    # the learned back-off stage (dyadflow.coder.backoff_stage.BackoffStage), attached by
    # pipeline.build_resources when settings.backoff is on; None: the vocabulary alone
    backoff: Any = field(default=None, compare=False)
    country_by_code: Mapping[str, Country] = field(init=False, repr=False, compare=False)
    agent_by_term: Mapping[str, Agent] = field(init=False, repr=False, compare=False)
    country_by_iso3: Mapping[str, Country] = field(init=False, repr=False, compare=False)
    patterns_by_lemma: Mapping[tuple[str, str], tuple[VerbPattern, ...]] = field(
        init=False, repr=False, compare=False
    )
    actors_by_id: Mapping[str, tuple[NamedActor, ...]] = field(init=False, repr=False, compare=False)
    _names: tuple[dict[str, tuple[str, str]], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coder_words", CoderWords.build(self.word_lists, self.coder_maps))
        object.__setattr__(self, "_names", _name_index(self))
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
                    k: tuple(sorted(v, key=_specificity))
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

    def plover_of(self, code: str) -> PloverType | None:
        """PLOVER type of a CAMEO code: the code's own row, else its 3-digit base's, else its
        root's x0 row; None where PLOVER has none (roots 01, 02)."""
        for key in (code, code[:3], code[:2] + "0"):
            got = self.plover.get(key)
            if got is not None:
                return got
        return None

    def names_in(self, text: str) -> list[tuple[int, str, str]]:
        """Dictionary names found in a short free text (a byline, a `source` field), left to right:
        (offset, kind, id) with kind country | actor | outlet; the longest name wins at an offset."""
        kinds, longest = self._names
        words = [(m.start(), m.group(0).strip("(),;:\"'")) for m in re.finditer(r"\S+", fold(text))]
        out: list[tuple[int, str, str]] = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                hit = kinds.get(" ".join(w for _, w in words[i : i + n]))
                if hit is not None:
                    out.append((words[i][0], *hit))
                    i += n
                    break
            else:
                i += 1
        return out

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
        fatality_terms: FatalityTerms | None = None,
        plover: Mapping[str, PloverType] | None = None,
        word_lists: Mapping[str, Iterable[str]] | None = None,
        traps: Iterable[SenseTrap] = (),
        coder_maps: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
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
            fatality_terms=fatality_terms,
            plover=MappingProxyType(dict(plover or {})),
            word_lists=MappingProxyType({k: frozenset(v) for k, v in (word_lists or {}).items()}),
            coder_maps=MappingProxyType({m: {k: tuple(v) for k, v in kv.items()} for m, kv in (coder_maps or {}).items()}),
            traps=tuple(traps),
        )


def _name_index(lex: Lexicon) -> tuple[dict[str, tuple[str, str]], int]:
    """Every outlet, actor and country name (folded, single-spaced) with its kind and id, and the
    longest name in words; outlets first, so an outlet's name is never read as an actor."""
    kinds: dict[str, tuple[str, str]] = {}

    def add(name: str, hit: tuple[str, str]) -> None:
        key = " ".join(fold(name).split())
        if key:
            kinds.setdefault(key, hit)

    for o in lex.outlets:
        for n in (o.name, *o.aliases):
            add(n, ("outlet", o.name))
    for a in lex.actors:
        for n in (a.name, *a.aliases):
            if len(n) > 2 or n.isupper():
                add(n, ("actor", a.actor_id))
    for c in lex.countries:
        for n in (c.name, *c.aliases, *c.demonyms):
            add(n, ("country", c.code))
    longest = max((k.count(" ") + 1 for k in kinds), default=1)
    return kinds, longest
