"""Live sources: RSS/Atom feeds and single pages listed in a sources file (sources.yaml).

    feeds:                      # new items of each feed: fetched once, then remembered
      - url: https://news.example.org/world/rss.xml
        name: example-world
        outlet: Example News
        language: en
    pages:                      # re-fetched every poll (conditional GET); a changed text supersedes
      - url: https://ministry.example.org/statements/latest

The file is validated against schemas/sources.json. `WebSource` implements the source protocol:
every feed item and page ends as an Article (main text via trafilatura; published date from the
feed entry, else from the page) or a Reject with the URL and the reason. Fetching is injected
(`FetchFn`): the extract flow passes a Prefect task with retries, tests a plain HttpFetcher.

Provenance: an article's `url` is the fetched URL, its `path` the feed it came from (the page's
own URL for pages), `ingested_at` the fetch time; state/seen_urls.parquet keeps url, feed, doc id
and fetch time of every URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml

from dyadflow.records import Article, Reject, sha256_hex
from dyadflow.sources.base import SourceItem
from dyadflow.sources.http import FetchError, FetchPolicy, FetchResult, Kind, TransientFetchError
from dyadflow.sources.local import (
    InputError,
    decode_bytes,
    extract_html,
    longest_sentence_run,
    normalise_text,
    parse_published,
)
from dyadflow.sources.state import SeenUrl, Superseded, normalise_url

log = logging.getLogger(__name__)

FetchFn = Callable[[str, Kind, "str | None", "str | None"], FetchResult]
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
DEFAULT_MAX_ITEMS = 100


class SourcesError(ValueError):
    """The sources file is missing or does not satisfy schemas/sources.json."""


@dataclass(frozen=True)
class SourceSpec:
    """One feed or page of the sources file."""

    url: str
    name: str | None = None
    outlet: str | None = None
    language: str | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class SourcesConfig:
    """A validated sources file."""

    feeds: tuple[SourceSpec, ...] = ()
    pages: tuple[SourceSpec, ...] = ()
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    retries: int = 3
    retry_delay_seconds: float = 2.0
    max_items_per_feed: int = DEFAULT_MAX_ITEMS
    path: str | None = None


_POLICY_KEYS = {
    "connect_timeout_seconds": "connect_timeout", "read_timeout_seconds": "read_timeout",
    "total_timeout_seconds": "total_timeout", "max_bytes": "max_bytes", "max_redirects": "max_redirects",
    "rate_limit_seconds": "rate_limit_seconds", "respect_robots": "respect_robots", "user_agent": "user_agent",
}


def parse_sources(doc: Any, schemas_dir: Path, where: str = "sources") -> SourcesConfig:
    """A sources document (parsed YAML) validated against schemas/sources.json. Raises SourcesError."""
    import jsonschema

    schema = json.loads((Path(schemas_dir) / "sources.json").read_text(encoding="utf-8"))
    doc = {} if doc is None else doc
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        at = "/".join(str(p) for p in e.path) or "(top level)"
        raise SourcesError(f"{where}: {at}: {e.message}")
    settings = doc.get("settings") or {}
    policy = FetchPolicy(**{_POLICY_KEYS[k]: v for k, v in settings.items() if k in _POLICY_KEYS})

    def specs(key: str) -> tuple[SourceSpec, ...]:
        return tuple(SourceSpec(**item) for item in doc.get(key) or [])

    defaults = SourcesConfig()
    return SourcesConfig(
        feeds=specs("feeds"), pages=specs("pages"), policy=policy,
        retries=settings.get("retries", defaults.retries),
        retry_delay_seconds=settings.get("retry_delay_seconds", defaults.retry_delay_seconds),
        max_items_per_feed=settings.get("max_items_per_feed", defaults.max_items_per_feed), path=where,
    )


def load_sources(path: Path, schemas_dir: Path) -> SourcesConfig:
    """Read and validate a sources file. Raises SourcesError with the file and the offending key."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(doc, schemas_dir, str(path))


def decode_page(result: FetchResult) -> str:
    """Page bytes as text: the header's charset, else a <meta charset>, else detection. Raises InputError."""
    data = result.content
    candidates = [result.charset]
    m = _META_CHARSET.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for enc in candidates:
        if not enc:
            continue
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_bytes(data)[0]


def _short(value: Any, limit: int = 1000) -> str | None:
    """A metadata string (title, outlet, language): stripped, bounded, None when empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())[:limit]
    return text or None


def _entry_date(entry: Any) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            try:
                return parse_published(dt.date(t[0], t[1], t[2]))
            except (InputError, ValueError):
                return None
    return None


@dataclass
class WebSource:
    """Feeds and pages of a sources file as Articles and Rejects (the source protocol).

    `seen` is the state before the run; after items() is consumed, `seen_updates` and
    `superseded` hold what the caller persists once the articles are written.
    """

    config: SourcesConfig
    fetch: FetchFn
    seen: dict[tuple[str, str], SeenUrl] = field(default_factory=dict)
    max_doc_chars: int = 500_000
    max_sentence_chars: int = 20_000
    seen_updates: list[SeenUrl] = field(default_factory=list)
    superseded: list[Superseded] = field(default_factory=list)
    current_doc_ids: set[str] = field(default_factory=set)

    def items(self, run_id: str) -> Iterator[SourceItem]:
        """Every new feed item and changed page as an Article, every failure as a Reject."""
        fetched: dict[str, Article] = {}
        for spec in self.config.feeds:
            yield from self._guarded(self._feed(spec, run_id, fetched), spec.url, run_id)
        for spec in self.config.pages:
            yield from self._guarded(self._page(spec, run_id), spec.url, run_id)

    def _guarded(self, items: Iterator[SourceItem], url: str, run_id: str) -> Iterator[SourceItem]:
        """One feed or page: an unexpected error ends it with a reject, never the run."""
        try:
            yield from items
        except Exception as exc:  # a parser's or server's surprise is a reason, not a crash
            log.exception("unexpected error reading %s", url)
            yield self._reject(url, f"unexpected error: {type(exc).__name__}: {str(exc)[:300]}", run_id)

    # ---- feeds ---------------------------------------------------------------------------------
    def _feed(self, spec: SourceSpec, run_id: str, fetched: dict[str, Article]) -> Iterator[SourceItem]:
        import feedparser

        key = normalise_url(spec.url)
        prev = self.seen.get((key, "feed"))
        try:
            res = self.fetch(spec.url, Kind.FEED, prev and prev.etag, prev and prev.last_modified)
        except FetchError as exc:
            yield self._reject(spec.url, f"feed: {exc}", run_id)
            return
        if res.not_modified:
            self._remember(key, "feed", run_id, res, prev=prev)
            return
        parsed = feedparser.parse(res.content, response_headers={"content-type": res.content_type or "",
                                                                 "content-location": res.url})
        if not parsed.entries and (parsed.bozo or not parsed.version):
            why = parsed.get("bozo_exception") or "no RSS or Atom entries"
            yield self._reject(spec.url, f"malformed feed: {str(why)[:300]}", run_id, res.content)
            return
        self._remember(key, "feed", run_id, res, prev=prev)
        outlet = spec.outlet or spec.name or parsed.feed.get("title") or None
        limit = spec.max_items or self.config.max_items_per_feed
        for n, entry in enumerate(parsed.entries[:limit], start=1):
            link = entry.get("link")
            if not link:
                yield self._reject(spec.url, "feed item without a link", run_id, line=n,
                                   detail=str(entry.get("title") or entry.get("id") or "")[:300] or None)
                continue
            link = urljoin(res.url, link)
            item_key = normalise_url(link)
            if item_key in fetched:  # the same item in another feed: one article, this feed recorded
                yield dataclasses.replace(fetched[item_key], path=spec.url)
                continue
            if (item_key, "item") in self.seen:
                continue
            article = yield from self._item(link, item_key, entry, spec, outlet, run_id)
            if article is not None:
                fetched[item_key] = article

    def _item(self, link: str, key: str, entry: Any, spec: SourceSpec, outlet: str | None,
              run_id: str) -> Iterator[SourceItem]:
        try:
            page = self.fetch(link, Kind.PAGE, None, None)
            article = self._article(page, spec.url, spec, outlet, entry.get("title"), _entry_date(entry),
                                    entry.get("language"))
        except FetchError as exc:
            yield self._reject(link, str(exc), run_id, detail=f"feed {spec.url}")
            if not isinstance(exc, TransientFetchError):
                self._mark_rejected(key, "item", spec.url, run_id)
            return None
        except InputError as exc:
            yield self._reject(link, str(exc), run_id, page.content, detail=f"feed {spec.url}")
            self._mark_rejected(key, "item", spec.url, run_id)
            return None
        self._remember(key, "item", run_id, page, doc_id=article.doc_id, feed=spec.url)
        yield article
        return article

    # ---- pages ---------------------------------------------------------------------------------
    def _page(self, spec: SourceSpec, run_id: str) -> Iterator[SourceItem]:
        key = normalise_url(spec.url)
        prev = self.seen.get((key, "page"))
        try:
            res = self.fetch(spec.url, Kind.PAGE, prev and prev.etag, prev and prev.last_modified)
            if res.not_modified or (prev is not None and prev.content_hash == sha256_hex(res.content)
                                    and prev.doc_id is not None):
                self._remember(key, "page", run_id, res, prev=prev)
                return
            article = self._article(res, spec.url, spec, spec.outlet or spec.name, None, None, None)
        except FetchError as exc:
            yield self._reject(spec.url, str(exc), run_id)
            return
        except InputError as exc:
            yield self._reject(spec.url, str(exc), run_id, res.content)
            return
        self._remember(key, "page", run_id, res, doc_id=article.doc_id)
        self.current_doc_ids.add(article.doc_id)
        if prev is not None and prev.doc_id and prev.doc_id != article.doc_id:
            log.info("page %s changed: %s supersedes %s", spec.url, article.doc_id, prev.doc_id)
            self.superseded.append(Superseded(prev.doc_id, article.doc_id, key, res.fetched_at, run_id))
        if prev is not None and prev.doc_id == article.doc_id:
            return
        yield article

    # ---- helpers -------------------------------------------------------------------------------
    def _article(self, res: FetchResult, path: str, spec: SourceSpec, outlet: str | None, title: str | None,
                 published: dt.date | None, language: str | None) -> Article:
        html = decode_page(res)
        body, meta = extract_html(html)
        if published is None:
            try:
                published = parse_published(meta.get("published"))
            except InputError:
                published = None
        text = self._checked_text(body)
        article = Article(
            doc_id=sha256_hex(text)[:32], path=path, text=text, ingested_at=res.fetched_at,
            content_hash=sha256_hex(res.content), url=res.url, title=_short(title or meta.get("title")),
            source=_short(outlet), published=published, published_inferred=False,
            language=spec.language or _short(language),
        )
        if "origin" in Article.__dataclass_fields__:  # the article's identity: its URL
            article = dataclasses.replace(article, origin=normalise_url(res.url))  # type: ignore[call-arg]
        return article

    def _checked_text(self, body: str) -> str:
        """The normalised main text, or InputError (empty, too long, a pathological sentence)."""
        text = normalise_text(body).replace("\x00", "")
        if not text:
            raise InputError("no text (empty or whitespace-only body)")
        if len(text) > self.max_doc_chars:
            raise InputError(f"document too long ({len(text)} characters > limit {self.max_doc_chars})")
        run = longest_sentence_run(text)
        if run > self.max_sentence_chars:
            raise InputError(f"pathological sentence: {run} characters without a sentence end or line break "
                             f"(limit {self.max_sentence_chars})")
        return text

    def _remember(self, key: str, kind: str, run_id: str, res: FetchResult, *, prev: SeenUrl | None = None,
                  doc_id: str | None = None, feed: str | None = None) -> None:
        validators = prev if res.not_modified and prev is not None else res
        self.seen_updates.append(SeenUrl(
            url=key, kind=kind, status="ok", first_seen_at=prev.first_seen_at if prev else res.fetched_at,
            fetched_at=res.fetched_at, run_id=run_id, feed=feed or (prev.feed if prev else None),
            doc_id=doc_id or (prev.doc_id if prev else None), final_url=res.url,
            etag=validators.etag, last_modified=validators.last_modified,
            content_hash=(prev.content_hash if prev else None) if res.not_modified else sha256_hex(res.content),
        ))

    def _mark_rejected(self, key: str, kind: str, feed: str, run_id: str) -> None:
        now = dt.datetime.now(dt.UTC)
        self.seen_updates.append(SeenUrl(url=key, kind=kind, status="rejected", first_seen_at=now, fetched_at=now,
                                         run_id=run_id, feed=feed))

    def _reject(self, url: str, reason: str, run_id: str, data: bytes = b"", *, line: int | None = None,
                detail: str | None = None) -> Reject:
        log.warning("rejected %s: %s", url, reason)
        return Reject(path=url, stage="extract", reason=reason, sha256=sha256_hex(data), run_id=run_id,
                      rejected_at=dt.datetime.now(dt.UTC), line=line, detail=detail, n_bytes=len(data))



def extract_web(config: SourcesConfig, settings: Any, store: Any, run_id: str, fetch: FetchFn) -> Any:
    """Feeds and pages → articles/ and rejects/ Parquet, then the seen-URL state; returns an ExtractSummary.

    Order (each write atomic): articles and rejects first, then the seen state, then supersessions
    and the retirement of superseded codings; a run killed in between re-fetches and finds the
    same doc ids (nothing is lost, nothing is doubled).
    """
    from dyadflow.pipeline import ExtractSummary, collect_items
    from dyadflow.sources.state import SourceState

    state = SourceState(store)
    source = WebSource(config, fetch, state.seen(), max_doc_chars=settings.max_doc_chars,
                       max_sentence_chars=settings.max_sentence_chars)
    articles, rejects = collect_items(source.items(run_id), run_id)
    n_new = store.write_articles(articles)
    store.write_rejects(rejects)
    state.update_seen(source.seen_updates)
    if source.superseded or source.current_doc_ids & state.superseded_ids():
        state.update_superseded(source.superseded, current=source.current_doc_ids)
    n_retired = store.retire_codings(state.superseded_ids())
    if n_retired:
        log.info("retired the codings of %d superseded page version(s)", n_retired)
    return ExtractSummary(
        n_inputs=len(articles) + len(rejects), n_articles=len(articles), n_new_articles=n_new,
        n_duplicates=sum(1 for r in rejects if r.reason.startswith("duplicate content")),
        n_rejects=len(rejects), n_dates_inferred=sum(1 for a in articles if a.published_inferred),
        doc_ids=[a.doc_id for a in articles], rejects=rejects,
    )


def combine_summaries(a: Any, b: Any) -> Any:
    """Two ExtractSummary of one run (local files and live sources) as one."""
    return dataclasses.replace(
        a, n_inputs=a.n_inputs + b.n_inputs, n_articles=a.n_articles + b.n_articles,
        n_new_articles=a.n_new_articles + b.n_new_articles, n_duplicates=a.n_duplicates + b.n_duplicates,
        n_rejects=a.n_rejects + b.n_rejects, n_dates_inferred=a.n_dates_inferred + b.n_dates_inferred,
        doc_ids=[*a.doc_ids, *b.doc_ids], rejects=[*a.rejects, *b.rejects],
    )


def resolve_sources_path(value: str | Path, project_dir: Path) -> Path:
    """A sources file as given (absolute, or relative to the working directory), else relative to the project."""
    p = Path(value).expanduser()
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (Path(project_dir) / p).resolve()
