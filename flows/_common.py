"""Shared flow helpers: settings from flow parameters."""

from __future__ import annotations

from pathlib import Path

from dyadflow.location import resolve_location
from dyadflow.settings import Settings


def settings_for(warehouse: str | None = None, paths: list[str] | None = None,
                 lexicon: str | None = None, lexicon_format: str | None = None,
                 processes: int | None = None, *, task_runner: str | None = None,
                 workers: int | None = None, dask_address: str | None = None) -> Settings:
    """Settings from the environment, overridden by a flow run's parameters.

    warehouse may be a folder or an fsspec URL (s3://bucket/prefix); processes is the former name of
    workers.
    """
    base = Settings.from_env()
    return base.with_overrides(
        warehouse_dir=resolve_location(warehouse) if warehouse else None,
        input_paths=tuple(Path(p).expanduser().resolve() for p in paths) if paths else None,
        lexicon_dir=Path(lexicon).expanduser().resolve() if lexicon else None,
        lexicon_format=lexicon_format,
        task_runner=task_runner,
        workers=workers or processes,
        dask_address=dask_address,
    )
