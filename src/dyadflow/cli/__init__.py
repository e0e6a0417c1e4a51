"""The `dyadflow` command line (typer + rich)."""

from __future__ import annotations

from dyadflow.cli.app import app, main

__all__ = ["app", "main"]
