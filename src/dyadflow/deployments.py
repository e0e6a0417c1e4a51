"""Read prefect.yaml and turn its deployments into served Prefect deployments."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    crons: tuple[str, ...] = ()
    timezone: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str | None = None


def read_prefect_yaml(path: Path) -> list[DeploymentSpec]:
    """The deployments declared in prefect.yaml."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    specs = []
    for d in doc.get("deployments") or []:
        scheds = d.get("schedules") or ([d["schedule"]] if d.get("schedule") else [])
        crons = tuple(s["cron"] for s in scheds if s and s.get("cron"))
        tz = next((s.get("timezone") for s in scheds if s and s.get("timezone")), None)
        specs.append(DeploymentSpec(name=d["name"], entrypoint=d["entrypoint"], crons=crons, timezone=tz,
                                    parameters=dict(d.get("parameters") or {}), description=d.get("description")))
    return specs


def load_entrypoint(entrypoint: str, project_dir: Path) -> Any:
    """Import `path/to/file.py:flow_name` relative to the project directory."""
    file_part, _, attr = entrypoint.partition(":")
    root = str(project_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    path = (project_dir / file_part).resolve()
    mod_name = ".".join(path.relative_to(project_dir).with_suffix("").parts)
    if importlib.util.find_spec(mod_name) is not None:
        module = importlib.import_module(mod_name)
    else:  # pragma: no cover - entrypoints outside a package
        spec = importlib.util.spec_from_file_location(mod_name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return getattr(module, attr)


def build_deployments(specs: list[DeploymentSpec], project_dir: Path) -> list[Any]:
    """Prefect RunnerDeployments (flow.to_deployment) with their cron schedules and parameters."""
    from prefect.schedules import Cron

    out = []
    for s in specs:
        flow = load_entrypoint(s.entrypoint, project_dir)
        schedules = [Cron(c, timezone=s.timezone or "UTC") for c in s.crons]
        params = {k: v for k, v in s.parameters.items() if v is not None}
        out.append(flow.to_deployment(name=s.name, schedules=schedules, parameters=params, description=s.description))
    return out


def serve_deployments(deployments: list[Any]) -> None:
    """Serve deployments with Prefect's Runner until Ctrl-C or SIGTERM; both stop it cleanly.

    Like prefect.serve, but on SIGTERM the runner's async stop is scheduled on its event loop
    (Prefect's handler calls the sync stop inside the loop: "coroutine 'Runner.astop' was never
    awaited") and serving ends normally, schedules paused.
    """
    import asyncio

    from prefect.runner import Runner

    class _Runner(Runner):
        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            self._logger.info("SIGTERM received, shutting down")
            loop = asyncio.get_running_loop()
            loop.call_soon_threadsafe(lambda: loop.create_task(self.astop()))

    runner = _Runner(pause_on_shutdown=True)
    for deployment in deployments:
        runner.add_deployment(deployment)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
