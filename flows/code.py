"""code: articles not yet coded with this coder + dictionary → staged events."""

from __future__ import annotations

import contextlib
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from dyadflow import progress
from dyadflow.coder import CODER_VERSION
from dyadflow.pipeline import (
    CoderResources,
    articles_to_code,
    build_resources,
    code_articles,
    current_coding_key,
    load_lexicon_for,
    new_run_id,
    stage_batch,
)
from dyadflow.records import Article
from dyadflow.settings import Settings
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(cache_policy=NO_CACHE)
def load_dictionaries(settings: Settings) -> Any:
    """Load and validate the lexicon (seed tables or PETRARCH dictionaries)."""
    return load_lexicon_for(settings)


@task(cache_policy=NO_CACHE)
def load_coder(settings: Settings, lexicon: Any) -> CoderResources:
    """Build the spaCy pipeline and gazetteer once for the run."""
    return build_resources(settings, lexicon=lexicon)


@task(cache_policy=NO_CACHE)
def plan_coding(settings: Settings, key: str, doc_ids: list[str] | None) -> list[Article]:
    """Articles whose content or coder/dictionary version changed since their last coding."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    return articles_to_code(store, key, doc_ids)


@task(cache_policy=NO_CACHE)
def code_batch(articles: list[Article], resources: CoderResources, settings: Settings,
               run_id: str, batch_no: int, pool: Any = None) -> dict:
    """Code one batch of articles and stage its events and codings."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    result = code_articles(articles, resources, run_id, progress=lambda n: progress.report("code", n), pool=pool)
    store.write_rejects(result.rejects)
    stage_batch(store, result, run_id, batch_no)
    return {"articles": len(articles), "events": len(result.events), "rejects": len(result.rejects)}


@flow(name="code", log_prints=False)
def code(warehouse: str | None = None, doc_ids: list[str] | None = None, run_id: str | None = None,
         lexicon: str | None = None, lexicon_format: str | None = None, processes: int | None = None,
         lock_wait_seconds: float = 0.0) -> dict:
    """Code the articles that need it, in batches, into staged events.

    Takes the warehouse lock unless the calling flow (pipeline) already holds it.
    """
    settings = settings_for(warehouse, lexicon=lexicon, lexicon_format=lexicon_format, processes=processes)
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
                              "skipped_unchanged": len(set(doc_ids)) - len(todo) if doc_ids is not None else None}
    if not todo:
        return totals
    size = max(1, settings.batch_size)
    with contextlib.ExitStack() as stack:
        pool = None
        if settings.processes > 1:  # N worker processes, each with its own parser
            from dyadflow.parallel import CoderPool

            resources = CoderResources(nlp=None, lexicon=lex, gazetteer=None, coder_version=CODER_VERSION)
            pool = stack.enter_context(CoderPool(settings, settings.processes))
        else:
            resources = load_coder(settings, lex)
        for i in range(0, len(todo), size):
            counts = code_batch(todo[i : i + size], resources, settings, run_id, i // size, pool)
            for k, v in counts.items():
                totals[k] += v
    return totals
