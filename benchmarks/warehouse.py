"""Warehouse benchmark: the materialised dyad views and event_clusters in DuckDB against a pandas
groupby baseline computing the same results from the same Parquet files, in the same run.

    python benchmarks/warehouse.py --n 1000000
    python benchmarks/warehouse.py --n 10000000 --threads 2 --memory-limit 3GB
    python benchmarks/warehouse.py --n 1000000 --groups-stress      # worst case: ~1 group per event

Synthetic events follow schemas/events.json and the store's layout (events/year=YYYY/month=MM/
part-*.parquet, an `unknown` partition for undated events, articles/, state/codings.parquet), so
the warehouse code runs unchanged (see `generate` for the distributions).

DuckDB process (threads and memory_limit set before anything runs):
  1. full materialisation: apply_views on an empty bench.duckdb (staging views, mart_events from
     every Parquet file, the 20 mart_dyad_* tables);
  2. re-apply with nothing changed (what every `dyadflow sql` call pays: fingerprint check and
     view DDL), in-process and as a fresh connect();
  3. incremental refresh after one month's partition file was rewritten (1 % of its rows changed,
     new content-hashed file name), repeated;
  4. the queries, each after one warm-up run, on the refreshed warehouse:
       dyad_month            select count(*), sum(n_events) from dyad_month
       dyad_month_rows       create temp table _b as select * from dyad_month (every column, every row)
       dyad_period_week      select count(*), sum(n_events) from dyad_period('week')
       dyad_period_week_rows create temp table _b as select * from dyad_period('week')
       event_clusters        create temp table _b as select * from event_clusters (a live view over
                             the native mart_events / mart_articles tables)
pandas process: reads only the needed columns (pyarrow-backed strings), joins the codings (commit
check), drops duplicate event_ids, joins the article outlets and groups, once per query; its time
is therefore comparable with "materialise + query", not with the query alone.
Each engine runs in its own subprocess so that its peak memory (ru_maxrss) is its own.
Results: JSON in benchmarks/out/ and a markdown table on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadflow.seeds import read_seed_table  # noqa: E402
from dyadflow.store import CODINGS_FIELDS, coding_key  # noqa: E402
from dyadflow.tableschema import table_schema  # noqa: E402

# Newsworthy countries first: the Zipf ranks follow this order, then the rest of the seed's
# countries (ISO3 order) up to N_COUNTRIES.
TOP_COUNTRIES = [
    "USA", "RUS", "CHN", "UKR", "ISR", "IRN", "TUR", "SYR", "GBR", "FRA", "DEU", "IND", "PAK", "AFG",
    "IRQ", "PSE", "SAU", "EGY", "JPN", "PRK", "KOR", "NGA", "LBN", "YEM", "LBY", "SDN", "SOM", "ETH",
    "KEN", "QAT", "ARE", "JOR", "BLR", "POL", "ITA", "ESP", "BRA", "MEX", "COL", "VEN", "CUB", "CAN",
    "AZE", "ARM", "GEO", "KAZ", "MMR", "PHL", "IDN", "TWN",
]
N_COUNTRIES = 150
ROLES = ["GOV", "MIL", "", "CVL", "COP", "BUS", "OPP", "REB"]  # "" = the country itself
ROLE_WEIGHTS = [0.30, 0.15, 0.15, 0.12, 0.08, 0.08, 0.06, 0.06]
# share of events per CAMEO root (01..20), roughly as in GDELT/ICEWS event streams
ROOT_WEIGHTS = {"01": 10, "02": 8, "03": 7, "04": 20, "05": 8, "06": 2, "07": 2, "08": 3, "09": 1, "10": 2,
                "11": 5, "12": 3, "13": 3, "14": 2, "15": 1, "16": 2, "17": 8, "18": 6, "19": 6, "20": 0.5}
N_OUTLETS = 200
CODER, DICT = "bench-coder", "bench-dict"
FIRST_YEAR, YEARS = 2010, 15
MONTHS = YEARS * 12
UNDATED_SHARE, NO_TARGET_SHARE, DOMESTIC_SHARE = 0.04, 0.12, 0.25
EVENTS_PER_ARTICLE = 5
N_DYADS, DYAD_ZIPF = 20_000, 1.2  # the top 300 dyads carry ~80 % of the events


def _zipf(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** s
    return w / w.sum()


def _hex_ids(prefix: int, idx: np.ndarray) -> list[str]:
    return [f"{prefix:08x}{i:024x}" for i in idx.tolist()]


class SyntheticBase(NamedTuple):
    """What every synthetic warehouse draws from."""

    ev_schema: pa.Schema
    art_schema: pa.Schema
    rng: np.random.Generator
    cameo: np.ndarray  # CAMEO codes, with their
    roots: np.ndarray  # roots,
    quad: np.ndarray  # quad classes
    gold: np.ndarray  # and Goldstein scores


def synthetic_base(data_dir: Path, seed: int) -> SyntheticBase:
    """An emptied data_dir's generator: the events and articles schemas, a seeded random generator and
    the CAMEO codes of the seeds."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    schemas, seeds = ROOT / "schemas", ROOT / "seeds"
    codes = read_seed_table(seeds, schemas, "cameo_event_codes")
    return SyntheticBase(
        table_schema(schemas, "events").arrow_schema(), table_schema(schemas, "articles").arrow_schema(),
        np.random.default_rng(seed),
        np.array([c["code"] for c in codes]), np.array([c["root"] for c in codes]),
        np.array([int(c["quad_class"]) for c in codes]), np.array([float(c["goldstein"]) for c in codes]))


def generate(data_dir: Path, n: int, seed: int = 7, groups_stress: bool = False) -> dict[str, Any]:
    """Write n synthetic events (plus articles and codings) as the store lays them out.

    Realistic mode: a catalogue of 20,000 directed dyads whose actors are drawn with countries
    Zipf-distributed (s = 1.1) over 150 countries (the top 50 carry ~85 % of the mass), roles from
    ROLE_WEIGHTS (8 roles: 1,200 actor codes), 25 % domestic dyads (target in the source's
    country) and 12 % without a target; events pick a dyad by Zipf (s = 1.2) popularity over the
    catalogue, so the top 300 dyads carry ~80 % of the events; 4 % undated;
    dates over 15 years (2010-2024) with volume doubling over the period, 85 % day / 12 % month /
    3 % year precision; CAMEO roots by ROOT_WEIGHTS, codes uniform within a root; 5 events per
    article, an article's events in one month; 200 outlets (Zipf s = 1). groups_stress: source
    and target independently uniform over all 1,200 codes, so almost every event is its own
    dyad-day and dyad-month group (the worst case for the aggregates).
    """
    ev_schema, art_schema, rng, cameo, roots, quad, gold = synthetic_base(data_dir, seed)
    root_names = sorted(ROOT_WEIGHTS)
    root_p = np.array([ROOT_WEIGHTS[r] for r in root_names], dtype=float)
    root_p /= root_p.sum()
    codes_of_root = [np.flatnonzero(roots == r) for r in root_names]
    others = sorted(g["iso3"] for g in read_seed_table(ROOT / "seeds", ROOT / "schemas", "country_geo") if g["iso3"] not in TOP_COUNTRIES)
    countries = np.array((TOP_COUNTRIES + others)[:N_COUNTRIES])
    nc, nr = len(countries), len(ROLES)
    roles = np.array(ROLES)
    # the dyad catalogue: N_DYADS distinct directed pairs drawn from the actor distributions, in
    # order of first appearance (popular pairs come first), then Zipf popularity over that order
    cand = 4 * N_DYADS
    c_src_c = rng.choice(nc, size=cand, p=_zipf(nc, 1.1))
    c_tgt_c = rng.choice(nc, size=cand, p=_zipf(nc, 1.1))
    domestic = rng.random(cand) < DOMESTIC_SHARE
    c_tgt_c[domestic] = c_src_c[domestic]
    c_src_r = rng.choice(nr, size=cand, p=ROLE_WEIGHTS)
    c_tgt_r = rng.choice(nr, size=cand, p=ROLE_WEIGHTS)
    c_none = rng.random(cand) < NO_TARGET_SHARE
    c_key = (c_src_c * nr + c_src_r) * (nc * nr + 1) + np.where(c_none, nc * nr, c_tgt_c * nr + c_tgt_r)
    _, first = np.unique(c_key, return_index=True)
    keep = np.sort(first)[:N_DYADS]
    cat_src_c, cat_src_r, cat_tgt_c, cat_tgt_r = c_src_c[keep], c_src_r[keep], c_tgt_c[keep], c_tgt_r[keep]
    cat_no_target = c_none[keep]
    pair_p = _zipf(len(keep), DYAD_ZIPF)
    outlet_p = _zipf(N_OUTLETS, 1.0)
    t0 = time.perf_counter()
    # months weighted so that volume doubles over the 15 years; undated events in block -1
    month_p = np.linspace(1.0, 2.0, MONTHS)
    month_p /= month_p.sum()
    month_of = rng.choice(MONTHS, size=n, p=month_p)
    month_of[rng.random(n) < UNDATED_SHARE] = -1
    counts = np.bincount(month_of + 1, minlength=MONTHS + 1)
    next_event, next_doc = 0, 0
    for m in range(-1, MONTHS):
        k = int(counts[m + 1])
        if k == 0:
            continue
        idx = np.arange(next_event, next_event + k)
        next_event += k
        n_docs_m = max(1, k // EVENTS_PER_ARTICLE)
        docs = next_doc + rng.integers(0, n_docs_m, size=k)
        next_doc += n_docs_m
        if groups_stress:
            src_c, tgt_c = rng.choice(nc, size=k), rng.choice(nc, size=k)
            src_r, tgt_r = rng.choice(nr, size=k), rng.choice(nr, size=k)
            no_target = rng.random(k) < NO_TARGET_SHARE
        else:
            pick = rng.choice(len(pair_p), size=k, p=pair_p)
            src_c, src_r, tgt_c, tgt_r = cat_src_c[pick], cat_src_r[pick], cat_tgt_c[pick], cat_tgt_r[pick]
            no_target = cat_no_target[pick]
        src_code = np.char.add(countries[src_c], roles[src_r])
        tgt_code = np.where(no_target, None, np.char.add(countries[tgt_c], roles[tgt_r]).astype(object))
        tgt_country = np.where(no_target, None, countries[tgt_c].astype(object))
        root_i = rng.choice(len(root_names), size=k, p=root_p)
        ci = np.array([codes_of_root[r][j % len(codes_of_root[r])]
                       for r, j in zip(root_i.tolist(), rng.integers(0, 1000, size=k).tolist(), strict=True)])
        if m < 0:
            dates = pa.nulls(k, pa.date32())
            precision = pa.array(["unknown"] * k)
            part = ("unknown", "unknown")
        else:
            y, mo = FIRST_YEAR + m // 12, m % 12 + 1
            u = rng.random(k)
            precision_np = np.where(u < 0.85, "day", np.where(u < 0.97, "month", "year"))
            day = np.where(precision_np == "day", rng.integers(1, 29, size=k), 1)
            month_np = np.where(precision_np == "year", 1, mo)
            base = np.datetime64(f"{y:04d}-01-01", "D")
            dnp = (base.astype("datetime64[M]") + (month_np - 1)).astype("datetime64[D]") + (day - 1)
            dates = pa.array(dnp.astype("datetime64[D]"), pa.date32())
            precision = pa.array(precision_np.tolist())
            part = (f"{y:04d}", f"{mo:02d}")
        violent = np.isin(roots[ci], ["18", "19", "20"])
        fat = np.where(rng.random(k) < 0.6, 0, rng.poisson(3, size=k))
        loc_c = np.where(no_target | (rng.random(k) < 0.5), countries[src_c], countries[tgt_c])
        cols: dict[str, Any] = {
            "event_id": _hex_ids(1, idx),
            "doc_id": _hex_ids(2, docs),
            "sentence_index": rng.integers(0, 40, size=k),
            "sentence": ["Synthetic evidence sentence for the benchmark."] * k,
            "char_start": np.zeros(k, dtype=np.int64),
            "char_end": np.full(k, 40, dtype=np.int64),
            "source_text": src_code.tolist(),
            "source_code": src_code.tolist(),
            "source_country": countries[src_c].tolist(),
            "source_role": [r or None for r in roles[src_r].tolist()],
            "target_text": tgt_code.tolist(),
            "target_code": tgt_code.tolist(),
            "target_country": tgt_country.tolist(),
            "target_role": [None if t is None else (r or None) for t, r in zip(tgt_code.tolist(), roles[tgt_r].tolist(), strict=True)],
            "cameo_code": cameo[ci].tolist(),
            "cameo_root": roots[ci].tolist(),
            "cameo_label": pa.nulls(k, pa.string()),
            "quad_class": quad[ci],
            "goldstein": gold[ci],
            "event_date": dates,
            "date_precision": precision,
            "date_source": pa.array(["explicit"] * k),
            "is_historical": np.zeros(k, dtype=bool),
            "location_name": np.char.add(np.char.add(loc_c, "-city-"), rng.integers(0, 5, size=k).astype(str)).tolist(),
            "location_country": loc_c.tolist(),
            "admin1": pa.nulls(k, pa.string()),
            "latitude": rng.uniform(-60, 60, size=k),
            "longitude": rng.uniform(-150, 150, size=k),
            "geo_precision": rng.integers(1, 4, size=k),
            "acled_event_type": pa.nulls(k, pa.string()),
            "acled_sub_event_type": pa.nulls(k, pa.string()),
            "interaction": pa.nulls(k, pa.int64()),
            "fatalities": pa.array(np.where(violent, fat, 0), pa.int64(), mask=~violent),
            "fatalities_text": pa.nulls(k, pa.string()),
            "plover_event_type": pa.nulls(k, pa.string()),
            "plover_mode": pa.nulls(k, pa.string()),
            "negated": np.zeros(k, dtype=bool),
            "modality": pa.array(["asserted"] * k),
            "confidence": rng.uniform(0.5, 1.0, size=k),
            "rule_id": pa.array(["bench"] * k),
            "source_outlet": pa.nulls(k, pa.string()),
            "coder_version": pa.array([CODER] * k),
            "dictionary_version": pa.array([DICT] * k),
            "run_id": pa.array(["bench-run"] * k),
        }
        table = pa.table({f.name: pa.array(cols[f.name], f.type) if not isinstance(cols[f.name], pa.Array)
                          else cols[f.name].cast(f.type) for f in ev_schema}, schema=ev_schema)
        dest = data_dir / "events" / f"year={part[0]}" / f"month={part[1]}" / "part-bench.parquet"
        dest.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, dest, compression="zstd")
    n_docs = next_doc
    doc_idx = np.arange(n_docs)
    doc_ids = _hex_ids(2, doc_idx)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    outlets = np.array([f"outlet-{i:03d}" for i in range(N_OUTLETS)])
    articles = pa.table(
        {
            "doc_id": doc_ids,
            "path": [f"doc-{i}.txt" for i in doc_idx.tolist()],
            "url": pa.nulls(n_docs, pa.string()),
            "title": pa.nulls(n_docs, pa.string()),
            "source": outlets[rng.choice(N_OUTLETS, size=n_docs, p=outlet_p)].tolist(),
            "published": pa.nulls(n_docs, pa.date32()),
            "published_inferred": np.zeros(n_docs, dtype=bool),
            "language": pa.array(["en"] * n_docs),
            "text": pa.array(["x"] * n_docs),
            "ingested_at": pa.array([now] * n_docs, pa.timestamp("us", tz="UTC")),
            "n_chars": np.ones(n_docs, dtype=np.int64),
            "content_hash": doc_ids,
            "duplicate_paths": pa.nulls(n_docs, pa.string()),
            "origin": pa.nulls(n_docs, pa.string()),
            "warnings": pa.nulls(n_docs, pa.string()),
        },
        schema=art_schema,
    )
    (data_dir / "articles").mkdir(parents=True)
    pq.write_table(articles, data_dir / "articles" / "part-bench.parquet", compression="zstd")
    key = coding_key(CODER, DICT)
    codings = pa.table(
        {
            "doc_id": doc_ids,
            "content_hash": doc_ids,
            "coding_key": [key] * n_docs,
            "coder_version": [CODER] * n_docs,
            "dictionary_version": [DICT] * n_docs,
            "n_events": np.full(n_docs, EVENTS_PER_ARTICLE, dtype=np.int64),
            "run_id": ["bench-run"] * n_docs,
            "coded_at": pa.array([now] * n_docs, pa.timestamp("us", tz="UTC")),
        },
        schema=CODINGS_FIELDS,
    )
    (data_dir / "state").mkdir(parents=True)
    pq.write_table(codings, data_dir / "state" / "codings.parquet", compression="zstd")
    size = sum(p.stat().st_size for p in data_dir.rglob("*.parquet"))
    return {"n_events": n, "n_docs": n_docs, "groups_stress": groups_stress,
            "generate_s": round(time.perf_counter() - t0, 2), "parquet_mb": round(size / 2**20, 1)}


def touch_month(data_dir: Path, part: tuple[str, str], round_no: int) -> int:
    """What one load does to the store: one month's partition rewritten (1 % of its rows changed,
    new file name), 20 new articles in a new articles file, state/codings.parquet rewritten."""
    folder = data_dir / "events" / f"year={part[0]}" / f"month={part[1]}"
    (old,) = sorted(folder.glob("part-*.parquet"))
    table = pq.read_table(old)
    k = table.num_rows
    rng = np.random.default_rng(round_no)
    flip = rng.random(k) < 0.01
    gold = table.column("goldstein").to_numpy(zero_copy_only=False)
    table = table.set_column(table.schema.get_field_index("goldstein"), "goldstein",
                             pa.array(np.where(flip, -gold, gold), pa.float64()))
    dest = folder / f"part-touched-{round_no:04d}-{old.stem[-8:]}.parquet"
    pq.write_table(table, dest, compression="zstd")
    old.unlink()
    arts = pq.read_table(data_dir / "articles" / "part-bench.parquet").slice(0, 20)
    new_ids = pa.array([f"ffffffff{round_no:08x}{i:016x}" for i in range(20)], pa.string())
    arts = arts.set_column(0, "doc_id", new_ids)
    pq.write_table(arts, data_dir / "articles" / f"part-load-{round_no:04d}-{old.stem[-8:]}.parquet")
    codings = data_dir / "state" / "codings.parquet"
    pq.write_table(pq.read_table(codings), codings, compression="zstd")
    return int(flip.sum())


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


QUERIES = {
    "dyad_month": "select count(*), sum(n_events) from dyad_month",
    "dyad_month_rows": "create or replace temp table _b as select * from dyad_month",
    "dyad_period_week": "select count(*), sum(n_events) from dyad_period('week')",
    "dyad_period_week_rows": "create or replace temp table _b as select * from dyad_period('week')",
    "event_clusters": "create or replace temp table _b as select * from event_clusters",
}
PANDAS_OF = {"dyad_month": "dyad_month", "dyad_month_rows": "dyad_month", "dyad_period_week": "dyad_period_week",
             "dyad_period_week_rows": "dyad_period_week", "event_clusters": "event_clusters"}


def run_duckdb(data_dir: Path, threads: int, memory_limit: str, repeat: int, touch_rounds: int) -> dict[str, Any]:
    """Materialise the warehouse in a fresh bench.duckdb, refresh it incrementally, time the queries."""
    import duckdb

    from dyadflow.warehouse import DB_FILE, apply_views_report, connect

    sql_dir = ROOT / "warehouse"
    db = data_dir / DB_FILE
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{data_dir / 'duckdb_tmp'}'")
    out: dict[str, Any] = {"engine": "duckdb", "threads": threads, "memory_limit": memory_limit}
    t0 = time.perf_counter()
    _, rep = apply_views_report(con, sql_dir, data_dir)
    out["refresh_full_s"] = time.perf_counter() - t0
    assert rep.mode == "full", rep
    out["partitions"] = len(rep.partitions)
    con.execute("checkpoint")
    out["duckdb_file_mb"] = round(db.stat().st_size / 2**20, 1)

    def reapply() -> str:
        return apply_views_report(con, sql_dir, data_dir)[1].mode

    times, mode = _timed(reapply, max(repeat, 3))
    assert mode == "unchanged", mode
    out["reapply_unchanged_s"] = statistics.median(times)
    # the same as a new process's `dyadflow sql` pays: open the file, fingerprint, view DDL, close
    con.close()

    def fresh_connect() -> None:
        c = connect(data_dir, sql_dir)
        c.close()

    times, _ = _timed(fresh_connect, max(repeat, 3))
    out["connect_unchanged_s"] = statistics.median(times)
    con = duckdb.connect(str(db))
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{data_dir / 'duckdb_tmp'}'")
    last = f"{FIRST_YEAR + YEARS - 1:04d}", "12"
    inc = []
    for r in range(touch_rounds):
        touch_month(data_dir, last, r)
        t1 = time.perf_counter()
        _, rep = apply_views_report(con, sql_dir, data_dir)
        inc.append(time.perf_counter() - t1)
        assert rep.mode == "incremental" and rep.partitions == (f"{last[0]}-{last[1]}",), rep
    out["refresh_incremental_s"] = statistics.median(inc)
    out["refresh_incremental_all_s"] = [round(x, 3) for x in inc]
    out["touched_partition_events"] = int(con.execute(
        "select count(*) from events where event_date >= ?::date and event_date < ?::date + interval 1 month",
        [f"{last[0]}-{last[1]}-01", f"{last[0]}-{last[1]}-01"]).fetchone()[0])
    n_events = int(con.execute("select count(*) from events").fetchone()[0])
    for view in ("dyad_month", "dyad_week", "dyad_day", "dyad_year_country_undirected"):
        got = con.execute(f"select sum(n_events), count(*) from {view}").fetchone()
        assert int(got[0]) == n_events, (view, got, n_events)  # reconciliation, exact
        out[f"rows_{view}"] = int(got[1])
    out["events"] = n_events
    for name, sql in QUERIES.items():
        def q(sql: str = sql) -> Any:
            return con.execute(sql).fetchall()

        q()  # warm-up
        times, _ = _timed(q, repeat)
        rows = int(con.execute("select count(*) from _b").fetchone()[0]) if sql.startswith("create") \
            else int(con.execute(sql).fetchone()[0])
        out[name] = {"median_s": statistics.median(times), "min_s": min(times), "rows": rows}
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    con.close()
    return out


EVENT_COLS = ["event_id", "doc_id", "event_date", "date_precision", "source_code", "target_code",
              "quad_class", "cameo_root", "goldstein", "fatalities",
              "coder_version", "dictionary_version", "run_id", "location_country", "location_name"]


def _pandas_events(data_dir: Path) -> pd.DataFrame:
    """The `events_dyadic` equivalent: committed, deduplicated events with their outlet (needed columns)."""
    ev = pq.read_table(data_dir / "events", columns=EVENT_COLS, partitioning="hive").to_pandas()
    cod = pq.read_table(data_dir / "state" / "codings.parquet",
                        columns=["doc_id", "coder_version", "dictionary_version"]).to_pandas()
    ev = ev.merge(cod, on=["doc_id", "coder_version", "dictionary_version"], how="inner")
    ev = ev.sort_values("run_id", ascending=False).drop_duplicates("event_id")
    art = pq.read_table(data_dir / "articles", columns=["doc_id", "source"]).to_pandas()
    ev = ev.merge(art.rename(columns={"source": "outlet"}), on="doc_id", how="left")
    ev["event_date"] = pd.to_datetime(ev["event_date"])
    return ev


def _pandas_dyads(ev: pd.DataFrame, freq: str) -> pd.DataFrame:
    ev = ev.assign(period_start=ev["event_date"].dt.to_period(freq).dt.start_time)
    for q in (1, 2, 3, 4):
        ev[f"n_q{q}"] = (ev["quad_class"] == q).astype("int64")
    for r in range(1, 21):
        ev[f"n_root_{r:02d}"] = (ev["cameo_root"] == f"{r:02d}").astype("int64")
    keys = ["period_start", "source_code", "target_code"]
    g = ev.groupby(keys, dropna=False, sort=False)
    sums = g[[f"n_q{q}" for q in (1, 2, 3, 4)] + [f"n_root_{r:02d}" for r in range(1, 21)]
             + ["goldstein", "fatalities"]].sum()
    out = sums.assign(
        n_events=g.size(),
        goldstein_mean=g["goldstein"].mean(),
        n_articles=g["doc_id"].nunique(),
        n_sources=g["outlet"].nunique(),
    )
    out["net_cooperation"] = out["n_q1"] + out["n_q2"] - out["n_q3"] - out["n_q4"]
    return out.reset_index()


def _pandas_clusters(ev: pd.DataFrame) -> pd.DataFrame:
    prec = ev["date_precision"]
    day = ev["event_date"]
    ev = ev.assign(
        cluster_date=np.where(prec == "month", day.dt.to_period("M").dt.start_time,
                              np.where(prec == "year", day.dt.to_period("Y").dt.start_time, day)),
        undated_doc=np.where(day.isna(), ev["doc_id"], None),
    )
    keys = ["cluster_date", "date_precision", "undated_doc", "source_code", "target_code", "cameo_root",
            "location_country", "location_name"]
    g = ev.groupby(keys, dropna=False, sort=False)
    return pd.DataFrame({"num_mentions": g.size(), "num_articles": g["doc_id"].nunique(),
                         "num_sources": g["outlet"].nunique()}).reset_index()


def run_pandas(data_dir: Path, repeat: int) -> dict[str, Any]:
    """The same three results with pandas (read needed columns + merge + groupby)."""
    out: dict[str, Any] = {"engine": "pandas", "pandas": pd.__version__}
    jobs = {
        "dyad_month": lambda: _pandas_dyads(_pandas_events(data_dir), "M"),
        "dyad_period_week": lambda: _pandas_dyads(_pandas_events(data_dir), "W-SUN"),
        "event_clusters": lambda: _pandas_clusters(_pandas_events(data_dir)),
    }
    for name, fn in jobs.items():
        times, res = _timed(fn, repeat)
        out[name] = {"median_s": statistics.median(times), "min_s": min(times), "rows": len(res)}
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    return out


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown(res: dict[str, Any]) -> str:
    d, p, g = res["duckdb"], res.get("pandas"), res["generated"]
    lines = [
        f"events: {d['events']:,} ({g['parquet_mb']} MB Parquet, {g['n_docs']:,} articles, "
        f"{'groups-stress' if g.get('groups_stress') else 'realistic'} generator); DuckDB {res['duckdb_version']}, "
        f"threads={d['threads']}, memory_limit={d['memory_limit']}; {res['machine']}; load average before: "
        f"{res['loadavg_before']}, after: {res['loadavg_after']}",
        f"groups: dyad_day {d['rows_dyad_day']:,}, dyad_week {d['dyad_period_week']['rows']:,}, "
        f"dyad_month {d['rows_dyad_month']:,}, dyad_year_country_undirected {d['rows_dyad_year_country_undirected']:,}",
        "",
        f"materialisation: full {d['refresh_full_s']:.1f} s ({d['partitions']} partitions, .duckdb "
        f"{d['duckdb_file_mb']} MB); incremental after one changed month ({d['touched_partition_events']:,} events) "
        f"median {d['refresh_incremental_s']:.2f} s {d['refresh_incremental_all_s']}; re-apply unchanged "
        f"{d['reapply_unchanged_s']:.3f} s in-process, {d['connect_unchanged_s']:.3f} s as a fresh connect()",
        "",
        "| query | result rows | DuckDB median s | pandas median s | pandas / DuckDB |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in QUERIES:
        pm = p[PANDAS_OF[q]]["median_s"] if p else None
        ratio = f"{pm / d[q]['median_s']:.0f}x" if pm else "-"
        rows = d[q]["rows"]
        lines.append(f"| {q} | {rows:,} | {d[q]['median_s']:.3f} | {'-' if pm is None else f'{pm:.2f}'} | {ratio} |")
    lines.append("")
    lines.append(f"peak RSS: DuckDB process {d['peak_rss_mb']:.0f} MB"
                 + (f", pandas process {p['peak_rss_mb']:.0f} MB" if p else ""))
    if p:
        lines.append("pandas result rows: " + ", ".join(f"{k} {p[k]['rows']:,}" for k in
                                                         ("dyad_month", "dyad_period_week", "event_clusters")))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of synthetic events")
    ap.add_argument("--data", type=Path, default=None, help="data folder (default /tmp/dyadflow-bench-<n>[-stress])")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="3GB")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--touch-rounds", type=int, default=3, help="incremental refreshes to time")
    ap.add_argument("--groups-stress", action="store_true", help="uniform actors: ~1 dyad-month per event")
    ap.add_argument("--reuse", action="store_true", help="reuse already generated data")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--engine", choices=["duckdb", "pandas"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = a.data or Path(f"/tmp/dyadflow-bench-{a.n}" + ("-stress" if a.groups_stress else ""))
    if a.engine == "duckdb":
        print(json.dumps(run_duckdb(data, a.threads, a.memory_limit, a.repeat, a.touch_rounds)))
        return
    if a.engine == "pandas":
        print(json.dumps(run_pandas(data, a.repeat)))
        return
    gen_file = data / "generated.json"
    if a.reuse and gen_file.exists():
        generated = json.loads(gen_file.read_text())
    else:
        generated = generate(data, a.n, groups_stress=a.groups_stress)
        gen_file.write_text(json.dumps(generated))
    common = ["--n", str(a.n), "--data", str(data), "--repeat", str(a.repeat)]
    import duckdb

    res: dict[str, Any] = {
        "generated": generated,
        "duckdb_version": duckdb.__version__,
        "machine": f"{platform.machine()} cpus={len(os.sched_getaffinity(0))}",
        "loadavg_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "duckdb": _child([*common, "--engine", "duckdb", "--threads", str(a.threads),
                          "--memory-limit", a.memory_limit, "--touch-rounds", str(a.touch_rounds)]),
    }
    if not a.skip_pandas:
        res["pandas"] = _child([*common, "--engine", "pandas"])
    res["loadavg_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tag = "-stress" if a.groups_stress else ""
    (out_dir / f"warehouse-{a.n}{tag}-{stamp}.json").write_text(json.dumps(res, indent=2))
    print(markdown(res))


if __name__ == "__main__":
    main()
