"""Library steps of the pipeline (extract, code, load). Flows wrap these; no Prefect here."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from dyadflow.records import Article, Event, Reject, sha256_hex
from dyadflow.settings import Settings
from dyadflow.sources import LocalFileSource
from dyadflow.store import ParquetStore, atomic_write_table, coding_key, to_table
from dyadflow.tableschema import table_schema

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]


def new_run_id() -> str:
    """A sortable, unique run id."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def _noop(_: int) -> None:
    return None


# ---- extract ---------------------------------------------------------------------------------
@dataclass
class ExtractSummary:
    n_inputs: int = 0
    n_articles: int = 0
    n_new_articles: int = 0
    n_duplicates: int = 0
    n_rejects: int = 0
    n_dates_inferred: int = 0
    n_warnings: int = 0  # articles kept with a warning (e.g. front matter read leniently)
    n_superseded: int = 0  # earlier articles of an origin that now holds other content
    doc_ids: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def infer_missing_dates(article: Article) -> Article:
    """Fill a missing publication date from the text (dateline, byline, weekday + date); mark it inferred."""
    if article.published is not None:
        return article
    from dyadflow.timeparse import infer_publication_date

    found = infer_publication_date(article.text, title=article.title)
    if found is None:
        return article
    return replace(article, published=found.value, published_inferred=True)


def read_inputs(paths: Sequence[Path], settings: Settings, run_id: str) -> tuple[list[Article], list[Reject]]:
    """Read every input into articles and rejects; identical content under two paths is one article."""
    source = LocalFileSource(paths, max_file_bytes=settings.max_file_bytes, max_doc_chars=settings.max_doc_chars,
                             max_sentence_chars=settings.max_sentence_chars)
    articles, rejects = collect_items(source.items(run_id), run_id)
    return keep_configured_languages(articles, rejects, settings, run_id)


def keep_configured_languages(articles: Sequence[Article], rejects: Sequence[Reject], settings: Settings,
                              run_id: str) -> tuple[list[Article], list[Reject]]:
    """Articles in a language with a configured model (declared, else detected); the others become rejects."""
    from dyadflow.language import article_language, unsupported_reason

    kept: list[Article] = []
    out = list(rejects)
    for art in articles:
        guess = article_language(art.language, art.text)
        reason = unsupported_reason(guess, settings.languages)
        if reason is None:
            kept.append(replace(art, language=guess.code))
            continue
        out.append(Reject(path=art.path, stage="extract", reason=reason, sha256=art.content_hash, run_id=run_id,
                          rejected_at=art.ingested_at, line=art.line, detail=f"doc_id {art.doc_id}"))
    return kept, out


def collect_items(items: Iterable[Article | Reject], run_id: str) -> tuple[list[Article], list[Reject]]:
    """A source's items as articles and rejects: identical content twice is one article (the
    second a duplicate reject); missing publication dates are inferred."""
    articles: dict[str, Article] = {}
    rejects: list[Reject] = []
    for item in items:
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        first = articles.get(item.doc_id)
        if first is not None:
            # the same relative path under two input roots is told apart by its origin
            ambiguous = item.path == first.path and item.origin and first.origin
            dup, name = first.duplicate_paths, item.origin if ambiguous else item.path
            articles[item.doc_id] = replace(first, duplicate_paths=f"{dup}|{name}" if dup else name,
                                            duplicate_origins=(*first.duplicate_origins, *([item.origin] if
                                                                                           item.origin else [])))
            of = first.origin if ambiguous else first.path
            rejects.append(Reject(path=item.path, stage="extract", reason=f"duplicate content of {of}",
                                  sha256=item.content_hash, run_id=run_id, rejected_at=item.ingested_at,
                                  line=item.line, detail=f"doc_id {item.doc_id}"))
            continue
        articles[item.doc_id] = infer_missing_dates(item)
    return list(articles.values()), rejects


def extract(paths: Sequence[Path], settings: Settings, store: ParquetStore, run_id: str) -> ExtractSummary:
    """Sources → articles/ and rejects/ Parquet."""
    from dyadflow.origins import OriginIndex

    articles, rejects = read_inputs(paths, settings, run_id)
    n_new = store.write_articles(articles)
    store.write_rejects(rejects)
    superseded = OriginIndex(store).record(articles, run_id)  # after the articles: never a dangling origin
    return ExtractSummary(
        n_inputs=len(articles) + len(rejects),
        n_articles=len(articles),
        n_new_articles=n_new,
        n_duplicates=sum(1 for r in rejects if r.reason.startswith("duplicate content")),
        n_rejects=len(rejects),
        n_dates_inferred=sum(1 for a in articles if a.published_inferred),
        n_warnings=sum(1 for a in articles if a.warnings),
        n_superseded=len(superseded),
        doc_ids=[a.doc_id for a in articles],
        rejects=rejects,
    )


# ---- code -----------------------------------------------------------------------------------
@dataclass
class CoderResources:
    """The spaCy pipeline, lexicon and gazetteer, built once per process and passed down."""

    nlp: Any
    lexicon: Any
    gazetteer: Any
    coder_version: str

    @property
    def dictionary_version(self) -> str:
        return str(self.lexicon.version)

    @property
    def coding_key(self) -> str:
        return coding_key(self.coder_version, self.dictionary_version)


def load_lexicon_for(settings: Settings) -> Any:
    """The lexicon named by the settings: native seeds, or a PETRARCH dictionary folder."""
    if settings.lexicon_format == "petrarch":
        if settings.lexicon_dir is None:
            raise ValueError("--lexicon-format petrarch needs --lexicon DIR")
        from dyadflow.petrarch import load_petrarch_lexicon

        return load_petrarch_lexicon(settings.lexicon_dir, seeds_dir=settings.seeds_dir,
                                     schemas_dir=settings.schemas_dir)
    from dyadflow.lexicon import load_lexicon

    seeds = settings.lexicon_dir or settings.seeds_dir
    lexicon = load_lexicon(seeds, settings.schemas_dir)
    # with the back-off on, the lexicon carries it: the coder version, and so the coding key, say so
    return replace(lexicon, backoff=load_backoff_stage(settings)) if settings.backoff else lexicon


def coder_version_for(lexicon: Any) -> str:
    """The version of the coder that codes with this lexicon (the one its events are stamped with)."""
    from dyadflow.coder import coder_for

    return coder_for(lexicon).version


def current_coding_key(lexicon: Any) -> str:
    """The coding key of this coder version with this lexicon (decides what must be re-coded)."""
    return coding_key(coder_version_for(lexicon), str(lexicon.version))


def build_resources(settings: Settings, *, with_gazetteer: bool = True, lexicon: Any = None) -> CoderResources:
    """Load lexicon, spaCy pipeline and gazetteer (the slow part of a run: done once)."""
    from dyadflow.nlp import build_nlp

    if lexicon is None:
        lexicon = load_lexicon_for(settings)
    if settings.backoff and getattr(lexicon, "engine", "native") == "native" and lexicon.backoff is None:
        lexicon = replace(lexicon, backoff=load_backoff_stage(settings))
    nlp = build_nlp(lexicon, model=settings.spacy_model)
    gazetteer = None
    if with_gazetteer:
        from dyadflow.geo import Gazetteer

        gazetteer = Gazetteer.from_package()
    return CoderResources(nlp=nlp, lexicon=lexicon, gazetteer=gazetteer, coder_version=coder_version_for(lexicon))


def load_backoff_stage(settings: Settings) -> Any:
    """The coder's learned back-off stage: encoder and classifier trained on the project's examples
    (cached in settings.backoff_cache_dir), threshold calibrated on them unless set."""
    from dyadflow.backoff import Backoff
    from dyadflow.coder.backoff_stage import BackoffStage

    classifier = Backoff.load(settings.seeds_dir, settings.schemas_dir, threshold=settings.backoff_threshold,
                              cache_dir=settings.backoff_cache_dir)
    log.info("learned back-off on (threshold %.3f)", classifier.threshold)
    return BackoffStage(classifier)


def articles_to_code(store: ParquetStore, key: str, doc_ids: Iterable[str] | None = None) -> list[Article]:
    """Articles whose current coding is missing or was made with another coder/dictionary key."""
    codings = store.read_codings()
    done: set[str] = set()
    if not codings.empty:
        done = set(codings.loc[codings["coding_key"] == key, "doc_id"])
    wanted = store.known_article_ids() if doc_ids is None else set(doc_ids)
    from dyadflow.origins import OriginIndex

    wanted -= OriginIndex(store).superseded_ids()  # earlier content of an edited file or JSONL line
    from dyadflow.sources.state import SourceState

    todo = wanted - done - SourceState(store).superseded_ids()  # earlier versions of changed pages
    if not todo:  # the usual scheduled re-run: no article text needs to be read
        return []
    return store.read_articles(todo)


@dataclass
class CodeBatchResult:
    events: list[Event] = field(default_factory=list)
    codings: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def code_articles(articles: Sequence[Article], res: CoderResources, run_id: str,
                  progress: ProgressFn = _noop, pool: Any = None) -> CodeBatchResult:
    """Parse and code every article (in-process with nlp.pipe, or with `pool`, any
    object with .code(items) such as dyadflow.scaleout.LocalCoder).

    An article that cannot be coded becomes a reject with the reason, and is committed with zero
    events so that later runs do not retry it until its text (or the coder/dictionary) changes.
    """
    from dyadflow.settings import MAX_DOC_CHARS

    out = CodeBatchResult()
    now = dt.datetime.now(dt.UTC)

    def coding(art: Article, n_events: int) -> dict[str, Any]:
        return {"doc_id": art.doc_id, "content_hash": art.content_hash, "coding_key": res.coding_key,
                "coder_version": res.coder_version, "dictionary_version": res.dictionary_version,
                "n_events": n_events, "run_id": run_id, "coded_at": now}

    def reject(art: Article, reason: str) -> None:
        out.rejects.append(Reject(path=art.path, stage="code", reason=reason, sha256=sha256_hex(art.text),
                                  run_id=run_id, rejected_at=now, detail=f"doc_id {art.doc_id}"))
        out.codings.append(coding(art, 0))
        progress(1)

    # the one document limit (settings.MAX_DOC_CHARS = the parser's max_length), enforced at extract;
    # an article stored by an older version with a larger limit is refused here, not retried
    limit = min(MAX_DOC_CHARS, getattr(res.nlp, "max_length", MAX_DOC_CHARS) if res.nlp is not None else MAX_DOC_CHARS)
    for a in articles:
        if len(a.text) > limit:  # nlp.pipe would raise for the whole batch
            reject(a, f"document longer than the parser's limit ({len(a.text)} > {limit} characters)")
    articles = [a for a in articles if len(a.text) <= limit]
    for art, events, error in _coded(articles, res, pool):
        if error is not None:
            log.error("coding failed for %s: %s", art.path, error)
            reject(art, f"coder error: {error}")
            continue
        events = [replace(e, run_id=run_id, source_outlet=e.source_outlet or art.source) for e in events]
        out.events.extend(events)
        out.codings.append(coding(art, len({e.event_id for e in events})))  # stored rows are unique by event_id
        progress(1)
    return out


def _coded(articles: Sequence[Article], res: CoderResources, pool: Any
           ) -> Iterable[tuple[Article, Sequence[Event], str | None]]:
    """(article, events, error) for each article, in order."""
    if pool is not None:
        items = [(a.doc_id, a.text, a.published, a.published_inferred, a.source) for a in articles]
        for art, coded in zip(articles, pool.code(items), strict=True):
            yield art, coded.events, coded.error
        return
    from dyadflow.coder import code_article

    for art, doc in zip(articles, res.nlp.pipe((a.text for a in articles), batch_size=16), strict=True):
        try:
            events = code_article(doc, res.lexicon, art.published, doc_id=art.doc_id, gazetteer=res.gazetteer,
                                  published_inferred=art.published_inferred, source=art.source)
        except Exception as exc:  # one bad article must not stop the run
            log.debug("coder traceback for %s", art.path, exc_info=True)
            yield art, (), f"{type(exc).__name__}: {exc}"
            continue
        yield art, events, None


def stage_batch(store: ParquetStore, batch: CodeBatchResult, run_id: str, batch_no: int) -> Path | None:
    """Write a coded batch to staging/ (events first, codings last = the batch is complete)."""
    if not batch.codings:
        return None
    import pyarrow as pa

    from dyadflow.store import CODINGS_FIELDS

    staging = store.root / "staging"
    name = f"{run_id}-{batch_no:05d}"
    events_table = to_table([e.to_row() for e in batch.events], table_schema(store.schemas_dir, "events"))
    atomic_write_table(events_table, staging / f"{name}.events.parquet")
    codings = pd.DataFrame(batch.codings, columns=CODINGS_FIELDS.names)
    codings["coded_at"] = pd.to_datetime(codings["coded_at"], utc=True)
    atomic_write_table(pa.Table.from_pandas(codings, schema=CODINGS_FIELDS, preserve_index=False),
                       staging / f"{name}.codings.parquet")
    return staging / f"{name}.codings.parquet"


# ---- load -----------------------------------------------------------------------------------
@dataclass
class LoadSummary:
    n_batches: int = 0
    n_docs: int = 0
    n_events: int = 0
    n_retired: int = 0  # codings of superseded articles dropped (their events left the views)
    views: list[str] = field(default_factory=list)


def _events_file(codings_file: Path) -> Path:
    return codings_file.with_name(codings_file.name.replace(".codings.parquet", ".events.parquet"))


def complete_staged_batches(store: ParquetStore) -> list[Path]:
    """The codings files of complete staged batches; removes what no load may use.

    stage_batch writes a batch's events file first and its codings file last, so an events file
    without codings is a batch killed mid-write (or a load killed mid-cleanup): removed. A codings
    file without its events file cannot come from a kill (only from outside damage): it is
    removed too, not committed with zero events; its articles are re-coded by the next run.
    Must run under the warehouse lock (a concurrent code flow's half-written batch would look
    the same).
    """
    staging = store.root / "staging"
    if not staging.exists():
        return []
    complete = []
    for cpath in sorted(staging.glob("*.codings.parquet")):
        if _events_file(cpath).exists():
            complete.append(cpath)
            continue
        log.warning("staged batch %s has no events file: dropped, its articles will be re-coded", cpath.name)
        with contextlib.suppress(FileNotFoundError):
            cpath.unlink()
    names = {_events_file(c).name for c in complete}
    for orphan in sorted(staging.glob("*.events.parquet")):
        if orphan.name not in names:
            log.info("removed staged events of an interrupted batch: %s", orphan.name)
            with contextlib.suppress(FileNotFoundError):
                orphan.unlink()
    return complete


def load_staged(store: ParquetStore) -> LoadSummary:
    """Merge complete staged batches into the event partitions, commit their codings, prune old rows.

    The three phases of the store's commit protocol (dyadflow.store): a kill at any moment leaves
    every doc's visible events all old or all new; the next load finishes the job.
    """
    from dyadflow.location import read_table

    summary = LoadSummary()
    batches = complete_staged_batches(store)
    if batches:
        codings_frames = []
        events_by_doc: dict[str, list[dict[str, Any]]] = {}
        for cpath in batches:
            codings = read_table(cpath).to_pandas()
            events = read_table(_events_file(cpath)).to_pandas()
            codings_frames.append(codings)
            for doc_id in codings["doc_id"]:  # later batches win for the same doc
                events_by_doc[doc_id] = []
            for row in events.to_dict("records"):
                events_by_doc.setdefault(row["doc_id"], []).append(row)
        all_codings = pd.concat(codings_frames, ignore_index=True).drop_duplicates("doc_id", keep="last")
        coded = set(all_codings["doc_id"])
        rows = [r for doc_id, rs in events_by_doc.items() if doc_id in coded for r in rs]
        records = all_codings.to_dict("records")
        summary.n_events = store.stage_event_rows(rows, records)  # phase 1: old and new rows side by side
        store.commit_codings(records)  # phase 2: the docs switch to their new rows at once
        for cpath in batches:
            with contextlib.suppress(FileNotFoundError):
                cpath.unlink()
            with contextlib.suppress(FileNotFoundError):
                _events_file(cpath).unlink()
        summary.n_batches = len(batches)
        summary.n_docs = len(all_codings)
    from dyadflow.origins import retire_superseded_codings

    summary.n_retired = retire_superseded_codings(store)  # superseded articles: their events leave the views
    n_pruned = store.prune_events()  # phase 3 (also finishes the prune of a load killed before it)
    if n_pruned:
        log.info("pruned %d event rows of previous codings", n_pruned)
    return summary


class LoadCheckError(RuntimeError):
    """The warehouse after a load breaks its invariant: coded articles without exactly their events."""


def check_load(settings: Settings) -> None:
    """Fail loudly unless the committed coding of each coded article has exactly its events in the
    views (warehouse/90_load_check.sql); run after every load."""
    import duckdb

    from dyadflow.location import register_filesystem

    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        register_filesystem(con, settings.data_dir)  # a warehouse on object storage is read through fsspec
        n_bad = con.execute("select count(*) from load_check").fetchone()[0]  # type: ignore[index]
        if not n_bad:
            return
        examples = con.execute("select doc_id, committed_coder_version, n_committed, n_visible, "
                               "visible_coder_version from load_check order by doc_id limit 3").fetchall()
    finally:
        con.close()
    shown = "; ".join(f"doc {d}: coding {cv} says {n} events, the views show {v}"
                      + (f" (stamped {vv})" if vv and vv != cv else "") for d, cv, n, v, vv in examples)
    raise LoadCheckError(f"load check failed: {n_bad} coded article(s) do not have exactly their committed "
                         f"events in the views ({shown}); see the load_check view")


def refresh_warehouse(settings: Settings) -> list[str]:
    """Apply warehouse/*.sql to the warehouse's DuckDB file."""
    from dyadflow.warehouse import refresh

    return refresh(settings.data_dir, settings.sql_dir)
