"""Coding throughput on Prefect task runners: local runner, 1 and 2 Dask workers, same corpus, same run.

    python benchmarks/scaleout.py                  # 400 articles, the flow's batches (batch size 64)
    python benchmarks/scaleout.py --articles 800 --repeats 2 --batch-size 16
    python benchmarks/scaleout.py --overhead       # also: `dyadflow run` on the sample, stage by stage

The corpus is examples/corpus (read as the pipeline reads it) cycled to --articles articles, each
made distinct by a numbered closing line (so nothing is deduplicated). Every configuration maps the
code flow's own `code_batch` task over the batches the flow would make (`plan_batches`: at most
--batch-size articles, DYADFLOW_BATCH_SIZE by default, in whole rounds over the workers) with the
task runner `task_runner_for` builds from the settings, inside one Prefect flow run:

    local      ThreadPoolTaskRunner(1): the flow's process (the default of `dyadflow run`)
    dask-1     DaskTaskRunner on a LocalCluster of 1 worker process
    dask-2     DaskTaskRunner on a LocalCluster of 2 worker processes

Cluster start-up and each worker's one-time resource build (spaCy, lexicon, gazetteer) are timed
apart and excluded from throughput; configurations alternate over --repeats rounds, best round kept.
Results: JSON in benchmarks/out/ and a markdown table on stdout (ratios to the local runner and of
2 to 1 Dask workers; target 2/1 >= 1.7 on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

OUT_DIR = ROOT / "benchmarks" / "out"
TARGET_2_OVER_1 = 1.7


def build_corpus(n: int) -> list[Any]:
    """n distinct articles cycled from examples/corpus."""
    from dyadflow.pipeline import read_inputs
    from dyadflow.records import sha256_hex
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    base, _ = read_inputs([settings.examples_dir], settings, run_id="scaleout-bench")
    base.sort(key=lambda a: a.path)
    out = []
    for i in range(n):
        a = base[i % len(base)]
        text = f"{a.text}\n\nArchive copy {i}."
        out.append(replace(a, doc_id=sha256_hex(text)[:32], text=text, content_hash=sha256_hex(text)))
    return out


def run_config(name: str, corpus: list[Any], key: str, repeats: int, batch_size: int) -> dict[str, Any]:
    """Start the runner, warm every worker, then time `repeats` passes over the flow's batches of corpus."""
    from flows.code import map_batches
    from prefect import flow

    from dyadflow.scaleout import plan_batches, resource_key, runner_slots, task_runner_for, warm_worker
    from dyadflow.settings import Settings

    workers = {"local": 1, "dask-1": 1, "dask-2": 2}[name]
    settings = Settings.from_env().with_overrides(task_runner="local" if name == "local" else "dask",
                                                  workers=workers, batch_size=batch_size)

    @flow(name=f"bench-{name}")
    def bench() -> dict[str, Any]:
        t0 = time.perf_counter()
        with task_runner_for(settings) as runner:
            if name == "local":
                warm_worker(resource_key(settings))
            else:
                client = runner.client
                client.wait_for_workers(workers)
                client.run(warm_worker, resource_key(settings))
            startup = time.perf_counter() - t0
            batches = plan_batches(corpus, settings.batch_size, runner_slots(runner, settings))  # as the flow does

            def cpu() -> float:  # CPU seconds of the processes that code (robust to a busy machine)
                if name == "local":
                    return time.process_time()
                return sum(runner.client.run(time.process_time).values())

            times, cpus, n_events = [], [], 0
            for rep in range(repeats):
                t1, c1 = time.perf_counter(), cpu()
                futures = map_batches(runner, batches, settings, f"bench-{rep}", key)  # the flow's own submission
                results = [f.result() for f in futures]
                times.append(time.perf_counter() - t1)
                cpus.append(cpu() - c1)
                n_events = sum(len(r.events) for r in results)
        return {"startup_seconds": startup, "seconds": times, "cpu_seconds": cpus, "events": n_events,
                "batches": [len(b) for b in batches]}

    return bench()


def measure_overhead() -> dict[str, Any]:
    """`dyadflow run` on the sample into a fresh warehouse: wall time and the run's own stage timings."""
    exe = Path(sys.executable).with_name("dyadflow")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([str(exe), "run", "--warehouse", str(Path(tmp) / "wh")], capture_output=True,
                              text=True, timeout=600)
        wall = time.perf_counter() - t0
    stages = {m.group(1).strip(): float(m.group(2))
              for m in re.finditer(r"[│|]\s*(extract|code|load|total[^│|]*|seconds)\s*[│|]\s*([\d.]+)\s*[│|]",
                                   proc.stdout)}
    return {"wall_seconds": wall, "exit_code": proc.returncode, "summary_seconds": stages,
            "stdout_tail": proc.stdout[-1500:], "stderr_tail": proc.stderr[-1500:]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--batch-size", type=int, default=None, help="default: the settings' (DYADFLOW_BATCH_SIZE, 64)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--configs", default="local,dask-1,dask-2")
    ap.add_argument("--overhead", action="store_true", help="also time `dyadflow run` on the sample")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)

    from dyadflow.runtime import configure_prefect, prefect_server_for_process

    configure_prefect()
    from dyadflow.pipeline import current_coding_key, load_lexicon_for
    from dyadflow.settings import Settings

    corpus = build_corpus(args.articles)
    batch_size = args.batch_size or Settings.from_env().batch_size
    key = current_coding_key(load_lexicon_for(Settings.from_env()))
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    results: dict[str, Any] = {}
    with prefect_server_for_process():
        for name in configs:
            results[name] = run_config(name, corpus, key, args.repeats, batch_size)
            best = min(results[name]["seconds"])
            results[name]["articles_per_second"] = len(corpus) / best
            # what the workers could do on cores of their own: articles per CPU-second x workers
            cpu_best = min(results[name]["cpu_seconds"])
            n_workers = 2 if name == "dask-2" else 1
            results[name]["articles_per_cpu_second"] = len(corpus) / cpu_best if cpu_best > 0 else None
            results[name]["projected_articles_per_second"] = (len(corpus) / cpu_best * n_workers
                                                               if cpu_best > 0 else None)
            print(f"{name}: {len(corpus) / best:.1f} articles/s (best of {results[name]['seconds']}, start-up "
                  f"{results[name]['startup_seconds']:.1f} s)", file=sys.stderr)
    rate = {k: v["articles_per_second"] for k, v in results.items()}
    out: dict[str, Any] = {
        "benchmark": "scaleout", "articles": len(corpus), "batch_size": batch_size,
        "chars": sum(len(a.text) for a in corpus), "repeats": args.repeats, "results": results,
        "ratio_to_local": {k: v / rate["local"] for k, v in rate.items()} if "local" in rate else None,
        "ratio_dask2_to_dask1": rate["dask-2"] / rate["dask-1"] if {"dask-1", "dask-2"} <= set(rate) else None,
        "projected_ratio_dask2_to_dask1": (results["dask-2"]["projected_articles_per_second"]
                                           / results["dask-1"]["projected_articles_per_second"])
        if {"dask-1", "dask-2"} <= set(rate) else None,
        "target_dask2_to_dask1": TARGET_2_OVER_1,
        "loadavg_1min": os.getloadavg()[0], "cpus": os.cpu_count(), "python": platform.python_version(),
        "command": "python benchmarks/scaleout.py" + (f" --articles {args.articles}" if args.articles != 400 else "")
        + (f" --batch-size {args.batch_size}" if args.batch_size else ""),
    }
    if args.overhead:
        out["overhead"] = measure_overhead()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"scaleout-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"## coding throughput on task runners ({out['command']}; {shown})")
    print("| runner | workers | batches | articles/s (wall) | ratio to local | CPU s per article "
          "| projected articles/s | start-up s | events |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        ratio = out["ratio_to_local"][name] if out["ratio_to_local"] else float("nan")
        sizes = sorted(set(r["batches"]))
        shape = f"{len(r['batches'])} x {'–'.join(str(x) for x in sizes)}"
        print(f"| {name} | {2 if name == 'dask-2' else 1} | {shape} | {r['articles_per_second']:.1f} | {ratio:.2f} | "
              f"{1 / r['articles_per_cpu_second']:.3f} | {r['projected_articles_per_second']:.1f} | "
              f"{r['startup_seconds']:.1f} | {r['events']} |")
    if out["ratio_dask2_to_dask1"] is not None:
        print(f"\n2 Dask workers / 1 Dask worker: {out['ratio_dask2_to_dask1']:.2f} wall, "
              f"{out['projected_ratio_dask2_to_dask1']:.2f} projected from CPU time (target >= {TARGET_2_OVER_1}); "
              f"load average {out['loadavg_1min']:.1f} on {out['cpus']} CPUs")
    if args.overhead:
        o = out["overhead"]
        print(f"\n`dyadflow run` on the sample: {o['wall_seconds']:.1f} s wall, summary {o['summary_seconds']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
