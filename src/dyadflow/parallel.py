"""Code many texts with N worker processes.

Each worker builds its own resources once (dyadflow.pipeline.build_resources, in the pool's
initializer), then parses and codes chunks of texts; results come back in input order. With
``processes=1`` everything runs in the calling process, with no pool. Workers start fresh
(forkserver, else spawn), so a script using processes > 1 needs the usual
``if __name__ == "__main__":`` guard, and cannot be fed to ``python -`` on stdin.

    results = code_texts([("d1", "Ankara criticised Moscow.", date(2024, 5, 1))], settings, processes=2)
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dyadflow.records import Event
from dyadflow.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from dyadflow.pipeline import CoderResources

log = logging.getLogger(__name__)

# (id, text, published) or (id, text, published, published_inferred)
Item = tuple[str, str, date | None] | tuple[str, str, date | None, bool] | tuple[str, str, date | None, bool, str | None]

DEFAULT_CHUNK_SIZE = 16
DEFAULT_BATCH_SIZE = 16
# workers start from a clean process, never a fork of one holding spaCy's thread pools;
# forkserver (POSIX) also works from interactive/stdin sessions, spawn is the portable fallback
START_METHODS = ("forkserver", "spawn")


class CodingError(RuntimeError):
    """One or more texts could not be coded (the message names the first few)."""


@dataclass(frozen=True, slots=True)
class Coded:
    """The events of one input text, or the error that stopped it."""

    doc_id: str
    events: tuple[Event, ...]
    error: str | None = None


# ---- work done inside one process --------------------------------------------------------
@functools.cache
def _worker_resources(settings: Settings, with_gazetteer: bool) -> CoderResources:
    """The resources of this process, built once (a per-process cache, not shared state)."""
    from dyadflow.pipeline import build_resources

    return build_resources(settings, with_gazetteer=with_gazetteer)


def _init_worker(settings: Settings, with_gazetteer: bool) -> None:
    """Pool initializer: load spaCy, lexicon and gazetteer before the first chunk arrives."""
    _worker_resources(settings, with_gazetteer)


def _unpack(item: Item) -> tuple[str, str, date | None, bool, str | None]:
    if len(item) == 5:
        doc_id, text, published, inferred, source = item  # type: ignore[misc]
        return str(doc_id), text, published, bool(inferred), source
    if len(item) == 4:
        doc_id, text, published, inferred = item  # type: ignore[misc]
        return str(doc_id), text, published, bool(inferred), None
    doc_id, text, published = item  # type: ignore[misc]
    return str(doc_id), text, published, False, None


def _code_one(res: CoderResources, doc: Any, item: tuple[str, str, date | None, bool, str | None]) -> Coded:
    from dyadflow.coder import code_article

    doc_id, _text, published, inferred, source = item
    try:
        events = code_article(doc, res.lexicon, published, doc_id=doc_id, gazetteer=res.gazetteer,
                              published_inferred=inferred, source=source)
    except Exception as exc:  # one bad text must not stop the others
        log.exception("coding failed for %s", doc_id)
        return Coded(doc_id, (), f"{type(exc).__name__}: {exc}")
    return Coded(doc_id, tuple(events))


def _docs(res: CoderResources, texts: list[str], batch_size: int) -> Iterator[Any]:
    """Parsed docs in order; when the batch parse fails, parse one by one (None for a failure)."""
    try:
        yield from list(res.nlp.pipe(texts, batch_size=batch_size))
        return
    except Exception:
        log.exception("batch parse failed; parsing texts one by one")
    for text in texts:
        try:
            yield res.nlp(text)
        except Exception:
            log.exception("parse failed")
            yield None


def code_chunk(res: CoderResources, items: Sequence[Item], batch_size: int = DEFAULT_BATCH_SIZE) -> list[Coded]:
    """Parse (nlp.pipe) and code a chunk of texts with the given resources."""
    unpacked = [_unpack(it) for it in items]
    out: list[Coded] = []
    for item, doc in zip(unpacked, _docs(res, [u[1] for u in unpacked], batch_size), strict=True):
        out.append(Coded(item[0], (), "parse failed") if doc is None else _code_one(res, doc, item))
    return out


def parse_chunk(res: CoderResources, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> list[int]:
    """Parse only (the baseline of the throughput benchmark): sentences per text."""
    return [sum(1 for _ in doc.sents) for doc in res.nlp.pipe(list(texts), batch_size=batch_size)]


def _pool_code(settings: Settings, with_gazetteer: bool, items: list[Item], batch_size: int) -> list[Coded]:
    return code_chunk(_worker_resources(settings, with_gazetteer), items, batch_size)


def _pool_parse(settings: Settings, with_gazetteer: bool, texts: list[str], batch_size: int) -> list[int]:
    return parse_chunk(_worker_resources(settings, with_gazetteer), texts, batch_size)


def _chunks(seq: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(seq[i:i + size]) for i in range(0, len(seq), size)]


# ---- the pool ----------------------------------------------------------------------------
class CoderPool:
    """N coding processes (or the calling process when processes=1), each with its own resources.

    Use as a context manager; ``code`` and ``parse`` keep input order.
    """

    def __init__(self, settings: Settings, processes: int = 1, *, with_gazetteer: bool = True,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, batch_size: int = DEFAULT_BATCH_SIZE,
                 resources: CoderResources | None = None) -> None:
        if processes < 1:
            raise ValueError(f"processes must be >= 1, got {processes}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self.settings = settings
        self.processes = processes
        self.with_gazetteer = with_gazetteer
        self.chunk_size = chunk_size
        self.batch_size = batch_size
        self._resources = resources
        self._executor: Executor | None = None

    # in-process resources (processes == 1)
    @property
    def resources(self) -> CoderResources:
        if self._resources is None:
            from dyadflow.pipeline import build_resources

            self._resources = build_resources(self.settings, with_gazetteer=self.with_gazetteer)
        return self._resources

    def _pool(self) -> Executor:
        if self._executor is None:
            method = next(m for m in START_METHODS if m in multiprocessing.get_all_start_methods())
            ctx = multiprocessing.get_context(method)
            self._executor = ProcessPoolExecutor(max_workers=self.processes, mp_context=ctx,
                                                 initializer=_init_worker,
                                                 initargs=(self.settings, self.with_gazetteer))
        return self._executor

    def warm_up(self) -> None:
        """Start every worker and load its resources now (so timings exclude start-up)."""
        if self.processes == 1:
            _ = self.resources
            return
        pool = self._pool()
        futures = [pool.submit(_pool_parse, self.settings, self.with_gazetteer, ["Warm up."], 1)
                   for _ in range(self.processes * 2)]
        for f in futures:
            f.result()

    def code(self, items: Sequence[Item]) -> list[Coded]:
        """Code every item; one Coded per item, in input order."""
        if not items:
            return []
        if self.processes == 1:
            return code_chunk(self.resources, items, self.batch_size)
        pool = self._pool()
        futures = [pool.submit(_pool_code, self.settings, self.with_gazetteer, chunk, self.batch_size)
                   for chunk in _chunks(items, self.chunk_size)]
        return [c for f in futures for c in f.result()]

    def parse(self, texts: Sequence[str]) -> list[int]:
        """Parse only (no coding); sentences per text, in input order."""
        if not texts:
            return []
        if self.processes == 1:
            return parse_chunk(self.resources, texts, self.batch_size)
        pool = self._pool()
        futures = [pool.submit(_pool_parse, self.settings, self.with_gazetteer, chunk, self.batch_size)
                   for chunk in _chunks(texts, self.chunk_size)]
        return [n for f in futures for n in f.result()]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> CoderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def code_items(items: Sequence[Item], settings: Settings, processes: int = 1, *,
               chunk_size: int = DEFAULT_CHUNK_SIZE, with_gazetteer: bool = True,
               resources: CoderResources | None = None) -> list[Coded]:
    """Code (id, text, published[, published_inferred]) items with N processes; errors kept per item."""
    with CoderPool(settings, processes, with_gazetteer=with_gazetteer, chunk_size=chunk_size,
                   resources=resources) as pool:
        return pool.code(items)


def code_texts(items: Sequence[Item], settings: Settings, processes: int = 1, *,
               chunk_size: int = DEFAULT_CHUNK_SIZE, with_gazetteer: bool = True,
               resources: CoderResources | None = None) -> list[list[Event]]:
    """The events of each (id, text, published) item, in input order, coded with N processes.

    Raises CodingError if any text failed (use code_items to keep going past failures).
    """
    coded = code_items(items, settings, processes, chunk_size=chunk_size, with_gazetteer=with_gazetteer,
                       resources=resources)
    failed = [c for c in coded if c.error is not None]
    if failed:
        names = ", ".join(f"{c.doc_id} ({c.error})" for c in failed[:3])
        raise CodingError(f"{len(failed)} of {len(coded)} texts failed: {names}")
    return [list(c.events) for c in coded]
