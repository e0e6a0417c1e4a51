"""extract: sources → articles/ and rejects/ (Parquet)."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from dyadflow.pipeline import ExtractSummary, new_run_id
from dyadflow.pipeline import extract as extract_step
from dyadflow.settings import Settings
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_and_store_inputs(settings: Settings, run_id: str) -> ExtractSummary:
    """Read every input file into articles or rejects and write them (I/O: retried)."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    return extract_step(settings.default_inputs, settings, store, run_id)


@flow(name="extract", log_prints=False)
def extract(paths: list[str] | None = None, warehouse: str | None = None, run_id: str | None = None,
            lock_wait_seconds: float = 0.0) -> dict:
    """Read the input files and folders into the warehouse's articles and rejects.

    Takes the warehouse lock unless the calling flow (pipeline) already holds it.
    """
    settings = settings_for(warehouse, paths)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    with store.lock(wait_seconds=lock_wait_seconds):
        summary = read_and_store_inputs(settings, run_id or new_run_id())
    out = asdict(summary)
    out["rejects"] = [{"path": r.path, "line": r.line, "reason": r.reason} for r in summary.rejects]
    return out
