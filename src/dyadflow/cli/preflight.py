"""Checks the CLI makes before starting Prefect: expected failures are one clear line and an exit code.

Exit codes: 2 for a usage error (bad option, missing path), 3 when another run holds the warehouse
lock. Checked here, before any flow starts, so Prefect never logs a traceback for them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.markup import escape

from dyadflow.cli.common import err_console
from dyadflow.settings import Settings

LEXICON_FORMATS = ("native", "petrarch")
EXIT_USAGE = 2
EXIT_LOCKED = 3


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print `error: message` on one line of stderr; return the Exit to raise."""
    err_console.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def check_lexicon(settings: Settings) -> None:
    """--lexicon-format is known; --lexicon names an existing folder (petrarch needs one)."""
    if settings.lexicon_format not in LEXICON_FORMATS:
        raise fail(f"--lexicon-format must be one of {', '.join(LEXICON_FORMATS)}, got {settings.lexicon_format!r}")
    if settings.lexicon_dir is not None and not Path(settings.lexicon_dir).is_dir():
        raise fail(f"lexicon folder does not exist: {settings.lexicon_dir}")
    if settings.lexicon_format == "petrarch" and settings.lexicon_dir is None:
        raise fail("--lexicon-format petrarch needs --lexicon DIR (a PETRARCH2 dictionary folder)")


def check_warehouse_path(settings: Settings) -> None:
    """A local warehouse path is a folder or does not exist yet."""
    if "://" in str(settings.data_dir):  # object storage (an fsspec URL): nothing to check here
        return
    path = Path(settings.data_dir)
    if path.exists() and not path.is_dir():
        raise fail(f"the warehouse path is a file, not a folder: {path}")


def check_inputs(settings: Settings) -> None:
    """Every input path exists."""
    for p in settings.default_inputs:
        if not Path(p).exists():
            raise fail(f"input path does not exist: {p}")


def check_run(settings: Settings) -> None:
    """Everything `dyadflow run` can check before it starts Prefect."""
    check_lexicon(settings)
    check_warehouse_path(settings)
    check_inputs(settings)


@contextlib.contextmanager
def run_lock(settings: Settings, wait_seconds: float) -> Iterator[None]:
    """Hold the warehouse lock for the whole command (the flows inside take it again as a no-op)."""
    from dyadflow.store import ParquetStore, WarehouseLocked

    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(store.lock(wait_seconds=wait_seconds))
        except WarehouseLocked as exc:
            raise fail(str(exc), EXIT_LOCKED) from None
        except OSError as exc:
            raise fail(f"cannot use the warehouse {settings.data_dir}: {exc.strerror or exc}") from None
        yield
