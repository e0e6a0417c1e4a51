"""Local files and folders: .txt/.md (optional front matter), .jsonl (one article a line), .html."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dyadflow.records import Article, Reject, sha256_hex
from dyadflow.sources.base import SourceItem

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES
MAX_FRONT_MATTER_BYTES = 64 * 1024
MIN_YEAR = 1900
MAX_FUTURE_DAYS = 2


class InputError(ValueError):
    """An input that cannot become an article; the message is the reject reason."""


class _NoAliasSafeLoader(yaml.SafeLoader):
    """YAML safe loader that refuses aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise InputError(f"front matter uses a YAML alias ({event.anchor!r}); aliases are not allowed")
        return super().compose_node(parent, index)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode input bytes: UTF-8 (with or without BOM), else a detected encoding. Raises InputError."""
    if not data.strip():
        raise InputError("empty file")
    if b"\x00" in data[:8192] and not (data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff")):
        raise InputError("binary content (NUL bytes); not a text document")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable bytes: not UTF-8 and no text encoding detected")
    text = str(best)
    # refuse text that is mostly control or private-use characters (binary misread as text)
    sample = text[:4000]
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\n\r\t")
    if sample and bad / len(sample) > 0.05:
        raise InputError(f"binary content (decoded as {best.encoding} but {bad} control characters)")
    return text, best.encoding


def normalise_text(text: str) -> str:
    """NFC, unified newlines, stripped trailing spaces; the text that is hashed and coded."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.rstrip() for ln in text.split("\n")]
    return "\n".join(lines).strip()


def parse_published(value: Any, *, today: dt.date | None = None) -> dt.date | None:
    """A front-matter / JSON publication date (YYYY-MM-DD) checked for sanity. Raises InputError."""
    if value is None or value == "":
        return None
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    elif isinstance(value, str):
        s = value.strip()
        try:
            d = dt.date.fromisoformat(s[:10])
        except ValueError:
            raise InputError(f"invalid published date {value!r} (expected YYYY-MM-DD)") from None
    else:
        raise InputError(f"invalid published date {value!r} (expected YYYY-MM-DD)")
    if d.year < MIN_YEAR or d > today + dt.timedelta(days=MAX_FUTURE_DAYS):
        raise InputError(f"absurd published date {d.isoformat()} (outside {MIN_YEAR}..today)")
    return d


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional '---' front matter from the body. Raises InputError when it is malformed."""
    if not text.startswith("---"):
        return {}, text
    first_nl = text.find("\n")
    if first_nl == -1 or text[:first_nl].strip() != "---":
        return {}, text
    end = text.find("\n---", first_nl)
    while end != -1 and text[end + 4 : end + 5] not in ("", "\n"):
        end = text.find("\n---", end + 4)
    if end == -1:
        raise InputError("unterminated front matter (opening '---' without a closing '---')")
    raw = text[first_nl + 1 : end]
    if len(raw.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise InputError(f"front matter larger than {MAX_FRONT_MATTER_BYTES} bytes")
    try:
        meta = yaml.load(raw, Loader=_NoAliasSafeLoader)  # noqa: S506 - safe loader without aliases
    except InputError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise InputError(f"malformed front matter{where}: {getattr(exc, 'problem', None) or exc}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError("malformed front matter: expected key: value pairs")
    return meta, text[end + 4 :].lstrip("\n")


def extract_html(html: str) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of an HTML page via trafilatura (no scripts, styles or navigation)."""
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True, deduplicate=True
    )
    meta: dict[str, Any] = {}
    try:
        md = trafilatura.extract_metadata(html)
    except Exception:  # metadata is optional; the text decides
        md = None
    if md is not None:
        meta = {"title": md.title, "published": md.date, "url": md.url, "source": md.sitename}
    if not text or not text.strip():
        raise InputError("no main text found in HTML")
    return text, meta


def _meta_str(meta: dict[str, Any], key: str) -> str | None:
    v = meta.get(key)
    if v is None:
        return None
    if isinstance(v, list | dict):
        raise InputError(f"front matter field {key!r} must be a single value")
    s = str(v).strip()
    return s or None


@dataclass
class LocalFileSource:
    """Files and folders on disk (folders recursively, symlinks may not leave the input root)."""

    paths: Sequence[Path]
    max_file_bytes: int = 50 * 1024 * 1024
    max_doc_chars: int = 2_000_000
    today: dt.date | None = None

    def files(self) -> Iterator[tuple[Path, Path]]:
        """(file, root) pairs in a stable order."""
        for p in self.paths:
            p = Path(p).expanduser()
            if p.is_dir():
                root = p.resolve()
                for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
                    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                    for name in sorted(filenames):
                        if name.startswith("."):
                            continue
                        yield Path(dirpath) / name, root
            else:
                yield p, p.resolve().parent if not p.is_symlink() else p.absolute().parent

    def items(self, run_id: str) -> Iterator[SourceItem]:
        now = dt.datetime.now(dt.UTC)
        for path, root in self.files():
            yield from self._read_file(path, root, run_id, now)

    # -- helpers --------------------------------------------------------------------------
    def _reject(self, rel: str, reason: str, data: bytes, run_id: str, now: dt.datetime,
                line: int | None = None, detail: str | None = None) -> Reject:
        log.warning("rejected %s%s: %s", rel, f":{line}" if line else "", reason)
        return Reject(path=rel, stage="extract", reason=reason, sha256=sha256_hex(data), run_id=run_id,
                      rejected_at=now, line=line, detail=detail, n_bytes=len(data))

    def _read_file(self, path: Path, root: Path, run_id: str, now: dt.datetime) -> Iterator[SourceItem]:
        try:
            rel = str(path.absolute().relative_to(root)) if path.absolute().is_relative_to(root) else str(path)
        except ValueError:
            rel = str(path)
        if not path.exists():
            yield self._reject(rel, "file not found (or a broken symlink)", b"", run_id, now)
            return
        real = path.resolve()
        if path.is_symlink() and not real.is_relative_to(root):
            yield self._reject(rel, f"symlink leaves the input root ({real})", b"", run_id, now)
            return
        if not real.is_file():
            yield self._reject(rel, "not a regular file", b"", run_id, now)
            return
        suffix = path.suffix.lower()
        size = real.stat().st_size
        if suffix in JSONL_SUFFIXES:
            yield from self._read_jsonl(real, rel, run_id, now)
            return
        if suffix not in SUPPORTED_SUFFIXES:
            head = real.open("rb").read(1 << 20)
            yield self._reject(rel, f"unsupported format {suffix or '(no extension)'!r}; "
                               f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}", head, run_id, now)
            return
        if size > self.max_file_bytes:
            h = _hash_file(real)
            yield Reject(path=rel, stage="extract", sha256=h, run_id=run_id, rejected_at=now, n_bytes=size,
                         reason=f"file too large ({size} bytes > limit {self.max_file_bytes})")
            return
        data = real.read_bytes()
        try:
            text, _enc = decode_bytes(data)
            meta: dict[str, Any] = {}
            if suffix in HTML_SUFFIXES:
                body, meta = extract_html(text)
            else:
                meta, body = split_front_matter(text)
            yield self._article(meta, body, rel, data, now)
        except InputError as exc:
            yield self._reject(rel, str(exc), data, run_id, now)

    def _read_jsonl(self, real: Path, rel: str, run_id: str, now: dt.datetime) -> Iterator[SourceItem]:
        n_ok = 0
        with real.open("rb") as fh:
            lineno = 0
            while True:
                raw = fh.readline(self.max_file_bytes + 1)
                if not raw:
                    break
                lineno += 1
                if len(raw) > self.max_file_bytes and not raw.endswith(b"\n"):
                    # drain the rest of the over-long line
                    h = _hash_stream_rest(fh, raw)
                    yield Reject(path=rel, line=lineno, stage="extract", sha256=h, run_id=run_id, rejected_at=now,
                                 reason=f"JSONL line longer than limit {self.max_file_bytes} bytes")
                    continue
                if not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8-sig")
                    try:
                        obj = json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise InputError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
                    if not isinstance(obj, dict):
                        raise InputError("JSONL line is not an object")
                    body = obj.get("text")
                    if not isinstance(body, str):
                        raise InputError("missing or non-string 'text' field")
                    meta = {k: obj.get(k) for k in ("title", "published", "source", "url", "language", "id")}
                    yield self._article(meta, body, f"{rel}#{obj.get('id') or lineno}", raw, now)
                    n_ok += 1
                except UnicodeDecodeError:
                    yield self._reject(rel, "JSONL line is not valid UTF-8", raw, run_id, now, line=lineno)
                except InputError as exc:
                    yield self._reject(rel, str(exc), raw, run_id, now, line=lineno)
        if lineno == 0:
            yield self._reject(rel, "empty file", b"", run_id, now)

    def _article(self, meta: dict[str, Any], body: str, rel: str, raw: bytes, now: dt.datetime) -> Article:
        text = normalise_text(body)
        if not text:
            raise InputError("no text (empty or whitespace-only body)")
        if len(text) > self.max_doc_chars:
            raise InputError(f"document too long ({len(text)} characters > limit {self.max_doc_chars})")
        published = parse_published(meta.get("published"), today=self.today)
        language = _meta_str(meta, "language")
        return Article(
            doc_id=sha256_hex(text)[:32],
            path=rel,
            text=text,
            ingested_at=now,
            content_hash=sha256_hex(raw),
            url=_meta_str(meta, "url"),
            title=_meta_str(meta, "title"),
            source=_meta_str(meta, "source"),
            published=published,
            published_inferred=False,
            language=language or "en",
        )


def _hash_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _hash_stream_rest(fh: Any, first: bytes) -> str:
    import hashlib

    h = hashlib.sha256(first)
    while True:
        chunk = fh.readline(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        if chunk.endswith(b"\n"):
            break
    return h.hexdigest()
