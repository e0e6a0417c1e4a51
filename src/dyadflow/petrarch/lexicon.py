"""PETRARCH dictionaries as a Lexicon: native records where they fit, the parsed dictionaries beside.

`PetrarchLexicon` is a `Lexicon` (countries, actors, agents, verb patterns approximated in the
native model, so `build_nlp` and the export work) that also carries the full parsed dictionaries
and `engine = "petrarch"`, which makes `dyadflow.coder.coder_for` pick
`dyadflow.petrarch.coder.PetrarchCoder`. From the native seeds it takes what the shared Event
builder enriches events with: the CAMEO table, the ACLED and PLOVER crosswalks, the fatality word
lists, the coder's word lists (military roots) and the ISO3 of CAMEO country codes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dyadflow.lexicon.loader import _acled_crosswalk, _fatality_terms, _plover, _word_lists
from dyadflow.lexicon.model import Agent, CameoCode, Country, Lexicon, NamedActor, VerbPattern
from dyadflow.petrarch.dictionaries import (
    NULL_CODE,
    Diagnostic,
    PetrarchDictionaries,
    VerbBlock,
    read_dictionary_folder,
)
from dyadflow.seeds import read_seed_table

log = logging.getLogger(__name__)

NATIVE_EVENT_CODE = re.compile(r"^[0-2][0-9]{1,3}$")
NATIVE_ACTOR_CODE = re.compile(r"^[A-Z]{3,15}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
NONCAMEO_ENV = "DYADFLOW_PETRARCH_NONCAMEO"
NONCAMEO_POLICIES = ("map", "keep")


@dataclass(frozen=True)
class PetrarchLexicon(Lexicon):
    """A Lexicon read from PETRARCH dictionaries (engine "petrarch")."""

    dictionaries: PetrarchDictionaries | None = None
    engine: str = "petrarch"
    diagnostics: tuple[Diagnostic, ...] = ()
    # events whose dictionary code is not a CAMEO code in `cameo`: "map" = CAMEO parent or dropped
    # (always storable), "keep" = emitted unchanged (PETRARCH conformance); see NONCAMEO_ENV
    noncameo: str = "map"
    # CAMEO country code -> ISO3 (seeds/countries.csv): the events' source/target/place countries
    country_iso3: Mapping[str, str] = field(default_factory=dict, compare=False)
    phrase_index: Mapping[str, tuple[tuple[tuple[str, ...], str, Any], ...]] = field(
        init=False, repr=False, compare=False
    )
    verb_index: Mapping[str, tuple[tuple[Any, VerbBlock, Any], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        phrases: dict[str, list[tuple[tuple[str, ...], str, Any]]] = {}
        verbs: dict[str, list[tuple[Any, VerbBlock, Any]]] = {}
        d = self.dictionaries
        if d is not None:
            for a in d.actors:
                for p in a.phrases:
                    phrases.setdefault(p[0], []).append((p, "actor", a))
            for g in d.agents:
                for p in g.phrases:
                    phrases.setdefault(p[0], []).append((p, "agent", g))
            for b in d.verbs.blocks:
                for e in b.verbs:
                    for f in e.forms:
                        verbs.setdefault(f.words[f.verb_index], []).append((f, b, e))
        object.__setattr__(self, "phrase_index", MappingProxyType({k: tuple(v) for k, v in phrases.items()}))
        object.__setattr__(self, "verb_index", MappingProxyType({k: tuple(v) for k, v in verbs.items()}))

    def iso3_of(self, code: str) -> str | None:
        """The ISO3 country of an actor code ("TURGOV" -> "TUR"), None for IGOs and groups."""
        return self.country_iso3.get(code[:3])


# ----------------------------------------------------------------------------- conversion


def _title(words: tuple[str, ...]) -> str:
    return " ".join(w.capitalize() if w != "-" else w for w in words).replace(" - ", "-")


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s or "actor"


def to_native(d: PetrarchDictionaries) -> tuple[list[Country], list[NamedActor], list[Agent], list[VerbPattern], list[str]]:
    """Native records approximating the PETRARCH entries, plus notes on what could not be expressed."""
    notes: list[str] = []
    countries: dict[str, Country] = {}
    actors: list[NamedActor] = []
    for a in d.actors:
        unrestricted = [c for c in a.codes if not c.restricted]
        restricted = [c for c in a.codes if c.restricted]
        names = [_title(p) for p in a.phrases]
        if not restricted and len(unrestricted) == 1 and COUNTRY_CODE.match(unrestricted[0].code):
            code = unrestricted[0].code
            prev = countries.get(code)
            if prev is None:
                countries[code] = Country(code=code, name=names[0], aliases=tuple(names[1:]))
            else:
                extra = tuple(n for n in names if n != prev.name and n not in prev.aliases)
                countries[code] = Country(code=code, name=prev.name, aliases=prev.aliases + extra)
            continue
        for c in a.codes:
            for code in c.code.split("/"):
                if code == NULL_CODE:
                    continue
                if not NATIVE_ACTOR_CODE.match(code):
                    notes.append(f"actor {a.name!r} (line {a.line}): code {code!r} not expressible natively")
                    continue
                actors.append(NamedActor(
                    actor_id=_slug(a.name), name=names[0], code=code, kind="organization",
                    aliases=tuple(names[1:]), country=code[:3], role=code[3:6] if len(code) >= 6 else None,
                    valid_from=c.start, valid_to=c.end,
                ))
    # native actors need a unique (actor_id, valid_from): keep the first row of a clash
    uniq: dict[tuple[str, date | None], NamedActor] = {}
    for x in actors:
        key = (x.actor_id, x.valid_from)
        if key in uniq:
            notes.append(f"actor {x.name!r}: code {x.code} shares its start date with code {uniq[key].code} "
                         "(kept the first)")
            continue
        uniq[key] = x
    agents: dict[str, Agent] = {}
    for g in d.agents:
        role = g.code[:3]
        if not COUNTRY_CODE.match(role):
            notes.append(f"agent {g.term!r} (line {g.line}): code {g.code!r} not expressible natively")
            continue
        if len(g.code) != 3 or g.prefix:
            notes.append(f"agent {g.term!r} (line {g.line}): {'prefix ' if g.prefix else ''}code {g.code} "
                         f"reduced to role {role}")
        for p in g.phrases:
            term = " ".join(p).lower().replace(" - ", "-")
            agents.setdefault(term, Agent(term=term, role=role, kind="title", person=True))
    patterns: list[VerbPattern] = []
    seen_ids: set[str] = set()

    def add(pid: str, **kw: Any) -> None:
        base, n = pid, 1
        while pid in seen_ids:
            n += 1
            pid = f"{base}.{n}"
        seen_ids.add(pid)
        patterns.append(VerbPattern(id=pid, **kw))

    for b in d.verbs.blocks:
        for e in b.verbs:
            code = e.code or b.code
            main, _, rev = code.partition(":")
            lemma = " ".join(e.forms[0].words).lower()
            if not NATIVE_EVENT_CODE.match(main):
                if main != NULL_CODE:
                    notes.append(f"verb {e.word!r} (line {e.line}): code {code!r} not a CAMEO code")
                continue
            add(f"{main}.petr.{_slug(lemma)}", lemma=lemma, code=main, symmetric=bool(rev) and rev == main,
                note=f"PETRARCH block {b.name}")
        for p in b.patterns:
            main, _, rev = p.code.partition(":")
            post = p.post
            simple_obj = (not p.pre and len(post) == 1 and post[0].kind == "word")
            if not NATIVE_EVENT_CODE.match(main) or not simple_obj:
                notes.append(f"pattern line {p.line} ({b.name}: {p.text} [{p.code}]): not expressible natively")
                continue
            word = post[0].value.lower()
            for e in b.verbs:
                lemma = " ".join(e.forms[0].words).lower()
                kw: dict[str, Any] = {"particle": word} if p.post_joined else {"obj": (word,)}
                add(f"{main}.petr.{_slug(lemma)}.{_slug(word)}", lemma=lemma, code=main,
                    symmetric=bool(rev) and rev == main, note=f"PETRARCH pattern line {p.line}", **kw)
    return list(countries.values()), list(uniq.values()), list(agents.values()), patterns, notes


def _cameo(seeds_dir: Path | None, schemas_dir: Path | None) -> dict[str, CameoCode]:
    if seeds_dir is None or schemas_dir is None:
        return {}
    try:
        rows = read_seed_table(Path(seeds_dir), Path(schemas_dir), "cameo_event_codes")
    except Exception as exc:  # noqa: BLE001 - the CAMEO table only adds labels
        log.warning("CAMEO code table not loaded from %s: %s", seeds_dir, exc)
        return {}
    return {
        r["code"]: CameoCode(code=r["code"], label=r["label"], root=r["root"], quad_class=int(r["quad_class"]),
                             goldstein=float(r["goldstein"]) if r.get("goldstein") is not None else None)
        for r in rows
    }


def _enrichment(seeds_dir: Path | None, schemas_dir: Path | None) -> dict[str, Any]:
    """Lexicon fields the shared Event builder reads, from the native seeds (none without them)."""
    if seeds_dir is None or schemas_dir is None:
        return {}
    seeds, schemas = Path(seeds_dir), Path(schemas_dir)
    try:
        countries = read_seed_table(seeds, schemas, "countries")
        return {
            "acled_crosswalk": _acled_crosswalk(seeds, schemas),
            "fatality_terms": _fatality_terms(seeds, schemas),
            "plover": MappingProxyType(_plover(seeds, schemas)),
            "word_lists": MappingProxyType({k: frozenset(v) for k, v in _word_lists(seeds, schemas).items()}),
            "country_iso3": MappingProxyType({r["code"]: r["iso3"] for r in countries if r.get("iso3")}),
        }
    except Exception as exc:  # noqa: BLE001 - enrichment only: the dictionaries still code
        log.warning("event enrichment seeds not loaded from %s: %s", seeds_dir, exc)
        return {}


def _files_hash(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def load_petrarch_lexicon(
    lexicon_dir: Path, *, seeds_dir: Path | None = None, schemas_dir: Path | None = None,
    noncameo: str | None = None,
) -> PetrarchLexicon:
    """Read a PETRARCH dictionary folder into a PetrarchLexicon (diagnostics logged, never fatal).

    `noncameo` ("map" or "keep"; default: the DYADFLOW_PETRARCH_NONCAMEO environment variable,
    else "map") says what the coder does with dictionary codes that are not CAMEO codes.
    """
    policy = (noncameo or os.environ.get(NONCAMEO_ENV) or "map").strip().lower()
    if policy not in NONCAMEO_POLICIES:
        raise ValueError(f"non-CAMEO code policy must be one of {NONCAMEO_POLICIES}, not {policy!r}")
    d = read_dictionary_folder(Path(lexicon_dir))
    for diag in d.diagnostics:
        log.warning("%s", diag)
    countries, actors, agents, patterns, notes = to_native(d)
    for n in notes:
        log.debug("not native: %s", n)
    files = [Path(p) for p in d.files.values()]
    return PetrarchLexicon(
        countries=tuple(countries),
        actors=tuple(actors),
        agents=tuple(agents),
        patterns=tuple(patterns),
        outlets=(),
        cameo=_cameo(seeds_dir, schemas_dir),
        version="petrarch-" + _files_hash(files)[:12],
        dictionaries=d,
        diagnostics=d.diagnostics,
        noncameo=policy,
        **_enrichment(seeds_dir, schemas_dir),
    )
