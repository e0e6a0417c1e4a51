"""HTTP fetching for live sources: httpx with timeouts, a size cap, a redirect limit, content-type
checks, conditional GET, a per-host rate limit and robots.txt.

`HttpFetcher.fetch` returns a `FetchResult` or raises `FetchError` (permanent: the reason goes to
rejects) or `TransientFetchError` (timeouts, connection errors, 5xx, 429: worth retrying; the
extract flow retries them as Prefect task retries with backoff).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "dyadflow/{version} (+event-data pipeline; respects robots.txt)"
ROBOTS_MAX_BYTES = 512 * 1024


class Kind(StrEnum):
    """What a URL is expected to hold (decides the Accept header and allowed content types)."""

    FEED = "feed"
    PAGE = "page"


ALLOWED_TYPES: dict[Kind, frozenset[str]] = {
    Kind.FEED: frozenset({
        "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
        "application/x-rss+xml", "application/x-atom+xml",
    }),
    Kind.PAGE: frozenset({"text/html", "application/xhtml+xml"}),
}
ACCEPT: dict[Kind, str] = {
    Kind.FEED: "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9",
    Kind.PAGE: "text/html, application/xhtml+xml;q=0.9",
}


class FetchError(Exception):
    """A fetch that failed for good; the message is the reject reason."""


class TransientFetchError(FetchError):
    """A fetch that failed in a way worth retrying (timeout, connection error, 5xx, 429)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one run's HTTP client (sources.yaml `settings:` overrides them)."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # a whole response (headers and body) must arrive within this
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    rate_limit_seconds: float = 1.0  # minimum interval between two requests to one host
    respect_robots: bool = True
    user_agent: str = ""


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response: body (empty when not modified) and the validators for the next request."""

    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class HostRateLimiter:
    """At most one request per `interval` seconds to each host (thread-safe; clock injectable)."""

    interval: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, host: str) -> float:
        """Block until a request to host is allowed; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.interval
        delay = at - now
        if delay > 0:
            self.sleep(delay)
        return delay


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            charset = v.strip().strip("\"'")
    return parts[0].lower() or None, charset


def host_of(url: str) -> str:
    """scheme://host[:port] of a URL (the unit of rate limits and robots.txt)."""
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}".lower()


class HttpFetcher:
    """One httpx client with the run's limits; use as a context manager."""

    def __init__(self, policy: FetchPolicy | None = None, *, transport: httpx.BaseTransport | None = None,
                 limiter: HostRateLimiter | None = None) -> None:
        from dyadflow import __version__

        self.policy = policy or FetchPolicy()
        self.user_agent = self.policy.user_agent or USER_AGENT.format(version=__version__)
        timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        self.client = httpx.Client(follow_redirects=True, max_redirects=self.policy.max_redirects, timeout=timeout,
                                   headers={"User-Agent": self.user_agent}, transport=transport, trust_env=False)
        self.limiter = limiter or HostRateLimiter(self.policy.rate_limit_seconds)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # ---- robots.txt ----------------------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """True when the host's robots.txt lets our user agent fetch url (RFC 9309 semantics)."""
        if not self.policy.respect_robots:
            return True
        host = host_of(url)
        with self._robots_lock:
            if host not in self._robots:
                self._robots[host] = self._read_robots(host)
            parser = self._robots[host]
        if parser is None:  # robots.txt unreachable (5xx, network): assume complete disallow
            return False
        return parser.can_fetch(self.user_agent, url)

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser(host + "/robots.txt")
        self.limiter.wait(host)
        try:
            with self.client.stream("GET", host + "/robots.txt") as resp:
                if 400 <= resp.status_code < 500:  # no robots.txt: everything allowed
                    parser.parse([])
                    return parser
                if resp.status_code >= 500:
                    return None
                body = self._read_body(resp, ROBOTS_MAX_BYTES, time.monotonic() + self.policy.total_timeout)
        except (httpx.HTTPError, FetchError) as exc:
            log.info("robots.txt of %s unreachable (%s): not fetching from it", host, exc)
            return None
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser

    # ---- fetch ---------------------------------------------------------------------------------
    def fetch(self, url: str, kind: Kind, *, etag: str | None = None,
              last_modified: str | None = None) -> FetchResult:
        """GET url (conditional when validators are given). Raises FetchError / TransientFetchError."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"unsupported URL scheme {scheme or '(none)'!r}")
        if not self.allowed(url):
            raise FetchError("disallowed by robots.txt")
        headers = {"Accept": ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.limiter.wait(host_of(url))
        deadline = time.monotonic() + self.policy.total_timeout
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                return self._result(resp, kind, deadline)
        except httpx.TooManyRedirects:
            raise FetchError(f"too many redirects (more than {self.policy.max_redirects}; a redirect loop?)") from None
        except httpx.TimeoutException as exc:
            raise TransientFetchError(f"timeout ({type(exc).__name__})") from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(f"unsupported redirect target: {exc}") from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}") from None
        except httpx.TransportError as exc:
            raise TransientFetchError(f"connection error ({type(exc).__name__}: {exc})") from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode as its Content-Encoding says
            raise FetchError(f"bad HTTP response ({type(exc).__name__}: {exc})") from None

    def _result(self, resp: httpx.Response, kind: Kind, deadline: float) -> FetchResult:
        status = resp.status_code
        now = dt.datetime.now(dt.UTC)
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        final = str(resp.url)
        if status == 304:
            return FetchResult(final, status, b"", None, None, etag, last_modified, now)
        if status in (408, 425, 429) or status >= 500:
            raise TransientFetchError(f"HTTP {status} {resp.reason_phrase}".rstrip())
        if status >= 400:
            raise FetchError(f"HTTP {status} {resp.reason_phrase}".rstrip())
        if status != 200:
            raise FetchError(f"unexpected HTTP status {status}")
        media, charset = _media_type(resp.headers.get("Content-Type"))
        if media is None:
            raise FetchError(f"no content type (expected {kind.value}: {', '.join(sorted(ALLOWED_TYPES[kind]))})")
        if media not in ALLOWED_TYPES[kind]:
            raise FetchError(f"wrong content type {media!r} for a {kind.value}")
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.policy.max_bytes:
            raise FetchError(f"response too large ({length} bytes > limit {self.policy.max_bytes})")
        body = self._read_body(resp, self.policy.max_bytes, deadline)
        return FetchResult(final, status, body, media, charset, etag, last_modified, now)

    def _read_body(self, resp: httpx.Response, limit: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response too large (more than limit {limit} bytes)")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TransientFetchError(f"slow response (not complete within {self.policy.total_timeout:g} s)")
        return b"".join(chunks)
