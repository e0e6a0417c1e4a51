"""Process-level setup done once at an entry point (CLI, tests): Prefect offline mode and logging."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

EPHEMERAL_STARTUP_TIMEOUT_SECONDS = 120
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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


@contextlib.contextmanager
def prefect_server_for_process(startup_timeout: float | None = None) -> Iterator[str | None]:
    """Run Prefect's local API server as a child that dies with this process; yields its API URL.

    Prefect's own embedded server (started on first use when PREFECT_API_URL is unset) is a
    plain subprocess stopped by an atexit hook, so a SIGKILLed run leaves it running, orphaned.
    This one exits when its parent dies (PR_SET_PDEATHSIG on Linux, a parent-pid watchdog
    everywhere). Call after configure_prefect and before `prefect` is imported (Prefect reads
    PREFECT_API_URL at import). Yields None, starting nothing, when PREFECT_API_URL is set.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    timeout = startup_timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                                                      EPHEMERAL_STARTUP_TIMEOUT_SECONDS))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    code = f"from dyadflow.runtime import serve_prefect_until_parent_exits as s; s({os.getpid()}, {port})"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited with code {proc.returncode} while starting")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start within {timeout:.0f} s "
                                   "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
            time.sleep(0.2)
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            drain_prefect_clients()  # before the server goes: else they retry at exit, ~65 s
            os.environ.pop("PREFECT_API_URL", None)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


RUN_NOTICES_ENV = "DYADFLOW_RUN_NOTICES"  # set by `dyadflow serve` for the runs it starts


def run_notice(message: str) -> None:
    """One timestamped line on stderr for `dyadflow serve`'s console; nothing outside served runs."""
    if os.environ.get(RUN_NOTICES_ENV) != "1":
        return
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    print(f"{stamp} UTC dyadflow {message}", file=sys.stderr, flush=True)


def run_summary_notice(summary: dict) -> str:
    """The end of a run in one line: seconds and counts."""
    ex, co, lo = summary["extract"], summary["code"], summary["load"]
    return (f"run {summary['run_id']} finished in {sum(summary['timings'].values()):.1f} s: "
            f"{ex['n_articles']} articles ({ex['n_new_articles']} new), {ex['n_rejects']} rejected, "
            f"{co['articles']} coded, {co['events']} events coded, {lo['n_events']} events loaded")


def notice_failed_run(flow: object, flow_run: object, state: object) -> None:
    """Prefect on_failure / on_crashed hook: the failure in one line."""
    run_notice(f"run {getattr(flow_run, 'name', '?')} failed: {getattr(state, 'message', state)}")


def drain_prefect_clients(timeout: float = 10.0) -> None:
    """Send the logs and events Prefect still queues for its API, then stop its client workers.

    Prefect sends them in background workers that are otherwise drained at interpreter exit; when
    the API server has stopped by then (our child server, or Prefect's ephemeral one), each retries
    for about a minute and then prints "Error logging to API". No-op when Prefect was not imported.
    """
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=timeout)


def serve_prefect_until_parent_exits(parent_pid: int, port: int) -> None:
    """Child side of prefect_server_for_process: serve Prefect's API; exit when the parent is gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    def watchdog() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down on SIGTERM
        time.sleep(10)
        os._exit(1)

    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        return
    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=port,
                log_level="error", lifespan="on")
