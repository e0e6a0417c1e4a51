"""extract: sources → articles/ and rejects/ (Parquet)."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from dyadflow.pipeline import ExtractSummary, new_run_id
from dyadflow.pipeline import extract as extract_step
from dyadflow.settings import Settings
from dyadflow.sources.http import FetchError, FetchResult, HttpFetcher, Kind, TransientFetchError
from dyadflow.sources.web import (
    SourcesConfig,
    combine_summaries,
    extract_web,
    load_sources,
    resolve_sources_path,
)
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_and_store_inputs(settings: Settings, run_id: str) -> ExtractSummary:
    """Read every input file into articles or rejects and write them (I/O: retried)."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    return extract_step(settings.default_inputs, settings, store, run_id)


def _is_transient(task: object, task_run: object, state: object) -> bool:
    """Retry only transient fetch failures (timeouts, connection errors, 5xx, 429)."""
    exc = getattr(state, "data", None)
    if not isinstance(exc, BaseException):
        exc = state.result(raise_on_failure=False)  # type: ignore[attr-defined]
    return isinstance(exc, TransientFetchError)


@task(cache_policy=NO_CACHE, retry_condition_fn=_is_transient)
def fetch_url(fetcher: HttpFetcher, url: str, kind: Kind, etag: str | None, last_modified: str | None) -> FetchResult:
    """GET one feed or page (I/O: transient failures retried with backoff)."""
    return fetcher.fetch(url, kind, etag=etag, last_modified=last_modified)


def fetch_sources(settings: Settings, config: SourcesConfig, run_id: str) -> ExtractSummary:
    """Fetch the feeds and pages of a sources file into articles and rejects (each URL one task)."""
    delays = exponential_backoff(config.retry_delay_seconds)(max(1, config.retries))
    fetch_task = fetch_url.with_options(retries=config.retries, retry_delay_seconds=delays)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    with HttpFetcher(config.policy) as fetcher:

        def fetch(url: str, kind: Kind, etag: str | None, last_modified: str | None) -> FetchResult:
            state = fetch_task(fetcher, url, kind, etag, last_modified, return_state=True)
            if state.is_completed():
                return state.result()
            exc = state.result(raise_on_failure=False)
            raise exc if isinstance(exc, FetchError) else FetchError(f"fetch failed: {exc}")

        return extract_web(config, settings, store, run_id, fetch)


@flow(name="extract", log_prints=False)
def extract(paths: list[str] | None = None, warehouse: str | None = None, run_id: str | None = None,
            lock_wait_seconds: float = 0.0, sources: str | None = None) -> dict:
    """Read the input files and folders, and the feeds and pages of a sources file, into the
    warehouse's articles and rejects. With `sources` and no paths, only the sources are read.

    Takes the warehouse lock unless the calling flow (pipeline) already holds it.
    """
    settings = settings_for(warehouse, paths)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    config = load_sources(resolve_sources_path(sources, settings.project_dir), settings.schemas_dir) if sources else None
    run_id = run_id or new_run_id()
    with store.lock(wait_seconds=lock_wait_seconds):
        summary = read_and_store_inputs(settings, run_id) if paths or config is None else None
        if config is not None:
            web = fetch_sources(settings, config, run_id)
            summary = web if summary is None else combine_summaries(summary, web)
    out = asdict(summary)
    out["rejects"] = [{"path": r.path, "line": r.line, "reason": r.reason} for r in summary.rejects]
    return out
