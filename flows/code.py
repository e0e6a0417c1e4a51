"""code: articles not yet coded with this coder + dictionary → staged events, batches on a task runner."""

from __future__ import annotations

from typing import Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from dyadflow import progress
from dyadflow.pipeline import (
    CodeBatchResult,
    articles_to_code,
    current_coding_key,
    load_lexicon_for,
    new_run_id,
    stage_batch,
)
from dyadflow.records import Article
from dyadflow.scaleout import (
    check_runner_settings,
    code_on_worker,
    describe_runner,
    plan_batches,
    runner_slots,
    task_runner_for,
)
from dyadflow.settings import Settings
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(cache_policy=NO_CACHE)
def load_dictionaries(settings: Settings) -> Any:
    """Load and validate the lexicon (seed tables or PETRARCH dictionaries)."""
    return load_lexicon_for(settings)


@task(cache_policy=NO_CACHE)
def plan_coding(settings: Settings, key: str, doc_ids: list[str] | None) -> list[Article]:
    """Articles whose content or coder/dictionary version changed since their last coding."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    return articles_to_code(store, key, doc_ids)


@task(cache_policy=NO_CACHE)
def code_batch(articles: list[Article], settings: Settings, run_id: str, coding_key: str) -> CodeBatchResult:
    """Parse and code one batch on a worker (spaCy, lexicon and gazetteer built once per worker process)."""
    return code_on_worker(articles, settings, run_id, coding_key)


def map_batches(runner: Any, batches: list[list[Article]], settings: Settings, run_id: str, key: str) -> Any:
    """Submit one code_batch task run per batch on the runner (futures in batch order); the benchmark
    (benchmarks/scaleout.py) submits through here too. Batches are not wrapped in prefect's `quote`:
    Dask's graph rebuilds the wrapper (a named tuple) around the articles and breaks them."""
    return runner.map(code_batch, {"articles": batches, "settings": unmapped(settings),
                                   "run_id": unmapped(run_id), "coding_key": unmapped(key)})


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def stage_coded(result: CodeBatchResult, settings: Settings, run_id: str, batch_no: int) -> dict:
    """Write a coded batch's rejects, stage its events and codings (I/O: retried)."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.write_rejects(result.rejects)
    stage_batch(store, result, run_id, batch_no)
    # every article tried has a coding (one the coder refused: zero events, and a reject)
    return {"articles": len(result.codings), "events": len(result.events), "rejects": len(result.rejects)}


@flow(name="code", log_prints=False)
def code(warehouse: str | None = None, doc_ids: list[str] | None = None, run_id: str | None = None,
         lexicon: str | None = None, lexicon_format: str | None = None, processes: int | None = None,
         lock_wait_seconds: float = 0.0, task_runner: str | None = None, workers: int | None = None,
         dask_address: str | None = None) -> dict:
    """Code the articles that need it, in batches mapped on the task runner, into staged events.

    task_runner: local (workers = processes on this machine) or dask (dask_address, else a
    temporary LocalCluster of `workers` processes); processes is the former name of workers.
    Takes the warehouse lock unless the calling flow (pipeline) already holds it.
    """
    settings = settings_for(warehouse, lexicon=lexicon, lexicon_format=lexicon_format, processes=processes,
                            task_runner=task_runner, workers=workers, dask_address=dask_address)
    check_runner_settings(settings)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    with store.lock(wait_seconds=lock_wait_seconds):
        return _code(settings, doc_ids, run_id)


def _code(settings: Settings, doc_ids: list[str] | None, run_id: str | None) -> dict:
    """The body of the code flow (run under the warehouse lock)."""
    run_id = run_id or new_run_id()
    lex = load_dictionaries(settings)
    key = current_coding_key(lex)
    todo = plan_coding(settings, key, doc_ids)
    progress.report("code", 0, len(todo))
    totals: dict[str, Any] = {"articles": 0, "events": 0, "rejects": 0, "coding_key": key,
                              "skipped_unchanged": len(set(doc_ids)) - len(todo) if doc_ids is not None else None,
                              "task_runner": describe_runner(settings)}
    if not todo:
        return totals
    # The flow's task runner for coding: entered here so that the choice is a setting (and a flow
    # parameter) in every entry point, deployments included. Results come back in batch order and are
    # staged by this process as they arrive; a batch that fails (or whose worker died for good) fails
    # the run, and what was staged is only committed by a later load.
    with task_runner_for(settings) as runner:
        # equal batches of at most batch_size, in whole rounds over the runner's workers (plan_batches)
        batches = plan_batches(todo, settings.batch_size, runner_slots(runner, settings))
        futures = map_batches(runner, batches, settings, run_id, key)
        for batch_no, (batch, future) in enumerate(zip(batches, futures, strict=True)):
            counts = stage_coded(future.result(), settings, run_id, batch_no)
            for k, v in counts.items():
                totals[k] += v
            progress.report("code", len(batch))
    return totals
