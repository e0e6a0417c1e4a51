"""Coder throughput against spaCy's own parse, same texts, same nlp object, same run.

    python benchmarks/coder_throughput.py                       # ~2000 sentences, 1 process
    python benchmarks/scaleout.py                               # 1 and 2 Dask workers, local runner
    python benchmarks/coder_throughput.py --profile             # where code_article spends its time

The corpus is examples/corpus (read as the pipeline reads it) repeated until it holds at least
--sentences sentences. Two measurements, alternated --repeats times, best run kept:
  parse = nlp.pipe over the texts (the pipeline build_nlp makes, so the baseline includes the same
          components: parser, NER and the lexicon's entity rules);
  code  = the same nlp.pipe plus code_article on every doc (dyadflow.scaleout, as a worker does).
Both run in this process (resource loading is excluded from the timings); throughput with several
workers on Prefect task runners is benchmarks/scaleout.py. Target: code/parse <= 1.25. Results: JSON in benchmarks/out/ and a
markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadflow.scaleout import LocalCoder  # noqa: E402
from dyadflow.settings import Settings  # noqa: E402

OUT_DIR = ROOT / "benchmarks" / "out"
TARGET_RATIO = 1.25


def cpu_seconds(pool: LocalCoder) -> float:
    """CPU seconds used so far by this process (robust to a busy machine)."""
    return time.process_time()


def build_corpus(texts: list[str], sentences: list[int], target: int) -> tuple[list[str], int]:
    """Texts repeated in order until they hold at least `target` sentences; (corpus, n sentences)."""
    if not texts or sum(sentences) == 0:
        raise ValueError("no sentences in the source texts")
    corpus: list[str] = []
    n = 0
    i = 0
    while n < target:
        corpus.append(texts[i % len(texts)])
        n += sentences[i % len(texts)]
        i += 1
    return corpus, n


def read_texts(settings: Settings) -> list[tuple[str, Any]]:
    """(text, published) of every example article, as the pipeline reads them."""
    from dyadflow.pipeline import read_inputs

    articles, _ = read_inputs([settings.examples_dir], settings, run_id="throughput")
    articles.sort(key=lambda a: a.path)
    return [(a.text, a.published) for a in articles]


def profile_coder(pool: LocalCoder, texts: list[tuple[str, Any]], top: int) -> str:
    """cProfile of code_article alone (docs parsed beforehand), top functions by cumulative time."""
    from dyadflow.coder import code_article

    res = pool.resources
    docs = list(res.nlp.pipe([t for t, _ in texts], batch_size=16))
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for i, (doc, (_, published)) in enumerate(zip(docs, texts, strict=True)):
        code_article(doc, res.lexicon, published, doc_id=str(i), gazetteer=res.gazetteer)
    prof.disable()
    elapsed = time.perf_counter() - t0
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return f"code_article only: {elapsed:.2f}s (profiled)\n" + buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=2000, help="corpus size in sentences (default 2000)")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-size", type=int, default=16, help="texts per worker task")
    ap.add_argument("--batch-size", type=int, default=16, help="nlp.pipe batch size")
    ap.add_argument("--no-gazetteer", action="store_true")
    ap.add_argument("--profile", action="store_true", help="profile code_article (1 process) and print")
    ap.add_argument("--top", type=int, default=30, help="functions listed by --profile")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)

    settings = Settings.from_env()
    source = read_texts(settings)
    t_load = time.perf_counter()
    if args.processes != 1:
        print("several workers: python benchmarks/scaleout.py (Prefect task runners, Dask)", file=sys.stderr)
        return 2
    with contextlib.nullcontext(LocalCoder(settings, with_gazetteer=not args.no_gazetteer)) as pool:
        pool.warm_up()
        load_seconds = time.perf_counter() - t_load
        per_text = pool.parse([t for t, _ in source])
        corpus_texts, n_sent = build_corpus([t for t, _ in source], per_text, args.sentences)
        published = {t: p for t, p in source}
        items = [(f"t{i:05d}", t, published[t]) for i, t in enumerate(corpus_texts)]
        n_chars = sum(len(t) for t in corpus_texts)

        if args.profile:
            if args.processes != 1:
                print("--profile runs in the calling process; use --processes 1", file=sys.stderr)
                return 2
            print(profile_coder(pool, [(t, published[t]) for t in corpus_texts], args.top))

        parse_times: list[float] = []
        code_times: list[float] = []
        parse_cpu: list[float] = []
        code_cpu: list[float] = []
        n_events = n_errors = 0
        for rep in range(args.repeats):
            order = ("parse", "code") if rep % 2 == 0 else ("code", "parse")
            for mode in order:
                t0, c0 = time.perf_counter(), cpu_seconds(pool)
                if mode == "parse":
                    counted = sum(pool.parse(corpus_texts))
                    parse_times.append(time.perf_counter() - t0)
                    parse_cpu.append(cpu_seconds(pool) - c0)
                    if counted != n_sent:
                        raise RuntimeError(f"sentence count changed: {counted} != {n_sent}")
                else:
                    coded = pool.code(items)
                    code_times.append(time.perf_counter() - t0)
                    code_cpu.append(cpu_seconds(pool) - c0)
                    n_events = sum(len(c.events) for c in coded)
                    n_errors = sum(1 for c in coded if c.error)

    parse_best, code_best = min(parse_times), min(code_times)
    ratio = code_best / parse_best
    result: dict[str, Any] = {
        "benchmark": "coder_throughput",
        "processes": args.processes,
        "texts": len(corpus_texts),
        "sentences": n_sent,
        "chars": n_chars,
        "events": n_events,
        "errors": n_errors,
        "repeats": args.repeats,
        "batch_size": args.batch_size,
        "chunk_size": args.chunk_size,
        "with_gazetteer": not args.no_gazetteer,
        "load_seconds": round(load_seconds, 2),
        "parse_seconds": [round(x, 3) for x in parse_times],
        "code_seconds": [round(x, 3) for x in code_times],
        "parse_sentences_per_second": n_sent / parse_best,
        "code_sentences_per_second": n_sent / code_best,
        "ratio_code_to_parse": ratio,
        "ratio_median": statistics.median(code_times) / statistics.median(parse_times),
        "parse_cpu_seconds": [round(x, 3) for x in parse_cpu],
        "code_cpu_seconds": [round(x, 3) for x in code_cpu],
        "ratio_cpu": min(code_cpu) / min(parse_cpu) if parse_cpu and min(parse_cpu) > 0 else None,
        "loadavg_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
        "spacy_model": settings.spacy_model,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "command": "python benchmarks/coder_throughput.py"
                   + (f" --sentences {args.sentences}" if args.sentences != 2000 else "")
                   + (f" --processes {args.processes}" if args.processes != 1 else ""),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"coder-throughput-p{args.processes}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"## coder throughput ({result['command']}; {shown})")
    cpu_ratio = result["ratio_cpu"]
    print("| processes | sentences | spaCy nlp.pipe (sent/s) | parse + code (sent/s) | ratio (wall) "
          "| ratio (CPU s) | events | load avg |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.processes} | {n_sent} | {result['parse_sentences_per_second']:.0f} | "
          f"{result['code_sentences_per_second']:.0f} | {ratio:.2f} | "
          f"{cpu_ratio if cpu_ratio is None else f'{cpu_ratio:.2f}'} | {n_events} | {result['loadavg_1min']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
