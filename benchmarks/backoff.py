"""Cost and sentence-level accuracy of the learned back-off (dyadflow.backoff).

    python benchmarks/backoff.py                 # cost + ../shared/dev-news measurement
    python benchmarks/backoff.py --threads 2     # onnxruntime intra-op threads (default 1)

Cost: time to load the encoder, to build the back-off (embed the examples, calibrate), with and
without the embedding cache; milliseconds per clause in batches of 256 and one at a time (best
of --repeats); resident memory added by the model and the example matrix.

dev-news (MEASURE only, nothing is fitted to it): every sentence that carries a gold event (the
gold `sentence` strings) and every other sentence of the articles (a naive split at sentence
ends; sentences overlapping a gold sentence are left out). For event sentences: how often the
back-off gives a code, and how often its root is one of the sentence's gold roots. For the
others: how often it gives a code (each is a false alarm if the coder passed it on).
These are sentence-level numbers: wired into the coder, the back-off sees only clauses that no
vocabulary entry matched and that have actors, and its events are scored with their dyads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEV_NEWS = ROOT.parent / "shared" / "dev-news"
OUT_DIR = ROOT / "benchmarks" / "out"
_SENT_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”']))\s+(?=[\"“A-Z])")


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _best_of(repeats: int, fn: Any) -> tuple[float, float]:
    """Best wall and best CPU seconds of `repeats` calls (CPU time is far less disturbed by other load)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return wall, cpu


def measure_cost(threads: int, repeats: int) -> tuple[Any, dict[str, Any]]:
    from dyadflow.backoff import Backoff, MiniLMEncoder
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    rss0 = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    encoder = MiniLMEncoder.load(threads=threads)
    t1, c1 = time.perf_counter(), time.process_time()
    backoff = Backoff.load(settings.seeds_dir, settings.schemas_dir, encoder=encoder)
    t2, c2 = time.perf_counter(), time.process_time()
    rss1 = _rss_mb()
    with tempfile.TemporaryDirectory() as cache:
        Backoff.load(settings.seeds_dir, settings.schemas_dir, encoder=encoder, cache_dir=Path(cache))
        cached, _ = _best_of(1, lambda: Backoff.load(settings.seeds_dir, settings.schemas_dir, encoder=encoder,
                                                  cache_dir=Path(cache)))
    clauses = [ex.text for ex in backoff.examples][:256]
    clauses = (clauses * (256 // max(1, len(clauses)) + 1))[:256]
    backoff.classify(clauses[:32])  # warm-up
    batched = _best_of(repeats, lambda: backoff.classify(clauses))
    single = _best_of(repeats, lambda: [backoff.classify([c]) for c in clauses[:64]])
    return backoff, {
        "model": encoder.model_id, "threads": threads, "n_examples": len(backoff.examples),
        "calibration": asdict(backoff.calibration),
        "encoder_load_seconds": round(t1 - t0, 3), "encoder_load_cpu_seconds": round(c1 - c0, 3),
        "build_seconds": round(t2 - t1, 3), "build_cpu_seconds": round(c2 - c1, 3),
        "build_seconds_cached": round(cached, 3),
        "ms_per_clause_batched": round(1000 * batched[0] / len(clauses), 2),
        "cpu_ms_per_clause_batched": round(1000 * batched[1] / len(clauses), 2),
        "ms_per_clause_single": round(1000 * single[0] / 64, 2),
        "cpu_ms_per_clause_single": round(1000 * single[1] / 64, 2),
        "rss_added_mb": round(rss1 - rss0, 1), "load_average_1min": round(os.getloadavg()[0], 2),
    }


def dev_news_sentences(folder: Path) -> tuple[dict[str, set[str]], list[str]]:
    """(gold event sentence -> its gold roots, the articles' other sentences)."""
    roots: dict[str, set[str]] = defaultdict(set)
    for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            roots[g["sentence"]].add(str(g["root"]).zfill(2))
    others: list[str] = []
    for path in sorted((folder / "articles").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        for para in body.split("\n"):
            for sent in _SENT_END.split(para.strip()):
                if len(sent) >= 40 and not any(g in sent or sent in g for g in roots):
                    others.append(sent)
    return dict(roots), others


def measure_dev_news(backoff: Any, folder: Path, thresholds: tuple[float, ...] = (0.9, 0.95, 0.98)
                     ) -> dict[str, Any]:
    """Sentence-level coverage, root precision and false-alarm rate at the calibrated threshold and
    at a few stricter ones (for choosing; nothing here changes the calibration)."""
    from dyadflow.backoff.classifier import MIN_SIMILARITY

    roots, others = dev_news_sentences(folder)
    sents = list(roots)
    near = backoff.nearest(sents)
    near_other = backoff.nearest(others)

    def at(threshold: float) -> dict[str, Any]:
        def keep(p: Any) -> bool:
            return p is not None and p.probability >= threshold and p.similarity >= MIN_SIMILARITY
        fired = [(s, p) for s, p in zip(sents, near, strict=True) if keep(p)]
        right = sum(1 for s, p in fired if p.cameo_code[:2] in roots[s])
        false_alarms = sum(1 for p in near_other if keep(p))
        return {
            "threshold": threshold, "event_sentences": len(sents), "coded": len(fired),
            "coverage": round(len(fired) / len(sents), 4) if sents else 0.0,
            "root_precision": round(right / len(fired), 4) if fired else 0.0,
            "other_sentences": len(others), "coded_other_sentences": false_alarms,
            "false_alarm_rate": round(false_alarms / len(others), 4) if others else 0.0,
        }

    return {**at(backoff.threshold), "stricter": [at(t) for t in thresholds if t > backoff.threshold]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    backoff, cost = measure_cost(args.threads, args.repeats)
    result: dict[str, Any] = {"benchmark": "backoff", "cost": cost, "python": platform.python_version(),
                              "created": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")}
    if DEV_NEWS.exists():
        result["dev_news_sentence_level"] = measure_dev_news(backoff, DEV_NEWS)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"backoff-{result['created']}.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(json.dumps(result, indent=2, default=str))
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
