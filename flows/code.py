"""code: articles not yet coded with this coder + dictionary → staged events."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from dyadflow import progress
from dyadflow.pipeline import (
    CoderResources,
    articles_to_code,
    build_resources,
    code_articles,
    new_run_id,
    stage_batch,
)
from dyadflow.records import Article
from dyadflow.settings import Settings
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(cache_policy=NO_CACHE)
def load_coder(settings: Settings) -> CoderResources:
    """Build the spaCy pipeline, lexicon and gazetteer once for the run."""
    return build_resources(settings)


@task(cache_policy=NO_CACHE)
def plan_coding(settings: Settings, key: str, doc_ids: list[str] | None) -> list[Article]:
    """Articles whose content or coder/dictionary version changed since their last coding."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    return articles_to_code(store, key, doc_ids)


@task(cache_policy=NO_CACHE)
def code_batch(articles: list[Article], resources: CoderResources, settings: Settings,
               run_id: str, batch_no: int) -> dict:
    """Code one batch of articles and stage its events and codings."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    result = code_articles(articles, resources, run_id, progress=lambda n: progress.report("code", n))
    store.write_rejects(result.rejects)
    stage_batch(store, result, run_id, batch_no)
    return {"articles": len(articles), "events": len(result.events), "rejects": len(result.rejects)}


@flow(name="code", log_prints=False)
def code(warehouse: str | None = None, doc_ids: list[str] | None = None, run_id: str | None = None,
         lexicon: str | None = None, lexicon_format: str | None = None) -> dict:
    """Code the articles that need it, in batches, into staged events."""
    settings = settings_for(warehouse, lexicon=lexicon, lexicon_format=lexicon_format)
    run_id = run_id or new_run_id()
    resources = load_coder(settings)
    todo = plan_coding(settings, resources.coding_key, doc_ids)
    progress.report("code", 0, len(todo))
    totals = {"articles": 0, "events": 0, "rejects": 0, "skipped_unchanged": 0}
    size = max(1, settings.batch_size)
    for i in range(0, len(todo), size):
        counts = code_batch(todo[i : i + size], resources, settings, run_id, i // size)
        for k, v in counts.items():
            totals[k] += v
    if doc_ids is not None:
        totals["skipped_unchanged"] = len(set(doc_ids)) - len(todo)
    totals["coding_key"] = resources.coding_key  # type: ignore[assignment]
    return totals
