"""Warehouse benchmark: dyad_month, dyad_period('week') and event_clusters in DuckDB against a
pandas groupby baseline on the same synthetic data, in the same run.

    python benchmarks/warehouse.py --n 1000000
    python benchmarks/warehouse.py --n 10000000 --threads 2 --memory-limit 4GB

Synthetic events follow schemas/events.json and the store's layout (events/year=YYYY/month=MM/
part-*.parquet, an `unknown` partition for undated events, articles/, state/codings.parquet),
so the warehouse views run unchanged. Each engine runs in its own subprocess so that its peak
memory (resource.getrusage ru_maxrss) is its own. Timings include reading the Parquet files
(the views read Parquet on every query; the baseline reads only the columns it needs).
Results: JSON in benchmarks/out/ and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadflow.store import CODINGS_FIELDS, coding_key  # noqa: E402
from dyadflow.tableschema import table_schema  # noqa: E402

COUNTRIES = [
    "TUR", "SYR", "RUS", "USA", "IRN", "IRQ", "ISR", "PSE", "UKR", "CHN", "FRA", "DEU", "GBR", "EGY",
    "SAU", "LBN", "JOR", "QAT", "ARE", "YEM", "AFG", "PAK", "IND", "JPN", "KOR", "PRK", "NGA", "ETH",
    "SDN", "SOM", "KEN", "LBY", "TUN", "DZA", "MAR", "ITA", "ESP", "POL", "BLR", "AZE", "ARM", "GEO",
    "KAZ", "UZB", "BRA", "MEX", "COL", "VEN", "CUB", "CAN",
]
ROLES = ["", "GOV", "MIL", "COP", "SPY", "REB", "CVL", "OPP"]
OUTLETS = [f"outlet-{i:02d}" for i in range(60)]
CODER, DICT = "bench-coder", "bench-dict"
START, MONTHS = date(2015, 1, 1), 120
QUERIES = {
    "dyad_month": "select * from dyad_month",
    "dyad_period_week": "select * from dyad_period('week')",
    "event_clusters": "select * from event_clusters",
}


def _hex_ids(prefix: int, idx: np.ndarray) -> list[str]:
    return [f"{prefix:08x}{i:024x}" for i in idx.tolist()]


def generate(data_dir: Path, n: int, seed: int = 7) -> dict[str, Any]:
    """Write n synthetic events (plus articles and codings) as the store lays them out."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    schemas = ROOT / "schemas"
    ev_schema = table_schema(schemas, "events").arrow_schema()
    art_schema = table_schema(schemas, "articles").arrow_schema()
    rng = np.random.default_rng(seed)
    codes_df = pd.read_csv(ROOT / "seeds" / "cameo_event_codes.csv", dtype=str)
    cameo = codes_df["code"].to_numpy()
    quad = codes_df["quad_class"].astype(int).to_numpy()
    gold = codes_df["goldstein"].astype(float).to_numpy()
    actors = np.array([c + r for c in COUNTRIES for r in ROLES])
    actor_country = np.array([c for c in COUNTRIES for _ in ROLES])
    # Zipf-like popularity so that a few dyads dominate, as in real event data
    weights = 1.0 / np.arange(1, len(actors) + 1) ** 0.8
    weights /= weights.sum()
    n_docs = max(1, n // 5)
    t0 = time.perf_counter()
    # events are written month by month to keep memory bounded
    undated_share = 0.02
    month_of = rng.integers(0, MONTHS, size=n)
    undated = rng.random(n) < undated_share
    month_of[undated] = -1
    order = np.argsort(month_of, kind="stable")
    bounds = np.searchsorted(month_of[order], np.arange(-1, MONTHS + 1))
    run_id = "bench-run"
    for m in range(-1, MONTHS):
        idx = order[bounds[m + 1] : bounds[m + 2]]
        k = len(idx)
        if k == 0:
            continue
        src = rng.choice(len(actors), size=k, p=weights)
        tgt = rng.choice(len(actors), size=k, p=weights)
        no_target = rng.random(k) < 0.1
        ci = rng.integers(0, len(cameo), size=k)
        docs = rng.integers(0, n_docs, size=k)
        if m < 0:
            dates = pa.nulls(k, pa.date32())
            precision = pa.array(["unknown"] * k)
            part = ("unknown", "unknown")
        else:
            y, mo = START.year + m // 12, m % 12 + 1
            day = rng.integers(1, 29, size=k)
            dates = pa.array([date(y, mo, int(d)) for d in day.tolist()], pa.date32())
            precision = pa.array(np.where(rng.random(k) < 0.9, "day", "month").tolist())
            part = (f"{y:04d}", f"{mo:02d}")
        tgt_codes = np.where(no_target, None, actors[tgt])
        tgt_country = np.where(no_target, None, actor_country[tgt])
        loc = rng.integers(0, len(COUNTRIES), size=k)
        cols: dict[str, Any] = {
            "event_id": _hex_ids(1, idx),
            "doc_id": _hex_ids(2, docs),
            "sentence_index": rng.integers(0, 40, size=k),
            "sentence": ["Synthetic evidence sentence for the benchmark."] * k,
            "char_start": np.zeros(k, dtype=np.int64),
            "char_end": np.full(k, 40, dtype=np.int64),
            "source_text": actors[src].tolist(),
            "source_code": actors[src].tolist(),
            "source_country": actor_country[src].tolist(),
            "source_role": [a[3:] or None for a in actors[src].tolist()],
            "target_text": tgt_codes.tolist(),
            "target_code": tgt_codes.tolist(),
            "target_country": tgt_country.tolist(),
            "target_role": [None if a is None else (a[3:] or None) for a in tgt_codes.tolist()],
            "cameo_code": cameo[ci].tolist(),
            "cameo_root": [c[:2] for c in cameo[ci].tolist()],
            "cameo_label": pa.nulls(k, pa.string()),
            "quad_class": quad[ci],
            "goldstein": gold[ci],
            "event_date": dates,
            "date_precision": precision,
            "date_source": pa.array(["explicit"] * k),
            "is_historical": np.zeros(k, dtype=bool),
            "location_name": [f"city-{i}" for i in rng.integers(0, 5, size=k).tolist()],
            "location_country": [COUNTRIES[i] for i in loc.tolist()],
            "admin1": pa.nulls(k, pa.string()),
            "latitude": rng.uniform(-60, 60, size=k),
            "longitude": rng.uniform(-150, 150, size=k),
            "geo_precision": rng.integers(1, 4, size=k),
            "acled_event_type": pa.nulls(k, pa.string()),
            "acled_sub_event_type": pa.nulls(k, pa.string()),
            "interaction": pa.nulls(k, pa.int64()),
            "fatalities": np.where(quad[ci] == 4, rng.integers(0, 5, size=k), 0),
            "negated": np.zeros(k, dtype=bool),
            "modality": pa.array(["asserted"] * k),
            "confidence": rng.uniform(0.5, 1.0, size=k),
            "rule_id": pa.array(["bench"] * k),
            "source_outlet": pa.nulls(k, pa.string()),
            "coder_version": pa.array([CODER] * k),
            "dictionary_version": pa.array([DICT] * k),
            "run_id": pa.array([run_id] * k),
        }
        table = pa.table({f.name: pa.array(cols[f.name], f.type) if not isinstance(cols[f.name], pa.Array)
                          else cols[f.name].cast(f.type) for f in ev_schema}, schema=ev_schema)
        dest = data_dir / "events" / f"year={part[0]}" / f"month={part[1]}" / "part-bench.parquet"
        dest.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, dest, compression="zstd")
    doc_idx = np.arange(n_docs)
    doc_ids = _hex_ids(2, doc_idx)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    articles = pa.table(
        {
            "doc_id": doc_ids,
            "path": [f"doc-{i}.txt" for i in doc_idx.tolist()],
            "url": pa.nulls(n_docs, pa.string()),
            "title": pa.nulls(n_docs, pa.string()),
            "source": [OUTLETS[i] for i in rng.integers(0, len(OUTLETS), size=n_docs).tolist()],
            "published": pa.nulls(n_docs, pa.date32()),
            "published_inferred": np.zeros(n_docs, dtype=bool),
            "language": pa.array(["en"] * n_docs),
            "text": pa.array(["x"] * n_docs),
            "ingested_at": pa.array([now] * n_docs, pa.timestamp("us", tz="UTC")),
            "n_chars": np.ones(n_docs, dtype=np.int64),
            "content_hash": doc_ids,
            "duplicate_paths": pa.nulls(n_docs, pa.string()),
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
            "n_events": np.full(n_docs, 5, dtype=np.int64),
            "run_id": [run_id] * n_docs,
            "coded_at": pa.array([now] * n_docs, pa.timestamp("us", tz="UTC")),
        },
        schema=CODINGS_FIELDS,
    )
    (data_dir / "state").mkdir(parents=True)
    pq.write_table(codings, data_dir / "state" / "codings.parquet", compression="zstd")
    size = sum(p.stat().st_size for p in data_dir.rglob("*.parquet"))
    return {"n_events": n, "n_docs": n_docs, "generate_s": round(time.perf_counter() - t0, 2),
            "parquet_mb": round(size / 2**20, 1)}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def run_duckdb(data_dir: Path, threads: int, memory_limit: str, repeat: int) -> dict[str, Any]:
    """Apply the warehouse views to a DuckDB file in data_dir and time the queries."""
    import duckdb

    from dyadflow.warehouse import apply_views

    con = duckdb.connect(str(data_dir / "bench.duckdb"))
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{data_dir / 'duckdb_tmp'}'")
    apply_views(con, ROOT / "warehouse", data_dir)
    out: dict[str, Any] = {"engine": "duckdb", "threads": threads, "memory_limit": memory_limit}
    for name, sql in QUERIES.items():
        def q(sql: str = sql) -> int:
            con.execute(f"create or replace temp table _bench as {sql}")
            return int(con.execute("select count(*) from _bench").fetchone()[0])

        q()  # warm-up: file metadata and OS cache
        times, rows = _timed(q, repeat)
        out[name] = {"median_s": statistics.median(times), "min_s": min(times), "rows": rows}
    out["events"] = int(con.execute("select count(*) from events").fetchone()[0])
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    con.close()
    return out


EVENT_COLS = ["event_id", "doc_id", "event_date", "date_precision", "source_code", "target_code",
              "quad_class", "cameo_root", "goldstein", "fatalities", "negated", "modality",
              "coder_version", "dictionary_version", "run_id", "location_country", "location_name"]


def _pandas_events(data_dir: Path) -> pd.DataFrame:
    """The `events_dyadic` equivalent: committed, deduplicated, factual events with their outlet."""
    ev = pq.read_table(data_dir / "events", columns=EVENT_COLS, partitioning="hive").to_pandas()
    cod = pq.read_table(data_dir / "state" / "codings.parquet",
                        columns=["doc_id", "coder_version", "dictionary_version"]).to_pandas()
    ev = ev.merge(cod, on=["doc_id", "coder_version", "dictionary_version"], how="inner")
    ev = ev.sort_values("run_id", ascending=False).drop_duplicates("event_id")
    ev = ev[~ev["negated"] & (ev["modality"] != "hypothetical")]
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
    d, p = res["duckdb"], res.get("pandas")
    lines = [
        f"events: {res['generated']['n_events']:,} ({res['generated']['parquet_mb']} MB Parquet, "
        f"{res['generated']['n_docs']:,} articles); DuckDB {res['duckdb_version']}, threads={d['threads']}, "
        f"memory_limit={d['memory_limit']}; {res['machine']}",
        "",
        "| query | rows | DuckDB median s | pandas median s | pandas / DuckDB |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in QUERIES:
        pm = p[q]["median_s"] if p else None
        ratio = f"{pm / d[q]['median_s']:.1f}x" if pm else "-"
        lines.append(f"| {q} | {d[q]['rows']:,} | {d[q]['median_s']:.3f} | "
                     f"{'-' if pm is None else f'{pm:.2f}'} | {ratio} |")
    lines.append("")
    lines.append(f"peak RSS: DuckDB process {d['peak_rss_mb']:.0f} MB"
                 + (f", pandas process {p['peak_rss_mb']:.0f} MB" if p else ""))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of synthetic events")
    ap.add_argument("--data", type=Path, default=None, help="data folder (default /tmp/dyadflow-bench-<n>)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="reuse already generated data")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--engine", choices=["duckdb", "pandas"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = a.data or Path(f"/tmp/dyadflow-bench-{a.n}")
    if a.engine == "duckdb":
        print(json.dumps(run_duckdb(data, a.threads, a.memory_limit, a.repeat)))
        return
    if a.engine == "pandas":
        print(json.dumps(run_pandas(data, a.repeat)))
        return
    gen_file = data / "generated.json"
    if a.reuse and gen_file.exists():
        generated = json.loads(gen_file.read_text())
    else:
        generated = generate(data, a.n)
        gen_file.write_text(json.dumps(generated))
    common = ["--n", str(a.n), "--data", str(data), "--repeat", str(a.repeat)]
    import duckdb

    res: dict[str, Any] = {
        "generated": generated,
        "duckdb_version": duckdb.__version__,
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={len(__import__('os').sched_getaffinity(0))}".strip(),
        "duckdb": _child([*common, "--engine", "duckdb", "--threads", str(a.threads),
                          "--memory-limit", a.memory_limit]),
    }
    if not a.skip_pandas:
        res["pandas"] = _child([*common, "--engine", "pandas"])
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out_dir / f"warehouse-{a.n}-{stamp}.json").write_text(json.dumps(res, indent=2))
    print(markdown(res))


if __name__ == "__main__":
    main()
