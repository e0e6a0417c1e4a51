"""Shared CLI helpers: settings from options, consoles, output formatting."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from dyadflow.settings import Settings

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # an error stays on one line, even with long paths


def make_settings(warehouse: str | Path | None = None, paths: Sequence[Path] | None = None,
                  lexicon: Path | None = None, lexicon_format: str | None = None) -> Settings:
    """Settings from the environment with the command line's options on top (warehouse: folder or URL)."""
    from dyadflow.location import resolve_location

    return Settings.from_env().with_overrides(
        warehouse_dir=resolve_location(warehouse) if warehouse else None,
        input_paths=tuple(p.expanduser().resolve() for p in paths) if paths else None,
        lexicon_dir=lexicon.expanduser().resolve() if lexicon else None,
        lexicon_format=lexicon_format,
    )


def require_choice(value: str, choices: Sequence[str], option: str) -> None:
    """Exit 2 with a clear message unless value is one of choices."""
    if value not in choices:
        err_console.print(f"[red]error:[/] {option} must be one of {', '.join(choices)}")
        raise typer.Exit(2)


def parse_date_option(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value, or exit 2 with a clear message."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(f"[red]error:[/] {option} must be YYYY-MM-DD, got {value!r}")
        raise typer.Exit(2) from None


def require_warehouse(settings: Settings) -> None:
    """Exit 2 with a clear message when the warehouse has not been built yet."""
    from dyadflow.location import is_remote

    if is_remote(settings.data_dir):  # the local DuckDB file is (re)built from object storage on connect
        return
    if not settings.duckdb_path.exists():
        err_console.print(f"[red]error:[/] no warehouse at {settings.data_dir}; run `dyadflow run` first")
        raise typer.Exit(2)


def jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float) and v != v:  # NaN
        return None
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return v.item()
    return v


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, title: str | None = None) -> None:
    """Print query results as a rich table, CSV or JSON (an array of objects)."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else jsonable(v) for v in r])
        sys.stdout.write(buf.getvalue())
    elif fmt == "json":
        recs = [{c: jsonable(v) for c, v in zip(columns, r, strict=True)} for r in rows]
        sys.stdout.write(json.dumps(recs, ensure_ascii=False, indent=None) + "\n")
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(str(c), overflow="fold")
        for r in rows:
            table.add_row(*["" if v is None else str(jsonable(v)) for v in r])
        console.print(table)
