"""Typed records that flow through the pipeline: articles, events, rejects."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


class DateSource(StrEnum):
    EXPLICIT = "explicit"
    RELATIVE = "relative"
    PUBLICATION = "publication"
    INFERRED = "inferred"


class Modality(StrEnum):
    """How the text presents an act: only asserted, intended, threatened, claimed and reported
    acts become events (a threat or claim is coded as the 13x/112 act, not as the act itself)."""

    ASSERTED = "asserted"
    NEGATED = "negated"
    DENIED = "denied"
    INTENDED = "intended"
    HYPOTHETICAL = "hypothetical"
    CONDITIONAL = "conditional"
    THREATENED = "threatened"
    REPORTED = "reported"
    CLAIMED = "claimed"

    @property
    def factual(self) -> bool:
        """The act (or the speech act coding it) took place."""
        return self not in (Modality.NEGATED, Modality.HYPOTHETICAL, Modality.CONDITIONAL, Modality.THREATENED)


def sha256_hex(data: bytes | str) -> str:
    """Hex sha256 of bytes or UTF-8 text."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Article:
    """One input article after extraction (the `articles` table)."""

    doc_id: str
    path: str
    text: str
    ingested_at: datetime
    content_hash: str
    url: str | None = None
    title: str | None = None
    source: str | None = None
    published: date | None = None
    published_inferred: bool = False
    language: str | None = None
    duplicate_paths: str | None = None
    origin: str | None = None  # identity: input root + relative path, JSONL id, or URL
    warnings: str | None = None  # what was read leniently (e.g. front matter that is not YAML)
    line: int | None = None  # JSONL line number (not stored: rejects of this input name it)
    duplicate_origins: tuple[str, ...] = ()  # origins of identical content read in the same run (not stored)

    @property
    def n_chars(self) -> int:
        return len(self.text)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["line"], row["duplicate_origins"]
        row["n_chars"] = self.n_chars
        return row


@dataclass(frozen=True, slots=True)
class Reject:
    """An input that could not be read or coded, with the reason (the `rejects` table)."""

    path: str
    stage: str
    reason: str
    sha256: str
    run_id: str
    rejected_at: datetime
    line: int | None = None
    detail: str | None = None
    n_bytes: int | None = None

    @property
    def reject_id(self) -> str:
        return sha256_hex(f"{self.path}\x1f{self.line}\x1f{self.stage}\x1f{self.sha256}")[:32]

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["reject_id"] = self.reject_id
        return row


@dataclass(frozen=True, slots=True)
class Actor:
    """A resolved actor mention: the text span and its CAMEO code."""

    text: str
    code: str | None
    country: str | None = None
    role: str | None = None
    start: int = 0  # character offsets in the article text
    end: int = 0
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One coded event (the `events` table). Built by the coder, enriched by time/place."""

    doc_id: str
    sentence_index: int
    sentence: str
    char_start: int
    char_end: int
    source_text: str | None
    source_code: str | None
    source_country: str | None
    source_role: str | None
    target_text: str | None
    target_code: str | None
    target_country: str | None
    target_role: str | None
    cameo_code: str
    cameo_root: str
    cameo_label: str | None
    quad_class: int
    goldstein: float | None
    rule_id: str
    confidence: float
    coder_version: str
    dictionary_version: str
    negated: bool = False
    modality: str = Modality.ASSERTED.value
    event_date: date | None = None
    date_precision: str = DatePrecision.UNKNOWN.value
    date_source: str | None = None
    is_historical: bool = False
    location_name: str | None = None
    location_country: str | None = None
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    interaction: int | None = None
    fatalities: int | None = None
    fatalities_text: str | None = None  # the text span that gave `fatalities`
    plover_event_type: str | None = None
    plover_mode: str | None = None
    source_outlet: str | None = None
    run_id: str = ""
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def event_id(self) -> str:
        """Deterministic id: same input, coder and dictionaries give the same id."""
        key = "\x1f".join(
            str(x)
            for x in (
                self.doc_id,
                self.sentence_index,
                self.char_start,
                self.char_end,
                self.source_code,
                self.source_text,
                self.target_code,
                self.target_text,
                self.cameo_code,
                self.rule_id,
                self.coder_version,
                self.dictionary_version,
            )
        )
        return sha256_hex(key)[:32]

    def to_row(self) -> dict[str, Any]:
        row = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "extras"}
        row["event_id"] = self.event_id
        return row
