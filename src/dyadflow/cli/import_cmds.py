"""`dyadflow import gdelt|acled FILE...`: other event datasets into external_events, beside dyadflow's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dyadflow.cli.common import console, err_console, make_settings, print_rows

FilesArg = Annotated[list[Path], typer.Argument(help="Files to import (GDELT: zipped or plain TSV).")]
WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", "-w", help="Warehouse directory (default: warehouse/data/).")
]
WaitOpt = Annotated[float, typer.Option("--wait", help="Seconds to wait for another run's lock.")]


def _import(system: str, files: list[Path], warehouse: Path | None, wait: float) -> None:
    from dyadflow.sources.external import import_files
    from dyadflow.store import WarehouseLocked

    missing = [f for f in files if not f.is_file()]
    if missing:
        err_console.print(f"[red]error:[/] not a file: {missing[0]}")
        raise typer.Exit(2)
    settings = make_settings(warehouse)
    try:
        summary = import_files(system, [f.expanduser().resolve() for f in files], settings, lock_wait_seconds=wait)
    except WarehouseLocked as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(3) from None
    console.print(f"imported {summary.n_events} {system} events from {summary.n_files} file(s) into "
                  f"{settings.data_dir} (view external_events; compare_dyad_month puts them beside dyadflow's)")
    if summary.rejects:
        print_rows(["file", "line", "reason"], [(r.path, r.line, r.reason) for r in summary.rejects[:200]], "table",
                   title=f"{len(summary.rejects)} row(s) not imported (see rejects in the warehouse)")


def register(app: typer.Typer) -> None:
    """Add the `import` command group to the main app."""
    imp = typer.Typer(help="Import other event datasets (GDELT, ACLED) to compare with dyadflow's.",
                      no_args_is_help=True)

    @imp.command("gdelt")
    def gdelt_cmd(files: FilesArg, warehouse: WarehouseOpt = None, wait: WaitOpt = 0.0) -> None:
        """GDELT 2.0 event exports (61 tab-separated columns, .CSV or .CSV.zip) into external_events."""
        _import("gdelt", files, warehouse, wait)

    @imp.command("acled")
    def acled_cmd(files: FilesArg, warehouse: WarehouseOpt = None, wait: WaitOpt = 0.0) -> None:
        """ACLED CSV exports (header row; numeric or text inter codes) into external_events."""
        _import("acled", files, warehouse, wait)

    app.add_typer(imp, name="import")
