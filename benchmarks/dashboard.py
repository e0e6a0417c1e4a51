"""Dashboard benchmark: `dyadflow dashboard` over a synthetic warehouse of N events: build time,
HTML size, and render time in headless Chromium (Debian's /usr/bin/chromium, network disabled).

    python benchmarks/dashboard.py --n 100000
    python benchmarks/dashboard.py --n 100000 --screenshot docs/dashboard.png

Render time = from navigation start to the page's `dyadflowDashboardReady` mark (every chart and
table drawn), read from the page's Performance API, median of --repeat fresh page loads.
Synthetic events follow schemas/events.json and the store's layout (hive partitions, articles,
state/codings.parquet) so the warehouse views run unchanged; actors are ISO3 + role codes with
Zipf-distributed popularity, dates over 2015-2024, CAMEO codes from the seed table.
Results: JSON in benchmarks/out/dashboard.json and one line on stdout.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dyadflow.store import CODINGS_FIELDS, coding_key  # noqa: E402
from warehouse import synthetic_base  # noqa: E402  (benchmarks/warehouse.py)

COUNTRIES = ["USA", "RUS", "CHN", "UKR", "ISR", "IRN", "TUR", "SYR", "GBR", "FRA", "DEU", "IND", "PAK",
             "AFG", "IRQ", "SAU", "EGY", "JPN", "PRK", "KOR", "NGA", "LBN", "YEM", "LBY", "SDN", "SOM",
             "ETH", "KEN", "QAT", "BRA", "MEX", "COL", "VEN", "CAN", "POL", "ITA", "ESP", "MMR", "PHL", "IDN"]
ROLES = ["GOV", "MIL", "", "CVL", "OPP", "REB"]
CODER, DICT = "synthetic-coder", "synthetic-dict"
HOSTILE_TITLE = '</script><script>window.__pwned = "title"</script>Hostile <b>headline</b>'
HOSTILE_SENTENCE = ('<img src="http://hostile.invalid/x.png" onerror="window.__pwned = \'img\'">'
                    '<script>window.__pwned = "sentence"</script> Fictional minister met envoy.')
HOSTILE_ACTOR = '<svg onload="window.__pwned=1">'


def _zipf(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** s
    return w / w.sum()


def _table(schema: pa.Schema, cols: dict[str, Any], n: int) -> pa.Table:
    """A table of the schema: given columns, typed nulls for the others."""
    arrays = [pa.array(cols[f.name], f.type) if f.name in cols else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_synthetic_warehouse(data_dir: Path, n: int, seed: int = 7, hostile: bool = False) -> dict[str, Any]:
    """Write n synthetic events, their articles and codings as the store lays them out.

    hostile: the first article gets markup and scripts in its title, URL, evidence sentence and
    actor text (what the dashboard must show as inert text).
    """
    ev_schema, art_schema, rng, cameo, roots, quad, gold = synthetic_base(data_dir, seed)
    nc = len(COUNTRIES)
    countries, roles = np.array(COUNTRIES), np.array(ROLES)
    src_c = rng.choice(nc, size=n, p=_zipf(nc, 1.1))
    tgt_c = rng.choice(nc, size=n, p=_zipf(nc, 1.1))
    src_r = rng.choice(len(ROLES), size=n)
    tgt_r = rng.choice(len(ROLES), size=n)
    ci = rng.choice(len(cameo), size=n)
    days = rng.integers(0, 3650, size=n)
    dates = np.datetime64("2015-01-01") + days
    n_docs = max(1, n // 4)
    docs = rng.integers(0, n_docs, size=n)
    doc_ids = [f"{i:016x}" for i in range(n_docs)]
    src_code = np.char.add(countries[src_c], roles[src_r])
    tgt_code = np.char.add(countries[tgt_c], roles[tgt_r])
    sentence = np.char.add(np.char.add(np.char.add("Fictional report: ", src_code), " and "), tgt_code)
    loc = np.where(rng.random(n) < 0.5, src_c, tgt_c)
    cols: dict[str, Any] = {
        "event_id": [f"{i:016x}" for i in range(n)],
        "doc_id": [doc_ids[d] for d in docs.tolist()],
        "sentence_index": np.zeros(n, dtype=np.int64),
        "sentence": sentence.tolist(),
        "char_start": np.zeros(n, dtype=np.int64),
        "char_end": np.full(n, 10, dtype=np.int64),
        "source_text": src_code.tolist(), "source_code": src_code.tolist(),
        "source_country": countries[src_c].tolist(),
        "target_text": tgt_code.tolist(), "target_code": tgt_code.tolist(),
        "target_country": countries[tgt_c].tolist(),
        "cameo_code": cameo[ci].tolist(), "cameo_root": roots[ci].tolist(),
        "quad_class": quad[ci], "goldstein": gold[ci],
        "event_date": dates.astype("datetime64[D]"),
        "date_precision": ["day"] * n, "date_source": ["explicit"] * n,
        "is_historical": np.zeros(n, dtype=bool),
        "location_name": np.char.add(countries[loc], " capital").tolist(),
        "location_country": countries[loc].tolist(),
        "latitude": rng.uniform(-50, 60, size=n), "longitude": rng.uniform(-120, 140, size=n),
        "geo_precision": np.full(n, 2, dtype=np.int64),
        "negated": np.zeros(n, dtype=bool), "modality": ["asserted"] * n,
        "confidence": np.full(n, 0.9), "rule_id": np.char.add("verb:", cameo[ci]).tolist(),
        "coder_version": [CODER] * n, "dictionary_version": [DICT] * n, "run_id": ["synthetic"] * n,
    }
    if hostile:
        first = [i for i, d in enumerate(docs.tolist()) if d == 0] or [0]
        for i in first:
            cols["sentence"][i] = HOSTILE_SENTENCE
            cols["source_text"][i] = HOSTILE_ACTOR
            cols["doc_id"][i] = doc_ids[0]
    events = _table(ev_schema, cols, n)
    year = dates.astype("datetime64[Y]").astype(int) + 1970
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    part_key = year * 100 + month
    for key in np.unique(part_key).tolist():
        dest = data_dir / "events" / f"year={key // 100:04d}" / f"month={key % 100:02d}" / "part-synthetic.parquet"
        dest.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(events.filter(pa.array(part_key == key)), dest)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    titles = [f"Fictional article {i}" for i in range(n_docs)]
    urls: list[str | None] = [f"https://news.example.org/a/{i}" if i % 2 else None for i in range(n_docs)]
    if hostile:
        titles[0], urls[0] = HOSTILE_TITLE, "javascript:window.__pwned='url'"
    articles = _table(art_schema, {
        "doc_id": doc_ids, "path": [f"doc-{i}.txt" for i in range(n_docs)], "url": urls, "title": titles,
        "source": ["Example Wire"] * n_docs, "published_inferred": [False] * n_docs,
        "language": ["en"] * n_docs, "text": ["x"] * n_docs, "ingested_at": [now] * n_docs,
        "n_chars": [1] * n_docs, "content_hash": doc_ids, "origin": [f"doc-{i}.txt" for i in range(n_docs)],
    }, n_docs)
    (data_dir / "articles").mkdir(parents=True)
    pq.write_table(articles, data_dir / "articles" / "part-synthetic.parquet")
    counts = np.bincount(docs, minlength=n_docs)
    codings = pa.table({
        "doc_id": doc_ids, "content_hash": doc_ids, "coding_key": [coding_key(CODER, DICT)] * n_docs,
        "coder_version": [CODER] * n_docs, "dictionary_version": [DICT] * n_docs,
        "n_events": counts.astype(np.int64), "run_id": ["synthetic"] * n_docs,
        "coded_at": pa.array([now] * n_docs, pa.timestamp("us", tz="UTC")),
    }, schema=CODINGS_FIELDS)
    (data_dir / "state").mkdir(parents=True)
    pq.write_table(codings, data_dir / "state" / "codings.parquet")
    return {"n_events": n, "n_docs": n_docs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--screenshot", type=Path, default=None)
    args = ap.parse_args()
    from dyadflow.dashboard import write_dashboard
    from dyadflow.dashboard.browser import Chromium, find_chromium
    from dyadflow.warehouse import connect

    work = Path(tempfile.mkdtemp(prefix="dyadflow-dash-bench-"))
    try:
        data_dir = work / "data"
        write_synthetic_warehouse(data_dir, args.n)
        t0 = time.perf_counter()
        con = connect(data_dir, ROOT / "warehouse")  # materialise the warehouse marts (not timed as build)
        con.close()
        materialise_s = time.perf_counter() - t0
        out = work / "dashboard.html"
        t0 = time.perf_counter()
        write_dashboard(data_dir, ROOT / "warehouse", out)
        build_s = time.perf_counter() - t0
        size_mb = out.stat().st_size / 2**20
        exe = find_chromium()
        if exe is None:
            sys.exit("chromium not found (apt-get install chromium)")
        renders = []
        with Chromium(exe) as browser:
            for i in range(args.repeat):
                page = browser.open(out)
                renders.append(page.ready_ms / 1000)
                if args.screenshot and i == 0:
                    args.screenshot.write_bytes(page.screenshot())
                page.close()
        res = {"n_events": args.n, "materialise_s": round(materialise_s, 2), "build_s": round(build_s, 2), "html_mb": round(size_mb, 2),
               "render_s_median": round(statistics.median(renders), 3), "render_s": [round(r, 3) for r in renders],
               "chromium": exe}
        (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
        (ROOT / "benchmarks" / "out" / "dashboard.json").write_text(json.dumps(res, indent=2) + "\n")
        print(json.dumps(res))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
