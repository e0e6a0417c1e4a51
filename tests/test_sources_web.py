"""Live sources against a real HTTP server on loopback: feeds, pages and hostile responses.

No Prefect and no parser here (fast); the flow-level tests (Prefect task retries, a scheduled
poll coded end to end) are in tests/test_sources_web_flow.py. No test touches the internet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dyadflow.pipeline import articles_to_code
from dyadflow.records import Article, Reject
from dyadflow.settings import Settings
from dyadflow.sources.http import (
    FetchError,
    FetchPolicy,
    HostRateLimiter,
    HttpFetcher,
    Kind,
    TransientFetchError,
)
from dyadflow.sources.state import SourceState, normalise_url
from dyadflow.sources.web import (
    SourcesConfig,
    SourcesError,
    SourceSpec,
    WebSource,
    extract_web,
    load_sources,
    parse_sources,
)
from dyadflow.store import ParquetStore
from loopback_http import LoopbackServer, Request, Response, drip, stream

POLICY = FetchPolicy(connect_timeout=2, read_timeout=0.5, total_timeout=1.5, max_bytes=256 * 1024,
                     max_redirects=3, rate_limit_seconds=0, user_agent="dyadflow-test/1.0")

# fictional news texts written for these tests
STORIES = {
    "a1": ("Norway and Chile sign fisheries pact",
           ["Norway and Chile signed a fisheries agreement in Oslo on Tuesday, the Norwegian foreign ministry said.",
            "The agreement sets joint quotas for the southern Pacific and creates a commission that meets twice "
            "a year to review the state of the fish stocks.",
            "Officials from both governments said the talks had taken more than two years."]),
    "a2": ("Police detain protesters in Nairobi",
           ["Kenyan police arrested dozens of protesters in Nairobi on Monday after a march against fuel prices.",
            "Witnesses said officers used tear gas near the central business district before the crowd dispersed "
            "in the early evening.",
            "Organisers said they would call another demonstration next week."]),
    "a3": ("Japan condemns missile launch",
           ["Japan condemned North Korea on Wednesday after a ballistic missile fell into the sea west of Hokkaido.",
            "The Japanese prime minister told reporters that the launch threatened regional security and that "
            "Tokyo had lodged a protest through diplomatic channels.",
            "South Korea said it was analysing the flight data with its allies."]),
    "a4": ("Brazil and Argentina hold trade talks",
           ["Brazil and Argentina held talks in Buenos Aires on Friday about tariffs on steel and farm goods.",
            "The two delegations agreed to meet again next month to draft a common position for the regional "
            "trade bloc, a statement from the Argentine government said.",
            "Neither side gave details of the proposals under discussion."]),
}


def html_page(title: str, paragraphs: list[str], *, clutter: bool = False, charset: str | None = None,
              date: str = "2024-05-02") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    furniture = ('<nav><a href="/">Home</a> <a href="/world">World</a> NAVIGATION-MENU Subscribe now</nav>'
                 '<script>var tracking = "SCRIPT-TEXT-MUST-NOT-APPEAR";</script>'
                 '<aside>Most read: ASIDE-LINKS</aside>') if clutter else ""
    footer = "<footer>FOOTER-COPYRIGHT Example Media Group</footer>" if clutter else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title>"
            f'<meta property="article:published_time" content="{date}"></head>'
            f"<body>{furniture}<article><h1>{title}</h1>{body}</article>{footer}</body></html>")


def rss(base: str, links: list[tuple[str, str]], title: str = "World desk") -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>{base}{link}</link><guid>{base}{link}</guid>"
        f"<pubDate>Tue, 30 Apr 2024 08:00:00 GMT</pubDate></item>" for link, t in links)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>Fictional test feed</description>{items}</channel></rss>").encode()


def atom(base: str, links: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{t}</title><link href="{base}{link}"/><id>{base}{link}</id>'
        f"<updated>2024-05-01T09:30:00Z</updated></entry>" for link, t in links)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Regional desk</title><id>{base}/atom</id><updated>2024-05-01T09:30:00Z</updated>"
            f"{entries}</feed>").encode()


def conditional(body: bytes, content_type: str, etag: str) -> object:
    """A route that answers 304 to a matching If-None-Match."""

    def route(req: Request) -> Response:
        if req.headers.get("if-none-match") == etag:
            return Response(304, b"", None, {"ETag": etag})
        return Response(200, body, content_type, {"ETag": etag, "Last-Modified": "Tue, 30 Apr 2024 08:00:00 GMT"})

    return route


def flaky(times: int, ok: Response) -> object:
    """500 for the first `times` requests, then ok."""
    calls = {"n": 0}

    def route(req: Request) -> Response:
        calls["n"] += 1
        return Response(500, b"busy", "text/plain") if calls["n"] <= times else ok

    return route


@pytest.fixture()
def site():
    with LoopbackServer() as srv:
        b = srv.base
        r = srv.routes
        r["/robots.txt"] = Response(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        for key, (title, paras) in STORIES.items():
            r[f"/news/{key}.html"] = Response(200, html_page(title, paras, clutter=True).encode())
        r["/feeds/world.xml"] = conditional(rss(b, [("/news/a1.html", STORIES["a1"][0]),
                                                    ("/news/a2.html", STORIES["a2"][0]),
                                                    ("/news/a3.html", STORIES["a3"][0])]),
                                            "application/rss+xml", '"world-v1"')
        # a2 again (with a tracking parameter) and a new item a4: duplicates across feeds
        r["/feeds/regional.atom"] = Response(200, atom(b, [("/news/a2.html?utm_source=rss", STORIES["a2"][0]),
                                                         ("/news/a4.html", STORIES["a4"][0])]),
                                             "application/atom+xml")
        yield srv


def web_source(srv: LoopbackServer, feeds=(), pages=(), policy: FetchPolicy = POLICY):
    config = SourcesConfig(feeds=tuple(SourceSpec(srv.url(f), outlet="Test Wire") for f in feeds),
                           pages=tuple(SourceSpec(srv.url(p)) for p in pages), policy=policy)
    return config


def run_items(config: SourcesConfig, seen=None) -> tuple[list[Article], list[Reject], WebSource]:
    with HttpFetcher(config.policy) as fetcher:
        src = WebSource(config, lambda u, k, e, lm: fetcher.fetch(u, k, etag=e, last_modified=lm), seen or {})
        items = list(src.items("run-1"))
    return ([i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)], src)


def fetch_error(srv: LoopbackServer, path: str, kind: Kind = Kind.PAGE, policy: FetchPolicy = POLICY) -> FetchError:
    with HttpFetcher(policy) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(srv.url(path), kind)
    return info.value


# ---- the fetcher: hostile responses ------------------------------------------------------------
def test_slow_response_times_out_as_transient(site: LoopbackServer) -> None:
    site.routes["/slow.html"] = Response(200, b"<p>late</p>", delay=1.5)
    err = fetch_error(site, "/slow.html")
    assert isinstance(err, TransientFetchError) and "timeout" in str(err)


def test_trickling_response_hits_the_total_deadline(site: LoopbackServer) -> None:
    site.routes["/drip.html"] = Response(200, drip(b"<p>" + b"y" * 60 + b"</p>", every=0.1))
    err = fetch_error(site, "/drip.html")
    assert isinstance(err, TransientFetchError) and "slow response" in str(err)


@pytest.mark.parametrize("declared", [True, False])
def test_huge_body_is_capped(site: LoopbackServer, declared: bool) -> None:
    body = b"<p>" + b"z" * (600 * 1024) + b"</p>"
    site.routes["/huge.html"] = Response(200, body, length=declared) if declared else Response(200, stream(600 * 1024))
    err = fetch_error(site, "/huge.html")
    assert not isinstance(err, TransientFetchError) and "too large" in str(err)


@pytest.mark.parametrize(("path", "kind", "ctype", "reason"), [
    ("/feed-as-html.xml", Kind.FEED, "text/html; charset=utf-8", "wrong content type 'text/html' for a feed"),
    ("/page.pdf", Kind.PAGE, "application/pdf", "wrong content type 'application/pdf' for a page"),
    ("/untyped", Kind.PAGE, None, "no content type"),
])
def test_content_type_is_checked(site: LoopbackServer, path: str, kind: Kind, ctype: str | None, reason: str) -> None:
    site.routes[path] = Response(200, b"<rss></rss>", ctype)
    assert reason in str(fetch_error(site, path, kind))


def test_redirect_loop_and_redirect_limit(site: LoopbackServer) -> None:
    site.routes["/loop/a"] = Response(302, b"", None, {"Location": "/loop/b"})
    site.routes["/loop/b"] = Response(302, b"", None, {"Location": "/loop/a"})
    assert "too many redirects" in str(fetch_error(site, "/loop/a"))
    site.routes["/hop"] = Response(301, b"", None, {"Location": "/news/a1.html"})
    with HttpFetcher(POLICY) as fetcher:
        res = fetcher.fetch(site.url("/hop"), Kind.PAGE)
    assert res.status == 200 and res.url.endswith("/news/a1.html")


def test_http_errors_permanent_and_transient(site: LoopbackServer) -> None:
    err = fetch_error(site, "/nowhere.html")
    assert "HTTP 404" in str(err) and not isinstance(err, TransientFetchError)
    site.routes["/boom.html"] = Response(500, b"oops", "text/plain")
    err = fetch_error(site, "/boom.html")
    assert "HTTP 500" in str(err) and isinstance(err, TransientFetchError)
    site.routes["/busy.html"] = Response(429, b"slow down", "text/plain")
    assert isinstance(fetch_error(site, "/busy.html"), TransientFetchError)


def test_robots_txt_is_respected(site: LoopbackServer) -> None:
    site.routes["/private/memo.html"] = Response(200, html_page("Memo", STORIES["a1"][1]).encode())
    assert "robots.txt" in str(fetch_error(site, "/private/memo.html"))
    assert site.hits("/private/memo.html") == []
    with HttpFetcher(POLICY) as fetcher:
        fetcher.fetch(site.url("/news/a1.html"), Kind.PAGE)
        fetcher.fetch(site.url("/news/a2.html"), Kind.PAGE)
    assert len(site.hits("/robots.txt")) == 2  # once per client (per run), not per request
    assert site.hits("/news/a1.html")[0].headers["user-agent"] == "dyadflow-test/1.0"


def test_robots_txt_server_error_means_disallow(site: LoopbackServer) -> None:
    site.routes["/robots.txt"] = Response(503, b"down", "text/plain")
    assert "robots.txt" in str(fetch_error(site, "/news/a1.html"))


def test_conditional_get_sends_validators(site: LoopbackServer) -> None:
    with HttpFetcher(POLICY) as fetcher:
        first = fetcher.fetch(site.url("/feeds/world.xml"), Kind.FEED)
        again = fetcher.fetch(site.url("/feeds/world.xml"), Kind.FEED, etag=first.etag,
                              last_modified=first.last_modified)
    assert first.status == 200 and first.etag == '"world-v1"' and first.last_modified
    assert again.not_modified and again.content == b""
    sent = site.hits("/feeds/world.xml")[-1].headers
    assert sent["if-none-match"] == '"world-v1"' and sent["if-modified-since"] == first.last_modified


def test_per_host_rate_limit_spaces_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = HostRateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.wait("http://a") == 0
    assert limiter.wait("http://b") == 0  # another host is not delayed
    assert limiter.wait("http://a") == pytest.approx(2.0)
    now[0] += 5
    assert limiter.wait("http://a") == 0
    assert slept == [pytest.approx(2.0)]


# ---- feeds and pages into articles and rejects --------------------------------------------------
def test_feeds_become_articles_with_provenance_and_cross_feed_duplicates_are_one(site: LoopbackServer) -> None:
    config = web_source(site, feeds=["/feeds/world.xml", "/feeds/regional.atom"])
    arts, rejs, src = run_items(config)
    by_url = {a.url: a for a in arts}
    assert len(arts) == 5 and rejs == []
    assert set(by_url) == {site.url(f"/news/a{i}.html") for i in (1, 2, 3, 4)}
    # a2 twice: fetched once, the second feed's copy is the same article (the collector makes it a duplicate)
    assert len(site.hits("/news/a2.html")) == 1
    from dyadflow.pipeline import collect_items

    articles, rejects = collect_items(iter(arts + rejs), "run-1")
    assert len(articles) == 4
    dup = [r for r in rejects if r.reason.startswith("duplicate content")]
    assert len(dup) == 1 and dup[0].path == site.url("/feeds/regional.atom")
    a1 = by_url[site.url("/news/a1.html")]
    assert a1.path == site.url("/feeds/world.xml")  # the feed it came from
    assert a1.ingested_at.tzinfo is not None and abs(a1.ingested_at - dt.datetime.now(dt.UTC)).total_seconds() < 60
    assert a1.published == dt.date(2024, 4, 30)  # from the feed entry, not the page
    assert a1.title == STORIES["a1"][0] and a1.source == "Test Wire"
    assert by_url[site.url("/news/a4.html")].published == dt.date(2024, 5, 1)  # Atom <updated>
    seen = {(s.url, s.kind): s for s in src.seen_updates}
    item = seen[(normalise_url(site.url("/news/a1.html")), "item")]
    assert item.feed == site.url("/feeds/world.xml") and item.doc_id == a1.doc_id and item.fetched_at


def test_page_with_script_and_navigation_keeps_only_the_article(site: LoopbackServer) -> None:
    arts, rejs, _ = run_items(web_source(site, pages=["/news/a3.html"]))
    assert rejs == [] and len(arts) == 1
    text = arts[0].text
    assert "Japan condemned North Korea" in text and "diplomatic channels" in text
    for noise in ("SCRIPT-TEXT", "NAVIGATION-MENU", "FOOTER-COPYRIGHT", "ASIDE-LINKS", "tracking"):
        assert noise not in text
    assert arts[0].published == dt.date(2024, 5, 2)  # a page's own date when there is no feed


@pytest.mark.parametrize(("encoding", "header", "meta"), [
    ("windows-1252", "text/html; charset=windows-1252", None),
    ("iso-8859-1", "text/html", "iso-8859-1"),
    ("cp1252", "text/html", None),  # neither: detected
    ("shift_jis", "text/html; charset=shift_jis", None),
])
def test_non_utf8_pages_are_decoded(site: LoopbackServer, encoding: str, header: str, meta: str | None) -> None:
    if encoding == "shift_jis":
        paras = ["東京で外務大臣が記者会見を開き、近隣諸国との協議を続けると述べた。" * 3,
                 "会見は午後に行われ、多くの記者が出席した。政府は声明を発表した。" * 3]
        expect = "東京で外務大臣"
    else:
        paras = ["Officials in Bogotá said the café owners’ association met the mayor on Thursday to discuss "
                 "the new curfew, which costs them about 5 € per customer.",
                 "The mayor’s office said the measure would be reviewed in São Paulo style consultations "
                 "with residents over the coming weeks."]
        expect = "Bogotá said the café owners’ association"
        if encoding == "iso-8859-1":  # no curly quotes or euro sign in Latin-1
            paras = [p.replace("\u2019", "'").replace("\u20ac", "euros") for p in paras]
            expect = expect.replace("\u2019", "'")
    body = html_page("Curfew talks", paras, charset=meta).encode(encoding)
    site.routes["/enc.html"] = Response(200, body, header)
    arts, rejs, _ = run_items(web_source(site, pages=["/enc.html"]))
    assert rejs == [] and expect in arts[0].text


def test_every_failure_is_a_reject_with_url_and_reason_and_the_run_goes_on(site: LoopbackServer) -> None:
    b = site.base
    site.routes["/feeds/broken.xml"] = Response(200, b"this is not xml at all {}", "application/rss+xml")
    site.routes["/feeds/html.xml"] = Response(200, b"<html><body>hi</body></html>", "text/html")
    site.routes["/feeds/slow.xml"] = Response(200, rss(b, []), "application/rss+xml", delay=1.5)
    site.routes["/feeds/err.xml"] = Response(500, b"oops", "text/plain")
    site.routes["/feeds/mixed.xml"] = Response(200, rss(b, [
        ("/news/gone.html", "Deleted story"), ("/loop/a", "Looping story"), ("/private/x.html", "Private"),
        ("/news/huge.html", "Huge story"), ("/news/empty.html", "Empty page"), ("/news/a1.html", "Good story")]),
        "application/rss+xml")
    site.routes["/loop/a"] = Response(302, b"", None, {"Location": "/loop/a"})
    site.routes["/news/huge.html"] = Response(200, stream(600 * 1024))
    site.routes["/news/empty.html"] = Response(200, b"<html><body><nav>Home</nav><script>x()</script></body></html>")
    feeds = ["/feeds/broken.xml", "/feeds/html.xml", "/feeds/slow.xml", "/feeds/err.xml", "/feeds/missing.xml",
             "/feeds/mixed.xml"]
    arts, rejs, src = run_items(web_source(site, feeds=feeds))
    assert [a.url for a in arts] == [site.url("/news/a1.html")]
    reasons = {r.path.removeprefix(b): r.reason for r in rejs}
    assert "malformed feed" in reasons["/feeds/broken.xml"]
    assert "wrong content type" in reasons["/feeds/html.xml"]
    assert "timeout" in reasons["/feeds/slow.xml"]
    assert "HTTP 500" in reasons["/feeds/err.xml"]
    assert "HTTP 404" in reasons["/feeds/missing.xml"]
    assert "HTTP 404" in reasons["/news/gone.html"]
    assert "too many redirects" in reasons["/loop/a"]
    assert "robots.txt" in reasons["/private/x.html"]
    assert "too large" in reasons["/news/huge.html"]
    assert "no main text" in reasons["/news/empty.html"]
    assert all(r.stage == "extract" and len(r.sha256) == 64 for r in rejs)
    assert {r.detail for r in rejs if r.path.startswith(b + "/news/")} == {f"feed {site.url('/feeds/mixed.xml')}"}
    # permanent item failures are remembered (not fetched every poll); transient ones are retried
    rejected = {s.url for s in src.seen_updates if s.status == "rejected"}
    assert normalise_url(site.url("/news/gone.html")) in rejected


def test_malformed_feed_with_recoverable_items_is_read_leniently(site: LoopbackServer) -> None:
    body = rss(site.base, [("/news/a1.html", "One")]).replace(b"</channel></rss>", b"<item><title>x")
    site.routes["/feeds/truncated.xml"] = Response(200, body, "application/rss+xml")
    arts, rejs, _ = run_items(web_source(site, feeds=["/feeds/truncated.xml"]))
    assert [a.url for a in arts] == [site.url("/news/a1.html")]
    assert [r.reason for r in rejs] == ["feed item without a link"]


# ---- state in the warehouse: seen URLs, conditional GET, superseded pages ------------------------
def _settings(tmp_path: Path) -> Settings:
    return Settings(warehouse_dir=tmp_path / "wh")


def _extract(srv: LoopbackServer, config: SourcesConfig, settings: Settings, run_id: str):
    store = ParquetStore(settings.data_dir, settings.schemas_dir)
    store.init()
    with HttpFetcher(config.policy) as fetcher:
        return extract_web(config, settings, store, run_id,
                           lambda u, k, e, lm: fetcher.fetch(u, k, etag=e, last_modified=lm)), store


def test_seen_urls_make_the_next_poll_fetch_only_new_items(site: LoopbackServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    config = web_source(site, feeds=["/feeds/world.xml"])
    first, store = _extract(site, config, settings, "r1")
    assert first.n_new_articles == 3
    second, _ = _extract(site, config, settings, "r2")
    assert second.n_articles == 0 and second.n_rejects == 0
    assert site.hits("/feeds/world.xml")[-1].headers.get("if-none-match") == '"world-v1"'  # answered 304
    assert all(len(site.hits(f"/news/a{i}.html")) == 1 for i in (1, 2, 3))
    # the feed gains one item: only that one is fetched
    site.routes["/feeds/world.xml"] = conditional(rss(site.base, [("/news/a4.html", "New"), ("/news/a1.html", "Old")]),
                                                  "application/rss+xml", '"world-v2"')
    third, _ = _extract(site, config, settings, "r3")
    assert third.n_new_articles == 1 and len(site.hits("/news/a1.html")) == 1
    seen = pd.read_parquet(store.state_dir / "seen_urls.parquet")
    assert set(seen["kind"]) == {"feed", "item"} and len(seen[seen["kind"] == "item"]) == 4
    assert seen["fetched_at"].notna().all()


def test_changed_page_supersedes_its_earlier_version(site: LoopbackServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    page = {"v": html_page(*STORIES["a1"])}
    site.routes["/statement.html"] = lambda req: Response(200, page["v"].encode())
    config = web_source(site, pages=["/statement.html"])
    first, store = _extract(site, config, settings, "r1")
    [old_id] = first.doc_ids
    coded = {"doc_id": old_id, "content_hash": "h", "coding_key": "k", "coder_version": "c",
             "dictionary_version": "d", "n_events": 1, "run_id": "r1", "coded_at": dt.datetime.now(dt.UTC)}
    store.commit_codings([coded])
    again, _ = _extract(site, config, settings, "r2")  # unchanged: nothing new, nothing superseded
    assert again.n_articles == 0 and SourceState(store).superseded_ids() == set()
    page["v"] = html_page(STORIES["a1"][0], [*STORIES["a1"][1], "Update: the agreement was ratified on Friday."])
    changed, _ = _extract(site, config, settings, "r3")
    [new_id] = changed.doc_ids
    assert new_id != old_id
    sup = SourceState(store).superseded()
    assert sup[old_id].superseded_by == new_id and sup[old_id].url == normalise_url(site.url("/statement.html"))
    assert old_id not in set(store.read_codings()["doc_id"])  # its events leave the views
    assert [a.doc_id for a in articles_to_code(store, "k")] == [new_id]  # only the new version is coded
    from dyadflow.warehouse import connect

    con = connect(settings.data_dir, settings.sql_dir)
    try:
        row = con.execute("select kind, doc_id, n_superseded, title from source_urls").fetchall()
        sup_row = con.execute("select doc_id, superseded_by from stg_superseded").fetchall()
    finally:
        con.close()
    assert row == [("page", new_id, 1, STORIES["a1"][0])] and sup_row == [(old_id, new_id)]


def test_sources_file_is_validated(tmp_path: Path, schemas_dir: Path) -> None:
    good = tmp_path / "sources.yaml"
    good.write_text("settings:\n  rate_limit_seconds: 2\n  retries: 1\nfeeds:\n"
                    "  - url: https://news.example.org/rss.xml\n    name: example\n    outlet: Example News\n"
                    "    language: en\npages:\n  - url: https://gov.example.org/statement\n", encoding="utf-8")
    cfg = load_sources(good, schemas_dir)
    assert cfg.feeds[0].outlet == "Example News" and cfg.pages[0].url.endswith("/statement")
    assert cfg.policy.rate_limit_seconds == 2 and cfg.retries == 1
    for doc, where in [({"feeds": [{"name": "no url"}]}, "'url' is a required property"),
                       ({"feeds": [{"url": "ftp://x/y"}]}, "does not match"),
                       ({"feed": []}, "Additional properties"),
                       ({"settings": {"max_bytes": "big"}}, "is not of type 'integer'")]:
        with pytest.raises(SourcesError, match=where):
            parse_sources(doc, schemas_dir)
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml", schemas_dir)


def test_undecodable_body_and_unexpected_errors_are_rejects(site: LoopbackServer, monkeypatch) -> None:
    site.routes["/gz.html"] = Response(200, b"not gzip at all", headers={"Content-Encoding": "gzip"})
    err = fetch_error(site, "/gz.html")
    assert "bad HTTP response" in str(err) and not isinstance(err, TransientFetchError)
    import feedparser

    real = feedparser.parse

    def parse(data, **kw):
        if b"World desk" in data:
            raise RuntimeError("parser exploded")
        return real(data, **kw)

    monkeypatch.setattr(feedparser, "parse", parse)
    arts, rejs, _ = run_items(web_source(site, feeds=["/feeds/world.xml", "/feeds/regional.atom"]))
    assert [r.reason for r in rejs] == ["unexpected error: RuntimeError: parser exploded"]
    assert {a.url for a in arts} == {site.url("/news/a2.html?utm_source=rss"), site.url("/news/a4.html")}


def test_fetcher_waits_between_requests_to_one_host(site: LoopbackServer) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = HostRateLimiter(10.0, clock=lambda: now[0], sleep=sleep)
    with HttpFetcher(POLICY, limiter=limiter) as fetcher:
        fetcher.fetch(site.url("/news/a1.html"), Kind.PAGE)
        fetcher.fetch(site.url("/news/a2.html"), Kind.PAGE)
    assert slept == [10.0, 10.0]  # robots.txt, then a1 after 10 s, a2 after another 10 s
