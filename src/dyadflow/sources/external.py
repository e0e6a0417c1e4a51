"""Imports of other event datasets for side-by-side comparison: GDELT 2.0 event exports and ACLED CSV.

    dyadflow import gdelt 20240501.export.CSV.zip ...   # 61 tab-separated columns, zipped or plain
    dyadflow import acled acled_export.csv ...          # ACLED's CSV export (header row)

Rows become `external_events` (schemas/external_events.json) with `source_system` ('gdelt' or
'acled'), mapped to dyadflow's dyad and period keys: CAMEO actor codes and ISO3 countries for
both actors, the event date with its precision. GDELT actors are CAMEO already (country codes
through seeds/countries.csv, places' FIPS codes through seeds/country_geo.csv); an ACLED actor's
country is the one its name gives ("Police Forces of Kenya (2022-)", "Protesters (Nigeria)"), else
the event's country (not for External/Other forces), and its CAMEO code is that country plus the
role of its inter code (seeds/acled_actor_roles.csv: State forces GOV, or MIL/COP by name; Rebel
group REB; Political militia UAF; ...). Every row keeps its file and line; a row that cannot be
read is a reject with the file, line and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dyadflow.records import Reject, sha256_hex
from dyadflow.seeds import read_seed_table, split_list

log = logging.getLogger(__name__)

GDELT_COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
    "Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID", "DATEADDED", "SOURCEURL",
)
ACLED_REQUIRED = ("event_id_cnty", "event_date", "actor1")
# ACLED actor types (inter codes) by their labels in text-form exports
ACLED_INTER_LABELS = {
    "state forces": 1, "rebel group": 2, "political militia": 3, "identity militia": 4, "rioters": 5,
    "protesters": 6, "civilians": 7, "external/other forces": 8,
}
ACLED_TIME_PRECISION = {1: "day", 2: "week", 3: "month"}
SYSTEMS = ("gdelt", "acled")
_PAREN = re.compile(r"\(([^()]*)\)")
_OF = re.compile(r"\bof (?:the )?([A-Z][^()]*?)\s*(?:\(|$)")
_STATE_ROLE_BY_NAME = (("military", "MIL"), ("police", "COP"), ("intelligence", "SPY"))


class ImportRowError(ValueError):
    """A row or file that cannot be imported; the message is the reject reason."""


@dataclass(frozen=True, slots=True)
class ExternalEvent:
    """One row of external_events (schemas/external_events.json)."""

    external_id: str
    source_system: str
    native_id: str
    event_date: dt.date
    date_precision: str
    file: str
    line: int
    imported_at: dt.datetime
    import_id: str
    actor1_code: str | None = None
    actor1_name: str | None = None
    actor1_country: str | None = None
    actor1_inter: int | None = None
    actor2_code: str | None = None
    actor2_name: str | None = None
    actor2_country: str | None = None
    actor2_inter: int | None = None
    cameo_code: str | None = None
    cameo_root: str | None = None
    quad_class: int | None = None
    goldstein: float | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    interaction: int | None = None
    fatalities: int | None = None
    location_name: str | None = None
    location_country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    num_mentions: int | None = None
    num_sources: int | None = None
    num_articles: int | None = None
    source_url: str | None = None
    sources: str | None = None

    def to_row(self) -> dict[str, Any]:
        return asdict(self)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("'", "").split())


@dataclass(frozen=True)
class CountryCodes:
    """Country lookups from the seeds: CAMEO code, FIPS code, ISO numeric and names → ISO3."""

    cameo: dict[str, str]
    fips: dict[str, str]
    numeric: dict[int, str]
    names: dict[str, str]
    iso3: frozenset[str]

    @classmethod
    def from_seeds(cls, seeds_dir: Path, schemas_dir: Path) -> CountryCodes:
        countries = read_seed_table(seeds_dir, schemas_dir, "countries")
        geo = read_seed_table(seeds_dir, schemas_dir, "country_geo")
        cameo = {r["code"]: r["iso3"] for r in countries if r.get("iso3")}
        names: dict[str, str] = {}
        for r in geo:
            names.setdefault(_fold(r["name"]), r["iso3"])
        for r in countries:
            if not r.get("iso3"):
                continue
            for n in (r["name"], *split_list(r.get("aliases"))):
                names.setdefault(_fold(n), r["iso3"])
        fips = {r["fips"]: r["iso3"] for r in geo if r.get("fips")}
        numeric = {int(r["iso_numeric"]): r["iso3"] for r in geo if r.get("iso_numeric") is not None}
        return cls(cameo, fips, numeric, names, frozenset(r["iso3"] for r in geo) | frozenset(cameo.values()))

    def by_name(self, name: str | None) -> str | None:
        if not name:
            return None
        return self.names.get(_fold(name))


@dataclass(frozen=True)
class ActorRoles:
    """CAMEO role segment for each ACLED inter code (the best-priority role of seeds/acled_actor_roles.csv)."""

    by_inter: dict[int, str]

    @classmethod
    def from_seeds(cls, seeds_dir: Path, schemas_dir: Path) -> ActorRoles:
        best: dict[int, tuple[int, str]] = {}
        for r in read_seed_table(seeds_dir, schemas_dir, "acled_actor_roles"):
            cur = best.get(r["inter_code"])
            if cur is None or r["priority"] < cur[0]:
                best[r["inter_code"]] = (r["priority"], r["role"])
        roles = {k: v[1] for k, v in best.items()}
        for inter in (5, 6):  # rioters and protesters have no CAMEO role of their own: civilians
            roles.setdefault(inter, roles.get(7, "CVL"))
        return cls(roles)


# ---- reading files ------------------------------------------------------------------------------
def _text_members(path: Path) -> Iterator[tuple[str, io.TextIOBase]]:
    """(recorded file name, text stream) for a plain file or each member of a zip archive."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                with zf.open(info) as raw:
                    yield f"{path}!{info.filename}", io.TextIOWrapper(raw, encoding="utf-8", errors="replace",
                                                                      newline="")
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        yield str(path), fh


def _int(value: str | None, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(float(value)) if "." in value else int(value)
    except ValueError:
        raise ImportRowError(f"{what} is not a number: {value[:40]!r}") from None


def _float(value: str | None, what: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ImportRowError(f"{what} is not a number: {value[:40]!r}") from None


def _str(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@dataclass
class Importer:
    """Reads GDELT or ACLED files into ExternalEvents and Rejects."""

    countries: CountryCodes
    roles: ActorRoles
    import_id: str
    now: dt.datetime

    @classmethod
    def from_seeds(cls, seeds_dir: Path, schemas_dir: Path, import_id: str) -> Importer:
        return cls(CountryCodes.from_seeds(seeds_dir, schemas_dir), ActorRoles.from_seeds(seeds_dir, schemas_dir),
                   import_id, dt.datetime.now(dt.UTC))

    def read(self, system: str, paths: Sequence[Path]) -> tuple[list[ExternalEvent], list[Reject]]:
        """Every row of every file as an event or a reject (a missing or unreadable file is one reject)."""
        events: list[ExternalEvent] = []
        rejects: list[Reject] = []
        reader = {"gdelt": self._gdelt_file, "acled": self._acled_file}[system]
        for path in paths:
            try:
                for item in reader(Path(path)):
                    if isinstance(item, ExternalEvent):
                        events.append(item)
                    else:
                        rejects.append(item)
            except (OSError, zipfile.BadZipFile, csv.Error, UnicodeError, ImportRowError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                rejects.append(self._reject(str(path), None, f"cannot read {system} file: {reason}"))
        return self._latest_per_id(events, rejects)

    def _latest_per_id(self, events: list[ExternalEvent], rejects: list[Reject]
                       ) -> tuple[list[ExternalEvent], list[Reject]]:
        """One row per external_id: a later row (an update in a later file) supersedes an earlier one."""
        last: dict[str, ExternalEvent] = {}
        for e in events:
            prev = last.get(e.external_id)
            if prev is not None:
                rejects.append(self._reject(prev.file, prev.line, f"{e.source_system} id {e.native_id} again at "
                                            f"{e.file}:{e.line}; the later row is kept"))
            last[e.external_id] = e
        return list(last.values()), rejects

    def _reject(self, file: str, line: int | None, reason: str, raw: str = "") -> Reject:
        log.warning("rejected %s%s: %s", file, f":{line}" if line else "", reason)
        return Reject(path=file, stage="extract", reason=reason, sha256=sha256_hex(raw), run_id=self.import_id,
                      rejected_at=self.now, line=line, n_bytes=len(raw.encode("utf-8")))

    # ---- GDELT ---------------------------------------------------------------------------------
    def _gdelt_file(self, path: Path) -> Iterator[ExternalEvent | Reject]:
        for name, fh in _text_members(path):
            for lineno, raw in enumerate(fh, start=1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                cells = line.split("\t")
                if len(cells) != len(GDELT_COLUMNS):
                    yield self._reject(name, lineno, f"expected {len(GDELT_COLUMNS)} tab-separated GDELT columns, "
                                                     f"got {len(cells)}", line)
                    continue
                try:
                    yield self._gdelt_row(dict(zip(GDELT_COLUMNS, cells, strict=True)), name, lineno)
                except ImportRowError as exc:
                    yield self._reject(name, lineno, str(exc), line)

    def _gdelt_row(self, r: dict[str, str], file: str, line: int) -> ExternalEvent:
        native = _str(r["GLOBALEVENTID"])
        if native is None:
            raise ImportRowError("GLOBALEVENTID is empty")
        try:
            date = dt.datetime.strptime(r["SQLDATE"].strip(), "%Y%m%d").date()
        except ValueError:
            raise ImportRowError(f"SQLDATE is not a YYYYMMDD date: {r['SQLDATE'][:20]!r}") from None
        code = _str(r["EventCode"])
        root = _str(r["EventRootCode"]) or (code[:2] if code else None)
        return self._checked(ExternalEvent(
            external_id=f"gdelt:{native}", source_system="gdelt", native_id=native, event_date=date,
            date_precision="day", file=file, line=line, imported_at=self.now, import_id=self.import_id,
            actor1_code=_str(r["Actor1Code"]), actor1_name=_str(r["Actor1Name"]),
            actor1_country=self._cameo_country(r["Actor1CountryCode"], r["Actor1Code"]),
            actor2_code=_str(r["Actor2Code"]), actor2_name=_str(r["Actor2Name"]),
            actor2_country=self._cameo_country(r["Actor2CountryCode"], r["Actor2Code"]),
            cameo_code=code, cameo_root=root.zfill(2) if root else None,
            quad_class=_int(r["QuadClass"], "QuadClass"), goldstein=_float(r["GoldsteinScale"], "GoldsteinScale"),
            location_name=_str(r["ActionGeo_FullName"]),
            location_country=self.countries.fips.get((r["ActionGeo_CountryCode"] or "").strip()),
            latitude=_float(r["ActionGeo_Lat"], "ActionGeo_Lat"), longitude=_float(r["ActionGeo_Long"], "ActionGeo_Long"),
            num_mentions=_int(r["NumMentions"], "NumMentions"), num_sources=_int(r["NumSources"], "NumSources"),
            num_articles=_int(r["NumArticles"], "NumArticles"), source_url=_str(r["SOURCEURL"]),
        ))

    @staticmethod
    def _checked(e: ExternalEvent) -> ExternalEvent:
        """The row, or ImportRowError when a value breaks schemas/external_events.json."""
        if e.cameo_code is not None and not re.fullmatch(r"[0-9]{2,4}", e.cameo_code):
            raise ImportRowError(f"EventCode is not a CAMEO code: {e.cameo_code[:20]!r}")
        if e.cameo_root is not None and not re.fullmatch(r"[0-9]{2}", e.cameo_root):
            raise ImportRowError(f"EventRootCode is not a CAMEO root: {e.cameo_root[:20]!r}")
        if e.quad_class is not None and not 1 <= e.quad_class <= 4:
            raise ImportRowError(f"QuadClass {e.quad_class} is not 1-4")
        if e.fatalities is not None and e.fatalities < 0:
            raise ImportRowError(f"fatalities {e.fatalities} is negative")
        return e

    def _cameo_country(self, country_code: str | None, actor_code: str | None) -> str | None:
        """ISO3 of a GDELT actor: its CountryCode, else a country code heading its actor code."""
        for code in ((country_code or "").strip(), (actor_code or "").strip()[:3]):
            if code in self.countries.cameo:
                return self.countries.cameo[code]
        return None

    # ---- ACLED ---------------------------------------------------------------------------------
    def _acled_file(self, path: Path) -> Iterator[ExternalEvent | Reject]:
        for name, fh in _text_members(path):
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in ACLED_REQUIRED if c not in header]
            if missing or not ({"country", "iso", "iso3"} & set(header)):
                yield self._reject(name, 1, f"not an ACLED export: missing columns {missing or ['country']}")
                continue
            reader.fieldnames = header
            while True:
                lineno = reader.line_num + 1  # the row's first line (quoted notes may span lines)
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                raw = ",".join(str(v) for v in rec.values())
                if None in rec:
                    yield self._reject(name, lineno, f"more cells than the {len(header)} header columns", raw)
                    continue
                try:
                    yield self._acled_row(rec, name, lineno)
                except ImportRowError as exc:
                    yield self._reject(name, lineno, str(exc), raw)

    def _acled_row(self, r: dict[str, str], file: str, line: int) -> ExternalEvent:
        native = _str(r.get("event_id_cnty"))
        if native is None:
            raise ImportRowError("event_id_cnty is empty")
        date = _acled_date(r.get("event_date") or "")
        country = self._acled_country(r)
        inter1 = _inter(r.get("inter1"), "inter1")
        inter2 = _inter(r.get("inter2"), "inter2")
        interaction = _interaction(r.get("interaction"), inter1, inter2)
        precision = ACLED_TIME_PRECISION.get(_int(r.get("time_precision"), "time_precision") or 1)
        if precision is None:
            raise ImportRowError(f"time_precision {r.get('time_precision')!r} is not 1, 2 or 3")
        a1, a2 = _str(r.get("actor1")), _str(r.get("actor2"))
        c1, c2 = self._actor_country(a1, inter1, country), self._actor_country(a2, inter2, country)
        return self._checked(ExternalEvent(
            external_id=f"acled:{native}", source_system="acled", native_id=native, event_date=date,
            date_precision=precision, file=file, line=line, imported_at=self.now, import_id=self.import_id,
            actor1_code=self._actor_code(a1, inter1, c1), actor1_name=a1, actor1_country=c1, actor1_inter=inter1,
            actor2_code=self._actor_code(a2, inter2, c2), actor2_name=a2, actor2_country=c2, actor2_inter=inter2,
            event_type=_str(r.get("event_type")), sub_event_type=_str(r.get("sub_event_type")),
            interaction=interaction, fatalities=_int(r.get("fatalities"), "fatalities"),
            location_name=_str(r.get("location")), location_country=country,
            latitude=_float(r.get("latitude"), "latitude"), longitude=_float(r.get("longitude"), "longitude"),
            sources=_str(r.get("source")),
        ))

    def _acled_country(self, r: dict[str, str]) -> str | None:
        iso3 = _str(r.get("iso3"))
        if iso3 and iso3 in self.countries.iso3:
            return iso3
        numeric = _int(r.get("iso"), "iso")
        if numeric is not None and numeric in self.countries.numeric:
            return self.countries.numeric[numeric]
        return self.countries.by_name(r.get("country"))

    def _actor_country(self, name: str | None, inter: int | None, event_country: str | None) -> str | None:
        """The country an ACLED actor's name gives, else the event's country (not for external forces)."""
        if not name:
            return None
        for m in reversed(_PAREN.findall(name)):
            found = self.countries.by_name(m)
            if found:
                return found
        m = _OF.search(name)
        if m:
            found = self.countries.by_name(m.group(1))
            if found:
                return found
        return None if inter == 8 else event_country

    def _actor_code(self, name: str | None, inter: int | None, country: str | None) -> str | None:
        """CAMEO-style actor code: the actor's country and its role (e.g. KENCOP, NGAGOV, SDNREB)."""
        if not name:
            return None
        role = self.roles.by_inter.get(inter) if inter else None
        if inter == 1:
            low = name.lower()
            role = next((seg for word, seg in _STATE_ROLE_BY_NAME if word in low), role)
        return ((country or "") + (role or "")) or None


def _acled_date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ImportRowError(f"event_date is not a date: {value[:40]!r}")


def _inter(value: str | None, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        code = int(value)
        if not 0 <= code <= 8:
            raise ImportRowError(f"{what} {code} is not an ACLED inter code (0-8)")
        return code or None
    code = ACLED_INTER_LABELS.get(value.lower())
    if code is None:
        raise ImportRowError(f"{what} {value[:40]!r} is not an ACLED actor type")
    return code


def _interaction(value: str | None, inter1: int | None, inter2: int | None) -> int | None:
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    if inter1 is None:
        return None
    lo, hi = sorted((inter1, inter2 or 0)) if inter2 else (inter1, 0)
    return lo * 10 + hi


def write_external_events(store: Any, events: Sequence[ExternalEvent]) -> int:
    """Append imported rows to <warehouse>/external/ (one atomic Parquet file per import); returns the count."""
    if not events:
        return 0
    from dyadflow.store import atomic_write_table, to_table
    from dyadflow.tableschema import table_schema

    table = to_table([e.to_row() for e in events], table_schema(store.schemas_dir, "external_events"))
    name = sha256_hex("".join(sorted(f"{e.external_id}\x1f{e.file}\x1f{e.line}" for e in events)))[:20]
    atomic_write_table(table, store.root / "external" / f"part-{name}.parquet", store.tmp_dir)
    return len(events)


@dataclass
class ImportSummary:
    """What one `dyadflow import` did."""

    system: str
    n_files: int
    n_events: int
    rejects: list[Reject]


def import_files(system: str, paths: Sequence[Path], settings: Any, *, lock_wait_seconds: float = 0.0) -> ImportSummary:
    """Import GDELT or ACLED files into the warehouse's external_events (and rejects), then refresh the views."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown dataset {system!r}; expected one of {', '.join(SYSTEMS)}")
    from dyadflow.pipeline import new_run_id, refresh_warehouse
    from dyadflow.store import ParquetStore

    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    with store.lock(wait_seconds=lock_wait_seconds):
        store.init()
        importer = Importer.from_seeds(settings.seeds_dir, settings.schemas_dir, f"import-{system}-{new_run_id()}")
        events, rejects = importer.read(system, paths)
        n = write_external_events(store, events)
        store.write_rejects(rejects)
        refresh_warehouse(settings)
    return ImportSummary(system, len(paths), n, rejects)
