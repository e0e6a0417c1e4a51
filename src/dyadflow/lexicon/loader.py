"""Build a Lexicon from seeds/ (validated against schemas/seeds/ through dyadflow.seeds)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dyadflow.lexicon.model import (
    Agent,
    CameoCode,
    Country,
    FatalityTerms,
    Lexicon,
    NamedActor,
    Outlet,
    PloverType,
    SenseTrap,
    VerbPattern,
)
from dyadflow.seeds import SeedError, read_seed_table, seed_path, seeds_version, split_list

log = logging.getLogger(__name__)


def _opt(seeds_dir: Path, schemas_dir: Path, name: str) -> list[dict[str, Any]]:
    try:
        seed_path(seeds_dir, name)
    except SeedError:
        log.warning("seed %s not found in %s; using none", name, seeds_dir)
        return []
    return read_seed_table(seeds_dir, schemas_dir, name)


def _d(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def pattern_from_row(r: dict[str, Any]) -> VerbPattern:
    """A VerbPattern from one verb_patterns row."""
    conf = r.get("confidence")
    return VerbPattern(
        id=r["id"],
        lemma=r["lemma"],
        code=r["code"],
        pos=r.get("pos") or "VERB",
        prep=split_list(r.get("prep")),
        particle=r.get("particle") or None,
        obj=split_list(r.get("obj")),
        source=split_list(r.get("source")),
        target=split_list(r.get("target")),
        symmetric=bool(r.get("symmetric") or False),
        confidence=float(conf) if conf is not None else 0.8,
        gov=split_list(r.get("gov")),
        note=r.get("note"),
    )


def _acled_crosswalk(seeds_dir: Path, schemas_dir: Path) -> Any:
    """The CAMEO->ACLED crosswalk when dyadflow.acled and its seed are present, else None."""
    try:
        from dyadflow import acled
    except ImportError:
        return None
    try:
        return acled.load_crosswalk(seeds_dir, schemas_dir)
    except Exception as exc:  # optional enrichment: a missing/broken crosswalk must not stop coding
        log.warning("ACLED crosswalk not loaded: %s", exc)
        return None


NAMED_ACTOR_TABLES = ("actors", "organisations", "officeholders")


@dataclass(frozen=True, slots=True)
class ActorRow:
    """One named-actor row with where it came from (seed table and CSV line)."""

    table: str
    line: int
    actor: NamedActor
    note: str | None = None


def _named_actor(r: dict[str, Any]) -> NamedActor:
    return NamedActor(
        actor_id=r["actor_id"],
        name=r["name"],
        code=r["code"],
        kind=r["kind"],
        aliases=split_list(r.get("aliases")),
        country=r.get("country") or None,
        role=r.get("role") or None,
        title=r.get("title") or None,
        valid_from=_d(r.get("valid_from")),
        valid_to=_d(r.get("valid_to")),
    )


def named_actor_rows(seeds_dir: Path, schemas_dir: Path) -> list[ActorRow]:
    """The rows of actors, organisations and officeholders (each optional), validated; an
    actor_id may have several rows (periods) in one table but never appear in two tables."""
    owner: dict[str, str] = {}
    out: list[ActorRow] = []
    for table in NAMED_ACTOR_TABLES:
        for line, r in enumerate(_opt(Path(seeds_dir), Path(schemas_dir), table), start=2):
            first = owner.setdefault(r["actor_id"], table)
            if first != table:
                raise SeedError(
                    f"{seeds_dir}/{table}.csv:{line}: actor_id {r['actor_id']!r} is already used in {first}.csv"
                )
            actor = _named_actor(r)
            if actor.valid_from and actor.valid_to and actor.valid_to < actor.valid_from:
                raise SeedError(f"{seeds_dir}/{table}.csv:{line}: valid_to is before valid_from")
            out.append(ActorRow(table=table, line=line, actor=actor, note=r.get("note") or None))
    return out


def _fatality_terms(seeds_dir: Path, schemas_dir: Path) -> FatalityTerms | None:
    """The fatality word lists (seeds/fatality_terms.csv), None when the seed is absent."""
    rows = _opt(seeds_dir, schemas_dir, "fatality_terms")
    if not rows:
        return None
    try:
        return FatalityTerms.from_rows(rows)
    except ValueError as exc:
        raise SeedError(str(exc)) from exc


def _plover(seeds_dir: Path, schemas_dir: Path) -> dict[str, PloverType]:
    """CAMEO code -> PLOVER type/mode/context (seeds/cameo_plover_crosswalk.csv; empty when absent)."""
    return {
        r["cameo_code"]: PloverType(r["plover_event_type"], r.get("plover_mode") or None, r.get("plover_context") or None)
        for r in _opt(seeds_dir, schemas_dir, "cameo_plover_crosswalk")
    }


def _word_lists(seeds_dir: Path, schemas_dir: Path) -> dict[str, set[str]]:
    """The coder's named word lists (seeds/word_lists.csv: list, term)."""
    out: dict[str, set[str]] = {}
    for r in _opt(seeds_dir, schemas_dir, "word_lists"):
        out.setdefault(r["list"], set()).add(str(r["term"]))
    return out


def _patterns(seeds_dir: Path, schemas_dir: Path) -> list[VerbPattern]:
    """verb_patterns, then the event_vocabulary (issue 12) in the same list; ids are unique across
    both files and every vocabulary code exists in cameo_event_codes."""
    rows = _opt(seeds_dir, schemas_dir, "verb_patterns")
    vocab = _opt(seeds_dir, schemas_dir, "event_vocabulary")
    if vocab:
        codes = {r["code"] for r in read_seed_table(seeds_dir, schemas_dir, "cameo_event_codes")}
        seen = {r["id"] for r in rows}
        for r in vocab:
            if r["id"] in seen:
                raise SeedError(f"{seeds_dir}/event_vocabulary.jsonl: duplicate pattern id {r['id']!r} "
                                "(ids are unique across verb_patterns and event_vocabulary)")
            if r["code"] not in codes:
                raise SeedError(f"{seeds_dir}/event_vocabulary.jsonl: {r['id']!r} has code {r['code']!r}, "
                                "which is not in cameo_event_codes")
            seen.add(r["id"])
    return [pattern_from_row(r) for r in rows + vocab]


def _traps(seeds_dir: Path, schemas_dir: Path) -> tuple[SenseTrap, ...]:
    """Non-event senses of trigger lemmas (seeds/sense_traps.csv)."""
    return tuple(
        SenseTrap(id=r["id"], lemma=r["lemma"], pos=r["pos"], context=r["context"],
                  words=split_list(r["words"]), note=r.get("note") or None)
        for r in _opt(seeds_dir, schemas_dir, "sense_traps")
    )


def _coder_maps(seeds_dir: Path, schemas_dir: Path) -> dict[str, dict[str, list[str]]]:
    """The coder's recoding maps (seeds/coder_maps.csv: map, key, value '|'-separated)."""
    out: dict[str, dict[str, list[str]]] = {}
    for r in _opt(seeds_dir, schemas_dir, "coder_maps"):
        out.setdefault(r["map"], {})[str(r["key"])] = list(split_list(r.get("value")))
    return out


def load_lexicon(seeds_dir: Path, schemas_dir: Path) -> Lexicon:
    """Read and validate the coder's seed tables into a frozen Lexicon."""
    seeds_dir, schemas_dir = Path(seeds_dir), Path(schemas_dir)
    countries = [
        Country(
            code=r["code"],
            name=r["name"],
            iso3=r.get("iso3") or None,
            aliases=split_list(r.get("aliases")),
            demonyms=split_list(r.get("demonyms")),
            capitals=split_list(r.get("capitals")),
        )
        for r in read_seed_table(seeds_dir, schemas_dir, "countries")
    ]
    known = {c.code for c in countries}
    countries += [
        Country(
            code=r["code"],
            name=r["name"],
            aliases=split_list(r.get("aliases")),
            demonyms=split_list(r.get("demonyms")),
        )
        for r in _opt(seeds_dir, schemas_dir, "ethnic_groups")
        if r["code"] not in known
    ]
    actors = [row.actor for row in named_actor_rows(seeds_dir, schemas_dir)]
    agents = [
        Agent(term=r["term"], role=r["role"], kind=r["kind"], person=bool(r["person"]))
        for r in _opt(seeds_dir, schemas_dir, "agents")
    ]
    patterns = _patterns(seeds_dir, schemas_dir)
    outlets = [
        Outlet(name=r["name"], aliases=split_list(r.get("aliases")), country=r.get("country") or None)
        for r in _opt(seeds_dir, schemas_dir, "outlets")
    ]
    cameo = {
        r["code"]: CameoCode(
            code=r["code"],
            label=r["label"],
            root=r["root"],
            quad_class=int(r["quad_class"]),
            goldstein=float(r["goldstein"]) if r.get("goldstein") is not None else None,
        )
        for r in read_seed_table(seeds_dir, schemas_dir, "cameo_event_codes")
    }
    return Lexicon.build(
        acled_crosswalk=_acled_crosswalk(seeds_dir, schemas_dir),
        fatality_terms=_fatality_terms(seeds_dir, schemas_dir),
        plover=_plover(seeds_dir, schemas_dir),
        word_lists=_word_lists(seeds_dir, schemas_dir),
        coder_maps=_coder_maps(seeds_dir, schemas_dir),
        traps=_traps(seeds_dir, schemas_dir),
        countries=countries,
        actors=actors,
        agents=agents,
        patterns=patterns,
        outlets=outlets,
        cameo=cameo,
        version=seeds_version(seeds_dir),
    )
