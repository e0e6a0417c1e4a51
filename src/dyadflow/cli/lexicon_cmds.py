"""`dyadflow lexicon ...`: dictionary tools (import PETRARCH/TABARI dictionaries)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dyadflow.cli.common import console, err_console, make_settings


def register(app: typer.Typer) -> None:
    """Add the `lexicon` command group to the main app."""
    lex = typer.Typer(help="Dictionary tools.", no_args_is_help=True)

    @lex.command("import-petrarch")
    def import_petrarch_cmd(
        lexicon_dir: Annotated[Path, typer.Argument(help="Folder with PETRARCH verbs/actors/agents/discards files.")],
        out: Annotated[Path, typer.Argument(help="Folder to write native seed tables into.")],
    ) -> None:
        """Convert PETRARCH/TABARI dictionaries into native seed tables (loadable with --lexicon OUT)."""
        from dyadflow.petrarch.export import NOTES_FILE, import_petrarch

        settings = make_settings()
        if not lexicon_dir.is_dir():
            err_console.print(f"[red]not a folder:[/red] {lexicon_dir}")
            raise typer.Exit(2)
        report = import_petrarch(lexicon_dir, out, seeds_dir=settings.seeds_dir)
        for d in report.diagnostics:
            err_console.print(f"[yellow]warning[/yellow] {d}")
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        console.print(f"wrote {counts} to {report.out_dir}")
        if report.not_native:
            console.print(f"{len(report.not_native)} entries not expressible natively: see {out / NOTES_FILE}")

    app.add_typer(lex, name="lexicon")
