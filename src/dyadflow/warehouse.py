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

Materialisation (native tables inside the .duckdb file, so they move with it). One apply runs in
one transaction, in three phases:

    files numbered < 20     staging views over Parquet (stg_*), articles, rejects
    refresh_event_marts     mart_events (every staged row + _part, _file, _visible),
                            mart_articles (outlet, url, published per doc), mart_codings
    files 20 .. 39          events (= visible mart_events rows), events_dyadic, dyad_aggregate()
    refresh_dyad_marts      mart_dyad_<period><variant> for day/week/month/quarter/year x 4
    files >= 40             dyad_period(), dyad_<period>* views, clusters, exports

A fingerprint of the store (events files per partition with size and mtime, codings.parquet,
articles files) and a hash of the SQL that shapes the marts are kept in `mart_state`. When both
are unchanged an apply recomputes nothing. When the SQL changed, every mart is rebuilt. Otherwise
the refresh is incremental: the partitions whose files changed are re-read, the visibility
(commit check + dedup by event_id, warehouse/mart/events_visible.sql) is recomputed for their
rows, for rows of docs whose committed coding or article changed, and for every other copy of
the same event_ids; then only the periods overlapping a touched partition (the days and months
of a changed month, the weeks overlapping it, its quarter and its year; NULL period for the
undated partition) are deleted and re-aggregated in each mart_dyad_* table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from dyadflow.location import as_location, file_signature, is_remote, local_db_path, register_filesystem
from dyadflow.seeds import read_seed_table
from dyadflow.store import CODINGS_FIELDS, fsync_dir
from dyadflow.tableschema import table_schema

log = logging.getLogger(__name__)

DB_FILE = "dyadflow.duckdb"
PARQUET_GLOBS: Mapping[str, str] = {
    "events": "events/year=*/month=*/part-*.parquet",
    "articles": "articles/part-*.parquet",
    "rejects": "rejects/part-*.parquet",
    "codings": "state/codings.parquet",
    "origins": "state/origins.parquet",
    "external_events": "external/part-*.parquet",
    "seen_urls": "state/seen_urls.parquet",
    "superseded": "state/superseded.parquet",
}
HIVE_TABLES = frozenset({"events"})
SEED_TABLES: tuple[str, ...] = ("country_geo", "acled_event_types", "acled_actor_roles")
MART_DIR = "mart"
MART_FORMAT = "1"  # bump when the Python side of the materialisation changes
EVENT_MARTS_BEFORE = 20  # SQL files numbered below this run before the events mart is refreshed
DYAD_MARTS_BEFORE = 40  # SQL files numbered below this run before the dyad marts are refreshed
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
VARIANTS: tuple[tuple[str, str, str], ...] = (
    ("", "actor", "directed"),
    ("_undirected", "actor", "undirected"),
    ("_country", "country", "directed"),
    ("_country_undirected", "country", "undirected"),
)
UNDATED_PART = "unknown-unknown"

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
    data_dir = as_location(data_dir)
    if not any(data_dir.glob(pattern)):
        schema = _arrow_schema(name, schemas_dir)
        if name in HIVE_TABLES:
            schema = schema.append(pa.field("year", pa.string())).append(pa.field("month", pa.string()))
            schema = schema.append(pa.field("filename", pa.string()))
        return empty_relation(schema)
    glob = _sql_literal(str(data_dir / pattern) if is_remote(data_dir) else str(Path(data_dir).resolve() / pattern))
    if name in HIVE_TABLES:
        return (
            f"read_parquet({glob}, hive_partitioning = true, union_by_name = true, filename = true, "
            "hive_types = {'year': varchar, 'month': varchar})"
        )
    # files written before a column was added lack it: the typed empty relation supplies it (NULL)
    typed = empty_relation(_arrow_schema(name, schemas_dir))
    return f"(select * from read_parquet({glob}, union_by_name = true) union all by name {typed})"


def render_sql(text: str, data_dir: Path, schemas_dir: Path) -> str:
    """Substitute the placeholders of one warehouse SQL file."""

    def sub(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2)
        if kind == "data_dir" and arg is None:
            return str(data_dir) if is_remote(data_dir) else str(Path(data_dir).resolve())
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


def _file_number(path: Path) -> int:
    m = re.match(r"(\d+)", path.name)
    return int(m.group(1)) if m else 10**9


def apply_views(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    data_dir: Path,
    *,
    schemas_dir: Path | None = None,
    seeds_dir: Path | None = None,
) -> list[str]:
    """Load the seed tables, run every warehouse/*.sql in lexical order and refresh the marts.

    Returns the created names. schemas_dir and seeds_dir default to the project folders beside
    sql_dir. Everything runs in one transaction (readers never see a half-refreshed warehouse).
    """
    return apply_views_report(con, sql_dir, data_dir, schemas_dir=schemas_dir, seeds_dir=seeds_dir)[0]


def apply_views_report(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    data_dir: Path,
    *,
    schemas_dir: Path | None = None,
    seeds_dir: Path | None = None,
    force_rebuild: bool = False,
) -> tuple[list[str], MartRefresh]:
    """apply_views, also returning what the materialisation did (MartRefresh)."""
    sql_dir = Path(sql_dir)
    data_dir = as_location(data_dir)
    project = sql_dir.resolve().parent
    schemas_dir = Path(schemas_dir) if schemas_dir else project / "schemas"
    seeds_dir = Path(seeds_dir) if seeds_dir else project / "seeds"
    files = sql_files(sql_dir)
    con.execute("begin transaction")
    try:
        names = load_seed_tables(con, seeds_dir, schemas_dir)

        def run(paths: Iterable[Path]) -> None:
            for path in paths:
                sql = render_sql(path.read_text(encoding="utf-8"), data_dir, schemas_dir)
                try:
                    con.execute(sql)
                except duckdb.Error as exc:
                    raise RuntimeError(f"{path.name}: {exc}") from exc
                names.extend(created_names(sql))

        run(p for p in files if _file_number(p) < EVENT_MARTS_BEFORE)
        report = refresh_marts(
            con,
            sql_dir,
            data_dir,
            lambda: run(p for p in files if EVENT_MARTS_BEFORE <= _file_number(p) < DYAD_MARTS_BEFORE),
            force_rebuild=force_rebuild,
        )
        run(p for p in files if _file_number(p) >= DYAD_MARTS_BEFORE)
        names.extend(mart_tables())
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.debug("applied %d warehouse objects from %s (%s)", len(names), sql_dir, report)
    return names, report


# ---- materialisation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MartRefresh:
    """What one apply did to the materialised tables."""

    mode: str  # "unchanged", "incremental" or "full"
    partitions: tuple[str, ...]  # partitions re-aggregated ('YYYY-MM' or 'unknown-unknown')
    seconds: float


def mart_tables() -> list[str]:
    """Names of the native tables the materialisation maintains."""
    dyads = [f"mart_dyad_{p}{suffix}" for p in PERIODS for suffix, _, _ in VARIANTS]
    return ["mart_state", "mart_events", "mart_articles", "mart_codings", *dyads, "mart_event_clusters"]


def _stat(path: Path) -> list[int]:
    return file_signature(path)  # size and mtime (an ETag on object storage)


def store_fingerprint(data_dir: Path) -> dict[str, object]:
    """Cheap fingerprint of the Parquet store: file names (relative), sizes and mtimes."""
    data_dir = as_location(data_dir)
    events: dict[str, dict[str, list[int]]] = {}
    for f in sorted(data_dir.glob(PARQUET_GLOBS["events"])):
        part = f.parent.parent.name.split("=", 1)[1] + "-" + f.parent.name.split("=", 1)[1]
        events.setdefault(part, {})[f.name] = _stat(f)
    articles = {f.name: _stat(f) for f in sorted(data_dir.glob(PARQUET_GLOBS["articles"]))}
    codings_path = data_dir / PARQUET_GLOBS["codings"]
    codings = _stat(codings_path) if codings_path.exists() else None
    return {"events": events, "articles": articles, "codings": codings}


def mart_version(sql_dir: Path) -> str:
    """Hash of the SQL that shapes the marts (files numbered < 40 and mart/*.sql)."""
    h = hashlib.sha256(MART_FORMAT.encode())
    paths = [p for p in sql_files(sql_dir) if _file_number(p) < DYAD_MARTS_BEFORE]
    paths += sorted((Path(sql_dir) / MART_DIR).glob("*.sql"))
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _mart_sql(sql_dir: Path, name: str, **params: str) -> str:
    text = _strip_comments((Path(sql_dir) / MART_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    for key, value in params.items():
        text = re.sub(r"\{\{\s*" + key + r"\s*\}\}", lambda _m, v=value: v, text)
    if "{{" in text:
        raise ValueError(f"mart/{name}.sql: unrendered placeholder")
    return text


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    q = "select count(*) from duckdb_tables() where table_name = ? and not temporary"
    return bool(con.execute(q, [name]).fetchone()[0])  # type: ignore[index]


def _read_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not _table_exists(con, "mart_state"):
        return {}
    return dict(con.execute("select key, value from mart_state").fetchall())


def _write_state(con: duckdb.DuckDBPyConnection, state: Mapping[str, str]) -> None:
    con.execute("create or replace table mart_state (key varchar primary key, value varchar)")
    con.executemany("insert into mart_state values (?, ?)", [[k, v] for k, v in state.items()])


def _part_filter(parts: Iterable[str]) -> str:
    terms = []
    for part in sorted(parts):
        year, month = part.split("-", 1)
        terms.append(f"(part_year = {_sql_literal(year)} and part_month = {_sql_literal(month)})")
    return " or ".join(terms) if terms else "false"


def _in_list(values: Iterable[str]) -> str:
    vals = sorted(values)
    return "(" + ", ".join(_sql_literal(v) for v in vals) + ")" if vals else "(null)"


def refresh_marts(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    data_dir: Path,
    apply_middle: Callable[[], None] | None = None,
    *,
    force_rebuild: bool = False,
) -> MartRefresh:
    """Bring the mart_* tables up to date with the Parquet store (see the module docstring).

    apply_middle (a callable) creates the views the dyad marts aggregate from (files 20..39);
    it runs between the events and the dyad phase, whatever the mode. Call inside a transaction.
    """
    t0 = time.perf_counter()
    fingerprint = store_fingerprint(data_dir)
    fp_text = json.dumps(fingerprint, sort_keys=True)
    version = mart_version(sql_dir)
    state = _read_state(con)
    dyads_ready = all(_table_exists(con, n) for n in mart_tables()[1:])
    full = force_rebuild or state.get("version") != version or not dyads_ready
    if not full and state.get("fingerprint") == fp_text:
        if apply_middle is not None:
            apply_middle()
        return MartRefresh("unchanged", (), time.perf_counter() - t0)
    if full:
        touched = _rebuild_event_marts(con, sql_dir)
    else:
        touched = _update_event_marts(con, sql_dir, json.loads(state["fingerprint"]), fingerprint)
    if apply_middle is not None:
        apply_middle()
    if full:
        _rebuild_dyad_marts(con)
        _rebuild_clusters(con)
    else:
        _update_dyad_marts(con, touched)
        _update_clusters(con, touched)
    _write_state(con, {"version": version, "fingerprint": fp_text})
    for tmp in ("_codings", "_articles", "_changed_docs", "_changed_articles", "_new_rows", "_cand_ids", "_vis"):
        con.execute(f"drop table if exists temp.{tmp}")
    mode = "full" if full else "incremental"
    report = MartRefresh(mode, tuple(sorted(touched)), time.perf_counter() - t0)
    log.info("warehouse marts: %s refresh, %d partitions, %.2f s", mode, len(touched), report.seconds)
    return report


def _rebuild_event_marts(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> set[str]:
    for name in mart_tables():
        con.execute(f"drop table if exists {name}")
    con.execute(f"create or replace temp table _codings as {_mart_sql(sql_dir, 'codings')}")
    con.execute("create table mart_codings as select * from _codings order by doc_id")
    con.execute(f"create table mart_articles as {_mart_sql(sql_dir, 'articles')} order by doc_id")
    rows = _mart_sql(sql_dir, "events_rows", where="true")
    # Fast path of events_visible.sql for the bulk of rows: an event_id with one row is visible iff
    # committed (a streaming join, no window over all columns of all rows). Rows are inserted in
    # file order, i.e. clustered by partition and date, which keeps zone maps selective.
    con.execute(f"""
        create table mart_events as
        select rows.* exclude (_visible), codings.doc_id is not null as _visible
        from ({rows}) as rows
        left join _codings as codings
            on  rows.doc_id = codings.doc_id
            and rows.coder_version = codings.coder_version
            and rows.dictionary_version = codings.dictionary_version
    """)
    # event_ids with several rows: the full rule (commit check, then latest run wins)
    con.execute("""
        create or replace temp table _cand_ids as
        select event_id from mart_events group by event_id having count(*) > 1
    """)
    if con.execute("select count(*) from _cand_ids").fetchone()[0]:  # type: ignore[index]
        cand = "select * from mart_events where event_id in (select event_id from _cand_ids)"
        visible = _mart_sql(sql_dir, "events_visible", rows=cand, codings="mart_codings")
        con.execute(f"create or replace temp table _vis as {visible}")
        con.execute("delete from mart_events where event_id in (select event_id from _cand_ids)")
        con.execute("insert into mart_events by name select * exclude (_was_visible) from _vis")
    parts = con.execute("select distinct _part from mart_events").fetchall()
    return {p[0] for p in parts}


def _update_event_marts(
    con: duckdb.DuckDBPyConnection, sql_dir: Path, old: Mapping[str, object], new: Mapping[str, object]
) -> set[str]:
    old_events: Mapping[str, object] = old.get("events", {})  # type: ignore[assignment]
    new_events: Mapping[str, object] = new.get("events", {})  # type: ignore[assignment]
    changed_parts = {p for p in set(old_events) | set(new_events) if old_events.get(p) != new_events.get(p)}
    con.execute("create or replace temp table _changed_docs (doc_id varchar)")
    if old.get("codings") != new.get("codings"):
        con.execute(f"create or replace temp table _codings as {_mart_sql(sql_dir, 'codings')}")
        con.execute("""
            insert into _changed_docs
            select coalesce(n.doc_id, o.doc_id)
            from _codings as n
            full outer join mart_codings as o
                on  n.doc_id = o.doc_id
                and n.coder_version = o.coder_version
                and n.dictionary_version = o.dictionary_version
            where n.doc_id is null or o.doc_id is null
        """)
        con.execute("delete from mart_codings where doc_id in (select doc_id from _changed_docs)")
        con.execute("insert into mart_codings select * from _codings "
                    "where doc_id in (select doc_id from _changed_docs)")
    outlet_parts: set[str] = set()
    if old.get("articles") != new.get("articles"):
        con.execute(f"create or replace temp table _articles as {_mart_sql(sql_dir, 'articles')}")
        changed_articles = """
            select coalesce(n.doc_id, o.doc_id) as doc_id
            from _articles as n
            full outer join mart_articles as o on n.doc_id = o.doc_id
            where n.doc_id is null or o.doc_id is null
               or n.outlet is distinct from o.outlet or n.url is distinct from o.url
               or n.published is distinct from o.published or n.ingested_at is distinct from o.ingested_at
        """
        con.execute(f"create or replace temp table _changed_articles as {changed_articles}")
        rows = con.execute("""
            select distinct _part from mart_events
            where _visible and doc_id in (select doc_id from _changed_articles)
        """).fetchall()
        outlet_parts = {r[0] for r in rows}
        con.execute("delete from mart_articles where doc_id in (select doc_id from _changed_articles)")
        con.execute("insert into mart_articles select * from _articles "
                    "where doc_id in (select doc_id from _changed_articles)")
    rows_sql = _mart_sql(sql_dir, "events_rows", where=_part_filter(changed_parts))
    con.execute(f"create or replace temp table _new_rows as {rows_sql}")
    if changed_parts:
        con.execute(f"delete from mart_events where _part in {_in_list(changed_parts)}")
    con.execute("""
        create or replace temp table _cand_ids as
        select event_id from _new_rows
        union
        select event_id from mart_events where doc_id in (select doc_id from _changed_docs)
    """)
    cand = """
        select * from mart_events where event_id in (select event_id from _cand_ids)
        union all by name
        select * from _new_rows
    """
    visible = _mart_sql(sql_dir, "events_visible", rows=cand, codings="mart_codings")
    con.execute(f"create or replace temp table _vis as {visible}")
    flipped = con.execute("""
        select distinct _part from _vis where _visible is distinct from coalesce(_was_visible, false)
    """).fetchall()
    con.execute("delete from mart_events where event_id in (select event_id from _cand_ids)")
    con.execute("insert into mart_events by name select * exclude (_was_visible) from _vis")
    return changed_parts | outlet_parts | {r[0] for r in flipped}


def _rebuild_dyad_marts(con: duckdb.DuckDBPyConnection) -> None:
    for period in PERIODS:
        for suffix, level, direction in VARIANTS:
            con.execute(f"""
                create or replace table mart_dyad_{period}{suffix} as
                select * from dyad_aggregate('{period}', '{level}', '{direction}',
                                             date '0001-01-01', date '9999-12-31', true)
                order by period_start, actor1, actor2
            """)


_ALL_PRECISIONS = "['day', 'month', 'year']"


def _rebuild_clusters(con: duckdb.DuckDBPyConnection) -> None:
    """All clusters, one year at a time (a cluster never spans years): bounded memory."""
    con.execute("""
        create or replace table mart_event_clusters as
        select * from cluster_aggregate(date '9999-12-31', date '9999-12-31', [], false)
    """)
    years = con.execute("select distinct year(event_date) from events where event_date is not null order by 1")
    for (year,) in years.fetchall():
        con.execute(f"""insert into mart_event_clusters select * from cluster_aggregate(
                        make_date(?, 1, 1), make_date(? + 1, 1, 1), {_ALL_PRECISIONS}, false)""", [year, year])
    con.execute("""insert into mart_event_clusters select * from cluster_aggregate(
                   date '9999-12-31', date '9999-12-31', [], true)""")


def _update_clusters(con: duckdb.DuckDBPyConnection, touched: set[str]) -> None:
    """Recompute the clusters of touched months (day/month precision), years (year), undated."""
    table = "mart_event_clusters"
    for lo, hi in period_ranges("month", touched):
        con.execute(f"delete from {table} where event_date >= ? and event_date < ? "
                    "and date_precision in ('day', 'month')", [lo, hi])
        con.execute(f"insert into {table} select * from cluster_aggregate(?::date, ?::date, ['day', 'month'], false)",
                    [lo, hi])
    for lo, hi in period_ranges("year", touched):
        con.execute(f"delete from {table} where event_date >= ? and event_date < ? and date_precision = 'year'",
                    [lo, hi])
        con.execute(f"insert into {table} select * from cluster_aggregate(?::date, ?::date, ['year'], false)",
                    [lo, hi])
    if UNDATED_PART in touched:
        con.execute(f"delete from {table} where event_date is null")
        con.execute(f"insert into {table} select * from cluster_aggregate(date '9999-12-31', date '9999-12-31', "
                    "[], true)")


def _trunc(period: str, d: date) -> date:
    if period == "day":
        return d
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    if period == "year":
        return d.replace(month=1, day=1)
    raise ValueError(f"not a materialised period: {period}")


def _next(period: str, start: date) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    m = start.month - 1 + months
    return date(start.year + m // 12, m % 12 + 1, 1)


def period_ranges(period: str, parts: Iterable[str]) -> list[tuple[date, date]]:
    """Merged [start, end) ranges of whole periods overlapping the dated partitions 'YYYY-MM'."""
    spans = []
    for part in parts:
        if part == UNDATED_PART:
            continue
        year, month = (int(x) for x in part.split("-"))
        first = date(year, month, 1)
        last = _next("month", first) - timedelta(days=1)
        spans.append((_trunc(period, first), _next(period, _trunc(period, last))))
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _update_dyad_marts(con: duckdb.DuckDBPyConnection, touched: set[str]) -> None:
    undated = UNDATED_PART in touched
    for period in PERIODS:
        ranges = period_ranges(period, touched)
        for suffix, level, direction in VARIANTS:
            table = f"mart_dyad_{period}{suffix}"
            args = f"'{period}', '{level}', '{direction}'"
            for lo, hi in ranges:
                con.execute(f"delete from {table} where period_start >= ? and period_start < ?", [lo, hi])
                con.execute(f"insert into {table} select * from dyad_aggregate({args}, ?::date, ?::date, false)",
                            [lo, hi])
            if undated:
                con.execute(f"delete from {table} where period_start is null")
                con.execute(f"""insert into {table} select * from dyad_aggregate({args},
                                date '9999-12-31', date '9999-12-31', true)""")


def connect(data_dir: Path, sql_dir: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open <data_dir>/dyadflow.duckdb; (re)apply the views and refresh the marts unless read-only.

    A read-only connection sees the marts as of the last read-write open (a warning is logged when
    the Parquet store changed since).
    """
    data_dir = as_location(data_dir)
    db = db_path(data_dir)
    if read_only:
        if not db.exists():
            raise FileNotFoundError(f"no warehouse database at {db}; run `dyadflow run` first")
        con = duckdb.connect(str(db), read_only=True)
        register_filesystem(con, data_dir)
        if is_stale(con, data_dir):
            log.warning("the warehouse tables in %s predate the Parquet store; open it read-write once "
                        "(dyadflow sql, or dyadflow.warehouse.refresh) to bring them up to date", db)
        return con
    data_dir.mkdir(parents=True, exist_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db))
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        # a reader (a dashboard, a BI tool) has the file open: refresh a copy, swap it in, read that
        refresh(data_dir, sql_dir)
        return connect(data_dir, sql_dir, read_only=True)
    try:
        register_filesystem(con, data_dir)
        apply_views(con, sql_dir, data_dir)
    except BaseException:
        con.close()
        raise
    return con


def db_path(data_dir: Path) -> Path:
    """The warehouse's DuckDB file: <data_dir>/dyadflow.duckdb, or a local cache file for object storage."""
    return local_db_path(as_location(data_dir), DB_FILE)


def is_stale(con: duckdb.DuckDBPyConnection, data_dir: Path) -> bool:
    """True when the Parquet store changed since the marts were last refreshed (or never were)."""
    state = _read_state(con)
    return state.get("fingerprint") != json.dumps(store_fingerprint(data_dir), sort_keys=True)


def refresh(data_dir: Path, sql_dir: Path) -> list[str]:
    """Apply the views and refresh the marts in a copy of the warehouse database, then swap it in.

    Called by the load flow after every load; returns the created names (views, macros, tables).
    The marts are refreshed incrementally (only what the load changed), see refresh_marts.
    Readers are never in the way and never see a half-refreshed database: the copy
    (`.tmp-<pid>-<random>.duckdb` beside the file, removed by the store's init if a kill leaves
    it) is renamed over dyadflow.duckdb; a connection already open keeps reading the old file.
    """
    data_dir = as_location(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = db_path(data_dir)
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}.duckdb")
    wal, tmp_wal = db.with_name(db.name + ".wal"), tmp.with_name(tmp.name + ".wal")
    try:
        if db.exists():
            shutil.copyfile(db, tmp)
            if wal.exists():  # left by a writer that was killed: replayed into the copy
                shutil.copyfile(wal, tmp_wal)
        con = duckdb.connect(str(tmp))
        try:
            register_filesystem(con, data_dir)
            names = apply_views(con, sql_dir, data_dir)
            con.execute("checkpoint")
        finally:
            con.close()
        with contextlib.suppress(FileNotFoundError):
            wal.unlink()  # before the swap: the old WAL must never be replayed into the new file
        os.replace(tmp, db)
        fsync_dir(db.parent)
    finally:
        for leftover in (tmp, tmp_wal):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return names


def view_names(sql_dir: Path) -> list[str]:
    """The views defined by warehouse/*.sql (what `dyadflow export` accepts)."""
    names: list[str] = []
    for path in sql_files(sql_dir):
        text = _strip_comments(path.read_text(encoding="utf-8"))
        names.extend(m.group(2).lower() for m in _CREATE.finditer(text) if m.group(1).lower() == "view")
    return names
