"""pipeline: extract → code → load, under the warehouse lock, with a run-summary artifact."""

from __future__ import annotations

import time

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from dyadflow.pipeline import new_run_id
from dyadflow.runtime import notice_failed_run, run_notice, run_summary_notice
from dyadflow.store import ParquetStore
from flows._common import settings_for
from flows.code import code
from flows.extract import extract
from flows.load import load


def summary_markdown(summary: dict) -> str:
    """The run summary as a Markdown table (published as a Prefect artifact)."""
    ex, co, lo = summary["extract"], summary["code"], summary["load"]
    lines = [
        f"# dyadflow run `{summary['run_id']}`",
        "",
        "| step | count |",
        "|---|---:|",
        f"| inputs | {ex['n_inputs']} |",
        f"| articles (new) | {ex['n_articles']} ({ex['n_new_articles']}) |",
        f"| publication dates inferred | {ex['n_dates_inferred']} |",
        f"| rejected inputs | {ex['n_rejects']} |",
        f"| articles kept with warnings | {ex.get('n_warnings', 0)} |",
        f"| superseded (edited) articles | {ex.get('n_superseded', 0)} |",
        f"| articles coded | {co['articles']} |",
        f"| events coded | {co['events']} |",
        f"| coder rejects | {co['rejects']} |",
        f"| events loaded | {lo['n_events']} |",
        "",
        "| stage | seconds |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {v:.2f} |" for k, v in summary["timings"].items()]
    if ex["rejects"]:
        lines += ["", "## Rejected inputs", "", "| path | line | reason |", "|---|---:|---|"]
        lines += [f"| {r['path']} | {r['line'] or ''} | {r['reason']} |" for r in ex["rejects"][:200]]
    return "\n".join(lines)


@flow(name="pipeline", log_prints=False, on_failure=[notice_failed_run], on_crashed=[notice_failed_run])
def pipeline(paths: list[str] | None = None, warehouse: str | None = None, lock_wait_seconds: float = 0.0,
             lexicon: str | None = None, lexicon_format: str | None = None, processes: int | None = None,
             task_runner: str | None = None, workers: int | None = None, dask_address: str | None = None,
             sources: str | None = None) -> dict:
    """Run extract, code and load over the input paths (default: the bundled sample corpus) and/or the
    feeds and pages of a sources file (with `sources` and no paths: the sources only)."""
    settings = settings_for(warehouse, paths, lexicon, lexicon_format, processes, task_runner=task_runner,
                            workers=workers, dask_address=dask_address)
    run_id = new_run_id()
    run_notice(f"run {run_id} started → {settings.data_dir}")
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    timings: dict[str, float] = {}
    with store.lock(wait_seconds=lock_wait_seconds):
        store.init()
        t0 = time.perf_counter()
        inputs = None if sources and not settings.input_paths else [str(p) for p in settings.default_inputs]
        ex = extract(inputs, str(settings.data_dir), run_id, sources=sources)
        timings["extract"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        co = code(str(settings.data_dir), run_id=run_id, lexicon=lexicon, lexicon_format=lexicon_format,
                  task_runner=settings.task_runner, workers=settings.workers, dask_address=settings.dask_address)
        timings["code"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        lo = load(str(settings.data_dir))
        timings["load"] = time.perf_counter() - t0
    summary = {"run_id": run_id, "warehouse": str(settings.data_dir), "extract": ex, "code": co, "load": lo,
               "timings": timings}
    create_markdown_artifact(key="dyadflow-run-summary", markdown=summary_markdown(summary),
                             description="dyadflow pipeline run summary")
    run_notice(run_summary_notice(summary))
    return summary
