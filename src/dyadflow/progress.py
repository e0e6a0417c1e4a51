"""Progress reporting hook: the CLI installs a callback; library code and flows call it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

ProgressCallback = Callable[[str, int, int | None], None]  # (stage, advance, total)

_current: ContextVar[ProgressCallback | None] = ContextVar("dyadflow_progress", default=None)


def report(stage: str, advance: int = 0, total: int | None = None) -> None:
    """Tell the installed progress display (if any) about work done."""
    cb = _current.get()
    if cb is not None:
        cb(stage, advance, total)


@contextlib.contextmanager
def progress_callback(cb: ProgressCallback) -> Iterator[None]:
    """Install a progress callback for the duration of a block."""
    token = _current.set(cb)
    try:
        yield
    finally:
        _current.reset(token)
