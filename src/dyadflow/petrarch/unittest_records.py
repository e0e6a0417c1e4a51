"""Reader for PETRARCH's unit-test record files (``<Sentence>`` records with expected codings)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class UnitTestRecord:
    """One ``<Sentence>``: id, date, category, plain text and the expected (source, target, code) set."""

    id: str
    published: date
    category: str
    text: str
    expected: frozenset[tuple[str, str, str]]
    expects_error: str | None = None


def read_unittest_records(path: Path) -> list[UnitTestRecord]:
    """All records of a PETRARCH unit-test XML file (noevents/error records expect no event)."""
    root = ET.fromstring(Path(path).read_text(encoding="utf-8"))
    out: list[UnitTestRecord] = []
    for s in root.iter("Sentence"):
        d = (s.get("date") or "").strip()
        text = " ".join(html.unescape(s.findtext("Text") or "").split())
        expected: set[tuple[str, str, str]] = set()
        error = None
        for c in s.findall("EventCoding"):
            if c.get("error"):
                error = c.get("error")
            if c.get("eventcode") is not None:
                expected.add((c.get("sourcecode", ""), c.get("targetcode", ""), c.get("eventcode", "")))
        if not re.fullmatch(r"\d{8}", d):
            continue
        out.append(UnitTestRecord(
            id=(s.get("id") or "").strip(), published=date(int(d[:4]), int(d[4:6]), int(d[6:8])),
            category=(s.get("category") or "").strip(), text=text, expected=frozenset(expected),
            expects_error=error,
        ))
    return out
