"""The only module that opens seed files: reads seeds/<name>.csv|.jsonl and validates each row
against schemas/seeds/<name>.json. Returns plain typed dicts; the lexicon loader builds frozen
records from them."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dyadflow.tableschema import SchemaError, load_schema

LIST_SEP = "|"


class SeedError(SchemaError):
    """A seed file is missing or one of its rows breaks its schema (message names file and line)."""


def seed_path(seeds_dir: Path, name: str) -> Path:
    for ext in (".csv", ".jsonl"):
        p = Path(seeds_dir) / f"{name}{ext}"
        if p.exists():
            return p
    raise SeedError(f"seed {name!r} not found in {seeds_dir} (expected {name}.csv or {name}.jsonl)")


def read_seed_table(seeds_dir: Path, schemas_dir: Path, name: str) -> list[dict[str, Any]]:
    """All rows of one seed, validated and typed. Raises SeedError naming file and line."""
    path = seed_path(seeds_dir, name)
    schema = load_schema(Path(schemas_dir) / "seeds" / f"{name}.json")
    rows: list[dict[str, Any]] = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            unknown = [c for c in (reader.fieldnames or []) if c not in schema.names]
            if unknown:
                raise SeedError(f"{path}: columns {unknown} are not in schema {name}")
            for lineno, rec in enumerate(reader, start=2):
                rows.append(schema.validate_record(rec, where=f"{path}:{lineno}"))
    else:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip() or line.lstrip().startswith("//"):
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SeedError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
                if not isinstance(rec, dict):
                    raise SeedError(f"{path}:{lineno}: expected a JSON object")
                flat = {k: (json.dumps(v) if isinstance(v, list | dict) else v) for k, v in rec.items()}
                typed = schema.validate_record(flat, where=f"{path}:{lineno}")
                # keep nested values (lists/objects) as parsed JSON
                for k, v in rec.items():
                    if isinstance(v, list | dict):
                        typed[k] = v
                rows.append(typed)
    if schema.primary_key:
        seen: set[tuple[Any, ...]] = set()
        for r in rows:
            key = tuple(r.get(k) for k in schema.primary_key)
            if key in seen:
                raise SeedError(f"{path}: duplicate key {dict(zip(schema.primary_key, key, strict=True))}")
            seen.add(key)
    return rows


def split_list(cell: str | None) -> tuple[str, ...]:
    """A '|'-separated list cell as a tuple of stripped, non-empty items."""
    if not cell:
        return ()
    return tuple(x.strip() for x in str(cell).split(LIST_SEP) if x.strip())


def seeds_version(seeds_dir: Path, names: Iterable[str] | None = None) -> str:
    """Hash of the seed files' bytes: the dictionary_version stamped on events."""
    h = hashlib.sha256()
    files = sorted(Path(seeds_dir).glob("*.csv")) + sorted(Path(seeds_dir).glob("*.jsonl"))
    if names is not None:
        wanted = set(names)
        files = [f for f in files if f.stem in wanted]
    for f in sorted(files):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
