"""`dyadflow dashboard`: one self-contained offline HTML file built from the warehouse views."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dyadflow.cli.common import console, make_settings, require_warehouse
from dyadflow.settings import Settings


def default_out(settings: Settings) -> Path:
    """DYADFLOW_DASHBOARD, else dashboard.html in a local warehouse folder, else in the current folder."""
    from dyadflow.location import is_remote

    if settings.dashboard_path is not None:
        return settings.dashboard_path
    return Path("dashboard.html") if is_remote(settings.data_dir) else Path(settings.data_dir) / "dashboard.html"


def register(app: typer.Typer) -> None:
    """Add the `dashboard` command to the dyadflow app."""

    @app.command()
    def dashboard(
        warehouse: Annotated[
            str | None, typer.Option("--warehouse", "-w", help="Warehouse folder or fsspec URL (default: warehouse/data/).")
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="HTML file to write (default: <warehouse>/dashboard.html).")
        ] = None,
    ) -> None:
        """Write one self-contained HTML dashboard (dyad time series, top dyads, map, events) that works offline."""
        from dyadflow.dashboard import write_dashboard

        settings = make_settings(warehouse)
        require_warehouse(settings)
        summary = write_dashboard(settings.data_dir, settings.sql_dir, out or default_out(settings))
        note = " (filters cover the largest dyads only)" if summary.cube_truncated else ""
        console.print(
            f"wrote {summary.path} ({summary.bytes / 2**20:.1f} MB): {summary.n_events:,} events, "
            f"{summary.n_cube_rows:,} aggregate rows{note}, {summary.n_sample:,} sampled events",
            soft_wrap=True, highlight=False,
        )
