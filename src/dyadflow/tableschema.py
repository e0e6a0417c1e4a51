"""The data contracts in schemas/: load them, map them to Arrow, validate tables against them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


class SchemaError(ValueError):
    """A table or seed file does not satisfy its schema."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    pattern: str | None = None
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.type]


@dataclass(frozen=True)
class TableSchema:
    name: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(f.name, f.arrow_type, nullable=not f.required) for f in self.fields])

    def validate_frame(self, df: pd.DataFrame) -> None:
        """Raise SchemaError when columns, required values, enums, patterns or ranges are violated."""
        missing = [n for n in self.names if n not in df.columns]
        if missing:
            raise SchemaError(f"{self.name}: missing columns {missing}")
        extra = [c for c in df.columns if c not in self.names]
        if extra:
            raise SchemaError(f"{self.name}: unexpected columns {extra}")
        for f in self.fields:
            col = df[f.name]
            nulls = col.isna()
            if f.required and bool(nulls.any()):
                raise SchemaError(f"{self.name}.{f.name}: {int(nulls.sum())} null value(s) in a required column")
            present = col[~nulls]
            if present.empty:
                continue
            if f.enum is not None:
                bad = present[~present.isin(list(f.enum))]
                if not bad.empty:
                    raise SchemaError(f"{self.name}.{f.name}: value {bad.iloc[0]!r} not in {list(f.enum)}")
            if f.pattern is not None and f.type == "string":
                ok = present.astype(str).str.fullmatch(f.pattern)
                if not bool(ok.all()):
                    raise SchemaError(
                        f"{self.name}.{f.name}: value {present[~ok].iloc[0]!r} does not match {f.pattern}"
                    )
            if f.type in ("integer", "number") and (f.minimum is not None or f.maximum is not None):
                num = pd.to_numeric(present, errors="coerce")
                if f.minimum is not None and bool((num < f.minimum).any()):
                    raise SchemaError(f"{self.name}.{f.name}: value below minimum {f.minimum}")
                if f.maximum is not None and bool((num > f.maximum).any()):
                    raise SchemaError(f"{self.name}.{f.name}: value above maximum {f.maximum}")
        if self.primary_key:
            dup = df.duplicated(subset=list(self.primary_key))
            if bool(dup.any()):
                raise SchemaError(f"{self.name}: duplicate primary key {list(self.primary_key)}")

    def validate_record(self, rec: dict[str, Any], where: str = "") -> dict[str, Any]:
        """Validate one seed row (strings from CSV); return it with typed values. Raises SchemaError."""
        out: dict[str, Any] = {}
        for f in self.fields:
            raw = rec.get(f.name)
            if raw is None or (isinstance(raw, str) and raw.strip() == ""):
                if f.required:
                    raise SchemaError(f"{where}: required field {f.name!r} is empty")
                out[f.name] = None
                continue
            value: Any = raw.strip() if isinstance(raw, str) else raw
            try:
                if f.type == "integer":
                    value = int(value)
                elif f.type == "number":
                    value = float(value)
                elif f.type == "boolean":
                    if isinstance(value, str):
                        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                            raise ValueError(value)
                        value = value.lower() in ("true", "1", "yes")
                elif f.type == "date":
                    value = pd.Timestamp(value).date() if isinstance(value, str) else value
            except (ValueError, TypeError) as exc:
                raise SchemaError(f"{where}: field {f.name!r} is not a valid {f.type}: {raw!r}") from exc
            if f.enum is not None and value not in f.enum:
                raise SchemaError(f"{where}: field {f.name!r} value {value!r} not in {list(f.enum)}")
            if f.pattern is not None and isinstance(value, str) and not re.fullmatch(f.pattern, value):
                raise SchemaError(f"{where}: field {f.name!r} value {value!r} does not match {f.pattern}")
            if f.minimum is not None and isinstance(value, int | float) and value < f.minimum:
                raise SchemaError(f"{where}: field {f.name!r} value {value!r} below {f.minimum}")
            if f.maximum is not None and isinstance(value, int | float) and value > f.maximum:
                raise SchemaError(f"{where}: field {f.name!r} value {value!r} above {f.maximum}")
            out[f.name] = value
        return out


def parse_schema(doc: dict[str, Any]) -> TableSchema:
    """Build a TableSchema from a Table-Schema-style JSON document."""
    fields = []
    for f in doc["fields"]:
        c = f.get("constraints", {})
        if f["type"] not in _ARROW_TYPES:
            raise SchemaError(f"{doc.get('name')}: unknown field type {f['type']!r}")
        fields.append(
            FieldSpec(
                name=f["name"],
                type=f["type"],
                required=bool(c.get("required", False)),
                pattern=c.get("pattern"),
                enum=tuple(c["enum"]) if "enum" in c else None,
                minimum=c.get("minimum"),
                maximum=c.get("maximum"),
            )
        )
    return TableSchema(name=doc["name"], fields=tuple(fields), primary_key=tuple(doc.get("primaryKey", ())))


@lru_cache(maxsize=64)
def load_schema(path: Path) -> TableSchema:
    """Read one schema file (cached by path)."""
    return parse_schema(json.loads(Path(path).read_text(encoding="utf-8")))


def table_schema(schemas_dir: Path, name: str) -> TableSchema:
    """The schema of a persisted table (articles, events, rejects) or a seed (seeds/<name>)."""
    return load_schema(Path(schemas_dir) / f"{name}.json")
