"""Coding at scale on Prefect task runners: worker processes on this machine, or a Dask cluster.

The code flow maps its batches of articles onto the task runner chosen by the settings
(`task_runner_for`):

    local, workers=1   ThreadPoolTaskRunner(1): batches run in the flow's own process
    local, workers=N   ProcessPoolTaskRunner(N): N worker processes on this machine
    dask               prefect-dask's DaskTaskRunner: the scheduler at dask_address
                       (tcp://HOST:8786), else a temporary LocalCluster of N worker processes

Every worker process builds its spaCy pipeline, lexicon and gazetteer once, on its first batch
(`worker_resources`, a per-process cache keyed by the settings that shape them), then codes
batch after batch with them. A batch's result (events, codings, rejects) goes back to the flow,
which stages it in the warehouse: workers need the project (seeds, model) but no access to the
warehouse. A worker whose coder or dictionaries differ from the flow's refuses to code
(CoderMismatch) instead of mixing versions.

In-process helpers for `dyadflow code` and the benchmarks: `code_items`, `LocalCoder`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from dyadflow.records import Event
from dyadflow.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from prefect.task_runners import TaskRunner

    from dyadflow.pipeline import CodeBatchResult, CoderResources
    from dyadflow.records import Article

log = logging.getLogger(__name__)

TASK_RUNNERS = ("local", "dask")
# Dask configuration of the workers of a temporary LocalCluster (a cluster at --dask-address is configured
# where it runs: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False, docs/deployment.md)
# (dotted keys: the nanny lays them over the flow process's whole configuration)
WORKER_DASK_CONFIG = {"distributed.worker.profile.enabled": False}
PARSE_BATCH_SIZE = 16

# (id, text, published[, published_inferred[, source]])
Item = tuple[Any, ...]
T = TypeVar("T")


class CoderMismatch(RuntimeError):
    """A worker's coder or dictionary version differs from the flow's."""


class CodingError(RuntimeError):
    """One or more texts could not be coded (the message names the first few)."""


# ---- resources, once per worker process ---------------------------------------------------------
@dataclass(frozen=True)
class ResourceKey:
    """The settings that shape a worker's resources (the per-process cache key)."""

    project_dir: str
    lexicon_dir: str | None
    lexicon_format: str
    spacy_model: str | None
    with_gazetteer: bool = True
    backoff: bool = False  # the coder's learned back-off (settings.backoff)
    backoff_threshold: float | None = None

    def settings(self) -> Settings:
        from pathlib import Path

        return Settings(project_dir=Path(self.project_dir),
                        lexicon_dir=Path(self.lexicon_dir) if self.lexicon_dir else None,
                        lexicon_format=self.lexicon_format, spacy_model=self.spacy_model,
                        backoff=self.backoff, backoff_threshold=self.backoff_threshold)


def resource_key(settings: Settings, with_gazetteer: bool = True) -> ResourceKey:
    """The cache key of the resources these settings need."""
    return ResourceKey(str(settings.project_dir), str(settings.lexicon_dir) if settings.lexicon_dir else None,
                       settings.lexicon_format, settings.spacy_model, with_gazetteer, settings.backoff,
                       settings.backoff_threshold)


class _ResourceCache:
    """The coder resources of this process, one per ResourceKey (the per-process cache)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # threads of one process share one build
        self._built: dict[ResourceKey, CoderResources] = {}
        self.builds = 0
        self.hits = 0

    def get(self, key: ResourceKey, coding_key: str | None = None) -> CoderResources:
        """The resources for key; rebuilt when they no longer code with coding_key (seeds edited)."""
        with self._lock:
            res = self._built.get(key)
            if res is not None and (coding_key is None or res.coding_key == coding_key):
                self.hits += 1
                return res
            from dyadflow.pipeline import build_resources

            log.info("building coder resources in this worker process (%s)", key)
            res = build_resources(key.settings(), with_gazetteer=key.with_gazetteer)
            self._built[key] = res
            self.builds += 1
            return res


_CACHE = _ResourceCache()


def cache_stats() -> tuple[int, int]:
    """(builds, hits) of this process's resource cache."""
    return _CACHE.builds, _CACHE.hits


def worker_resources(key: ResourceKey, coding_key: str | None = None) -> CoderResources:
    """This process's spaCy pipeline, lexicon and gazetteer for key, built on first use only (and again
    when the flow's coding key shows the seeds changed since)."""
    return _CACHE.get(key, coding_key)


def warm_worker(key: ResourceKey) -> None:
    """Worker-process initializer: build the resources before the first batch arrives."""
    worker_resources(key)


def prewarm(settings: Settings) -> threading.Thread | None:
    """Build this process's coder resources in a background thread, for the local runner with one
    worker (the flow then codes in this process): the build overlaps the start of Prefect's server.
    DYADFLOW_PREWARM=0 turns it off."""
    if settings.task_runner != "local" or settings.workers != 1 or os.environ.get("DYADFLOW_PREWARM") == "0":
        return None

    def build() -> None:
        try:
            warm_worker(resource_key(settings))
        except Exception:  # the flow builds again and reports the error where it belongs
            log.debug("prewarming the coder failed", exc_info=True)

    thread = threading.Thread(target=build, name="dyadflow-prewarm", daemon=True)
    thread.start()
    return thread


def code_on_worker(articles: Sequence[Article], settings: Settings, run_id: str,
                   coding_key: str) -> CodeBatchResult:
    """Parse and code one batch with this process's resources (the body of the code_batch task)."""
    from dyadflow.pipeline import code_articles

    res = worker_resources(resource_key(settings), coding_key)
    if res.coding_key != coding_key:
        raise CoderMismatch(f"this worker codes with key {res.coding_key} (coder {res.coder_version}, "
                            f"dictionaries {res.dictionary_version}), the flow with {coding_key}: deploy the "
                            "same dyadflow version and seeds on every worker")
    return code_articles(articles, res, run_id)


# ---- task runners -------------------------------------------------------------------------------
def check_runner_settings(settings: Settings) -> None:
    """Raise ValueError for an unknown task runner or a bad worker count."""
    if settings.task_runner not in TASK_RUNNERS:
        raise ValueError(f"task runner must be one of {', '.join(TASK_RUNNERS)}, got {settings.task_runner!r}")
    if settings.workers < 1:
        raise ValueError(f"workers must be at least 1, got {settings.workers}")
    if settings.dask_address and settings.task_runner != "dask":
        raise ValueError("a Dask address needs the dask task runner (--task-runner dask)")


def task_runner_for(settings: Settings) -> TaskRunner:
    """The Prefect task runner the code flow maps its batches on (see the module docstring)."""
    check_runner_settings(settings)
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # config: Dask's statistical profiler samples a worker's task thread every 10 ms (about 3%
        # of a core per worker here); our batches do not need it (deployment.md: the same for dask-worker)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None,
                                              "config": WORKER_DASK_CONFIG})
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if settings.workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=warm_worker,
                                 initargs=(resource_key(settings),))


def runner_slots(runner: TaskRunner | None, settings: Settings) -> int:
    """How many batches the runner codes at once: the threads of a Dask cluster's workers when it
    reports them (a cluster at --dask-address has its own size), else the workers of the settings."""
    if runner is not None and settings.task_runner == "dask":
        try:
            slots = sum(runner.client.nthreads().values())  # type: ignore[attr-defined]
        except Exception:  # a cluster that cannot answer (yet): the settings decide
            log.debug("could not count the Dask cluster's threads", exc_info=True)
            slots = 0
        if slots > 0:
            return slots
    return max(1, settings.workers)


def plan_batches(items: Sequence[T], batch_size: int, slots: int = 1) -> list[list[T]]:
    """Split items (in order) into the coding batches of one run.

    The rule: as few batches as the batch size allows, their number rounded up to a whole multiple
    of the runner's slots (workers x threads), sizes within one article of each other. Every
    batch is a task run, whose start and state events cost the same whatever its size, so few
    batches amortise that cost; whole rounds of equal batches keep every worker busy to the end
    (400 articles, batch size 64, 2 workers: 8 batches of 50, four per worker, not 6 x 64 + 16).
    """
    n = len(items)
    if n == 0:
        return []
    size, slots = max(1, batch_size), max(1, slots)
    k = -(-n // size)  # ceil: batches of at most batch_size articles
    k = min(n, -(-k // slots) * slots)  # whole rounds over the slots
    base, extra = divmod(n, k)
    out, start = [], 0
    for i in range(k):
        end = start + base + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def describe_runner(settings: Settings) -> str:
    """One line naming the task runner (for run summaries)."""
    if settings.task_runner == "dask":
        where = settings.dask_address or f"LocalCluster({settings.workers} workers)"
        return f"dask {where}"
    return f"local ({settings.workers} process{'es' if settings.workers > 1 else ''})"


# ---- in-process coding (dyadflow code, benchmarks) ----------------------------------------------
@dataclass(frozen=True, slots=True)
class Coded:
    """The events of one input text, or the error that stopped it."""

    doc_id: str
    events: tuple[Event, ...]
    error: str | None = None


def _unpack(item: Item) -> tuple[str, str, date | None, bool, str | None]:
    doc_id, text, published = item[0], item[1], item[2]
    inferred = bool(item[3]) if len(item) > 3 else False
    source = item[4] if len(item) > 4 else None
    return str(doc_id), text, published, inferred, source


def _docs(res: CoderResources, texts: list[str]) -> Iterator[Any]:
    """Parsed docs in order, one parse batch at a time (each batch's docs are coded and released
    before the next is parsed: holding every doc of a large item list costs ~15 % more parse CPU);
    when a batch's parse fails, its texts are parsed one by one (None for a failure)."""
    for lo in range(0, len(texts), PARSE_BATCH_SIZE):
        yield from _batch_docs(res, texts[lo : lo + PARSE_BATCH_SIZE])


def _batch_docs(res: CoderResources, texts: list[str]) -> Iterator[Any]:
    try:
        yield from list(res.nlp.pipe(texts, batch_size=PARSE_BATCH_SIZE))
        return
    except Exception:
        log.exception("batch parse failed; parsing texts one by one")
    for text in texts:
        try:
            yield res.nlp(text)
        except Exception:
            log.exception("parse failed")
            yield None


def code_with(res: CoderResources, items: Sequence[Item]) -> list[Coded]:
    """Parse (nlp.pipe) and code items with the given resources; one Coded per item, in order."""
    from dyadflow.coder import code_article

    unpacked = [_unpack(it) for it in items]
    out: list[Coded] = []
    for (doc_id, _text, published, inferred, source), doc in zip(unpacked, _docs(res, [u[1] for u in unpacked]),
                                                                 strict=True):
        if doc is None:
            out.append(Coded(doc_id, (), "parse failed"))
            continue
        try:
            events = code_article(doc, res.lexicon, published, doc_id=doc_id, gazetteer=res.gazetteer,
                                  published_inferred=inferred, source=source)
        except Exception as exc:  # one bad text must not stop the others
            log.exception("coding failed for %s", doc_id)
            out.append(Coded(doc_id, (), f"{type(exc).__name__}: {exc}"))
            continue
        out.append(Coded(doc_id, tuple(events)))
    return out


class LocalCoder:
    """The coder in this process (resources from the per-process cache): code and parse texts."""

    def __init__(self, settings: Settings, *, with_gazetteer: bool = True,
                 resources: CoderResources | None = None) -> None:
        self.settings = settings
        self.with_gazetteer = with_gazetteer
        self._resources = resources

    @property
    def resources(self) -> CoderResources:
        if self._resources is None:
            self._resources = worker_resources(resource_key(self.settings, self.with_gazetteer))
        return self._resources

    def warm_up(self) -> None:
        """Build the resources now (so timings exclude start-up)."""
        _ = self.resources

    def code(self, items: Sequence[Item]) -> list[Coded]:
        """Code every item; one Coded per item, in input order."""
        return code_with(self.resources, items) if items else []

    def parse(self, texts: Sequence[str]) -> list[int]:
        """Parse only (the benchmarks' baseline): sentences per text."""
        docs = self.resources.nlp.pipe(list(texts), batch_size=PARSE_BATCH_SIZE)
        return [sum(1 for _ in doc.sents) for doc in docs]


def code_chunk(items: Sequence[Item], resource: ResourceKey) -> list[Coded]:
    """Code items with this process's resources for `resource` (a function to map on Dask workers)."""
    return code_with(worker_resources(resource), items)


def code_items(items: Sequence[Item], settings: Settings, *, with_gazetteer: bool = True,
               resources: CoderResources | None = None) -> list[Coded]:
    """Code (id, text, published[, inferred[, source]]) items in this process; errors kept per item."""
    return LocalCoder(settings, with_gazetteer=with_gazetteer, resources=resources).code(items)


def code_texts(items: Sequence[Item], settings: Settings, *, with_gazetteer: bool = True,
               resources: CoderResources | None = None) -> list[list[Event]]:
    """The events of each item, in input order; raises CodingError if any text failed."""
    coded = code_items(items, settings, with_gazetteer=with_gazetteer, resources=resources)
    failed = [c for c in coded if c.error is not None]
    if failed:
        names = ", ".join(f"{c.doc_id} ({c.error})" for c in failed[:3])
        raise CodingError(f"{len(failed)} of {len(coded)} texts failed: {names}")
    return [list(c.events) for c in coded]
