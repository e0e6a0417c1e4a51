"""The DuckDB warehouse: apply warehouse/*.sql (views and macros) to <data_dir>/dyadflow.duckdb.

The SQL files are templates with a few placeholders, rendered on every apply:

    {{ data_dir }}          the absolute data directory (for comments and messages)
    {{ parquet:events }}    a relation over events/year=*/month=*/part-*.parquet (hive-partitioned)
    {{ parquet:articles }}  articles/part-*.parquet
    {{ parquet:rejects }}   rejects/part-*.parquet
    {{ parquet:codings }}   state/codings.parquet

Each `parquet:` placeholder becomes `read_parquet('<absolute glob>', ...)` when the glob matches
at least one file at apply time, else a typed empty relation built from the table's schema
(schemas/<name>.json, or the store's codings schema). Views therefore hold absolute paths: the
pipeline and the CLI re-apply on every connect, so moving the warehouse folder keeps them working
(open it through `connect`, or call `refresh` once after a move before pointing a BI tool at it).

Seed tables the SQL needs (country codes, ACLED categories) are loaded with
`dyadflow.seeds.read_seed_table` into `seed_*` tables before the SQL runs: no SQL opens seed files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from dyadflow.seeds import read_seed_table
from dyadflow.store import CODINGS_FIELDS
from dyadflow.tableschema import table_schema

log = logging.getLogger(__name__)

DB_FILE = "dyadflow.duckdb"
PARQUET_GLOBS: Mapping[str, str] = {
    "events": "events/year=*/month=*/part-*.parquet",
    "articles": "articles/part-*.parquet",
    "rejects": "rejects/part-*.parquet",
    "codings": "state/codings.parquet",
}
HIVE_TABLES = frozenset({"events"})
SEED_TABLES: tuple[str, ...] = ("country_geo", "acled_event_types", "acled_actor_roles")

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z_]+))?\s*\}\}")
_CREATE = re.compile(
    r"create\s+or\s+replace\s+(?:temp\s+|temporary\s+)?(view|macro|table)\s+([a-z_][a-z0-9_]*)",
    re.IGNORECASE,
)
_ARROW_TO_DUCKDB: Mapping[str, str] = {
    "string": "varchar",
    "large_string": "varchar",
    "int64": "bigint",
    "int32": "integer",
    "double": "double",
    "bool": "boolean",
    "date32[day]": "date",
}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    try:
        return _ARROW_TO_DUCKDB[str(t)]
    except KeyError as exc:
        raise ValueError(f"no DuckDB type for Arrow type {t}") from exc


def _arrow_schema(name: str, schemas_dir: Path) -> pa.Schema:
    if name == "codings":
        return CODINGS_FIELDS
    return table_schema(schemas_dir, name).arrow_schema()


def empty_relation(schema: pa.Schema) -> str:
    """A typed relation with the schema's columns and no rows."""
    cols = ", ".join(f"cast(null as {_duckdb_type(f.type)}) as {f.name}" for f in schema)
    return f"(select {cols} where false)"


def parquet_relation(name: str, data_dir: Path, schemas_dir: Path) -> str:
    """read_parquet over the table's files, or a typed empty relation when there are none yet."""
    pattern = PARQUET_GLOBS[name]
    if not any(Path(data_dir).glob(pattern)):
        return empty_relation(_arrow_schema(name, schemas_dir))
    glob = _sql_literal(str(Path(data_dir).resolve() / pattern))
    if name in HIVE_TABLES:
        return (
            f"read_parquet({glob}, hive_partitioning = true, union_by_name = true, "
            "hive_types = {'year': varchar, 'month': varchar})"
        )
    return f"read_parquet({glob}, union_by_name = true)"


def render_sql(text: str, data_dir: Path, schemas_dir: Path) -> str:
    """Substitute the placeholders of one warehouse SQL file."""

    def sub(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2)
        if kind == "data_dir" and arg is None:
            return str(Path(data_dir).resolve())
        if kind == "parquet" and arg in PARQUET_GLOBS:
            return parquet_relation(arg, data_dir, schemas_dir)
        raise ValueError(f"unknown placeholder {m.group(0)!r}")

    return _PLACEHOLDER.sub(sub, text)


def created_names(sql: str) -> list[str]:
    """Names of the views, macros and tables a SQL text creates (in order)."""
    return [m.group(2).lower() for m in _CREATE.finditer(_strip_comments(sql))]


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def load_seed_tables(con: duckdb.DuckDBPyConnection, seeds_dir: Path, schemas_dir: Path) -> list[str]:
    """(Re)create the seed_* tables from the validated seed files."""
    names = []
    for name in SEED_TABLES:
        rows = read_seed_table(seeds_dir, schemas_dir, name)
        schema = table_schema(schemas_dir, f"seeds/{name}").arrow_schema()
        frame = pd.DataFrame(rows, columns=schema.names)
        arrow = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        con.register("_seed_rows", arrow)
        try:
            con.execute(f"create or replace table seed_{name} as select * from _seed_rows")
        finally:
            con.unregister("_seed_rows")
        names.append(f"seed_{name}")
    return names


def sql_files(sql_dir: Path) -> list[Path]:
    """The warehouse SQL files in the order they are applied."""
    return sorted(p for p in Path(sql_dir).glob("*.sql") if p.is_file())


def apply_views(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    data_dir: Path,
    *,
    schemas_dir: Path | None = None,
    seeds_dir: Path | None = None,
) -> list[str]:
    """Load the seed tables and run every warehouse/*.sql in lexical order; returns created names.

    schemas_dir and seeds_dir default to the project folders beside sql_dir.
    """
    sql_dir = Path(sql_dir)
    project = sql_dir.resolve().parent
    schemas_dir = Path(schemas_dir) if schemas_dir else project / "schemas"
    seeds_dir = Path(seeds_dir) if seeds_dir else project / "seeds"
    names = load_seed_tables(con, seeds_dir, schemas_dir)
    for path in sql_files(sql_dir):
        sql = render_sql(path.read_text(encoding="utf-8"), Path(data_dir), schemas_dir)
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise RuntimeError(f"{path.name}: {exc}") from exc
        names.extend(created_names(sql))
    log.debug("applied %d warehouse objects from %s", len(names), sql_dir)
    return names


def connect(data_dir: Path, sql_dir: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open <data_dir>/dyadflow.duckdb; (re)apply the views unless read-only."""
    data_dir = Path(data_dir)
    db = data_dir / DB_FILE
    if read_only:
        if not db.exists():
            raise FileNotFoundError(f"no warehouse database at {db}; run `dyadflow run` first")
        return duckdb.connect(str(db), read_only=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    try:
        apply_views(con, sql_dir, data_dir)
    except BaseException:
        con.close()
        raise
    return con


def refresh(data_dir: Path, sql_dir: Path) -> list[str]:
    """Open the warehouse database, apply the views, close it; returns the created names."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data_dir / DB_FILE))
    try:
        return apply_views(con, sql_dir, data_dir)
    finally:
        con.close()


def view_names(sql_dir: Path) -> list[str]:
    """The views defined by warehouse/*.sql (what `dyadflow export` accepts)."""
    names: list[str] = []
    for path in sql_files(sql_dir):
        text = _strip_comments(path.read_text(encoding="utf-8"))
        names.extend(m.group(2).lower() for m in _CREATE.finditer(text) if m.group(1).lower() == "view")
    return names
