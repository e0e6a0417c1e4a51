"""load: staged events → hive-partitioned events/ Parquet, codings committed, views refreshed."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from dyadflow.pipeline import LoadSummary, check_load, load_staged, refresh_warehouse
from dyadflow.settings import Settings
from dyadflow.store import ParquetStore
from flows._common import settings_for


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def merge_staged(settings: Settings) -> LoadSummary:
    """Merge staged batches into the event partitions and commit their codings (I/O: retried)."""
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    return load_staged(store)


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def refresh_views(settings: Settings) -> list[str]:
    """Apply warehouse/*.sql to the DuckDB file (I/O: retried)."""
    return refresh_warehouse(settings)


@task(cache_policy=NO_CACHE)
def refresh_dashboard(settings: Settings) -> str:
    """Rewrite the configured dashboard from the refreshed views; publish a link to it as an artifact."""
    from prefect.artifacts import create_link_artifact

    from dyadflow.dashboard import write_dashboard

    assert settings.dashboard_path is not None
    built = write_dashboard(settings.data_dir, settings.sql_dir, settings.dashboard_path)
    create_link_artifact(key="dyadflow-dashboard", link=built.path.as_uri(), link_text=built.path.name,
                         description=f"dyadflow dashboard: {built.n_events:,} events ({built.bytes / 2**20:.1f} MB)")
    return str(built.path)


@flow(name="load", log_prints=False)
def load(warehouse: str | None = None, lock_wait_seconds: float = 0.0) -> dict:
    """Publish staged events into the warehouse and refresh its views.

    Takes the warehouse lock unless the calling flow (pipeline) already holds it.
    """
    settings = settings_for(warehouse)
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    with store.lock(wait_seconds=lock_wait_seconds):
        summary = merge_staged(settings)
        summary.views = refresh_views(settings)
        check_load(settings)  # fails the run when a coded article lacks exactly its committed events
        if settings.dashboard_path is not None:  # DYADFLOW_DASHBOARD: keep a dashboard up to date
            refresh_dashboard(settings)
    return asdict(summary)
