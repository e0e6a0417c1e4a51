"""Process-level setup done once at an entry point (CLI, tests): Prefect offline mode and logging."""

from __future__ import annotations

import logging
import os

EPHEMERAL_STARTUP_TIMEOUT_SECONDS = 120


def configure_prefect(*, verbose: bool = False) -> None:
    """Offline, quiet Prefect: no telemetry, embedded local server unless PREFECT_API_URL is set.

    Must run before `prefect` is imported: Prefect reads its logging settings at import.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")
    os.environ.setdefault("PREFECT_CLI_PROMPT", "false")
    # The embedded server's first start on a fresh or loaded machine (database migrations) can take
    # well over Prefect's default of 20 s (prefect.settings.models.server.ephemeral).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(EPHEMERAL_STARTUP_TIMEOUT_SECONDS))
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
    # Shutdown of the embedded server can log a cancelled flush of task-run events after a short
    # run has already completed; those records are noise, not failures (tests/test_runtime.py).
    logging.getLogger("prefect.server.services.task_run_recorder").addFilter(_drop_shutdown_cancellation)


def _drop_shutdown_cancellation(record: logging.LogRecord) -> bool:
    if record.exc_info and record.exc_info[0] is not None:
        import asyncio

        if issubclass(record.exc_info[0], asyncio.CancelledError):
            return False
    return "CancelledError" not in record.getMessage()
