"""Local files and folders: .txt/.md (optional front matter), .jsonl (one article a line), .html.

Every file found ends as an Article or a Reject (path, reason, sha256 of the raw bytes; per line
for JSONL): nothing is skipped silently. Limits: `max_file_bytes` for whole files (JSONL is
streamed line by line and the limit applies per line), `max_doc_chars` per article text.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

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
MAX_CONTROL_RATIO = 0.05
EMPTY_SHA256 = sha256_hex(b"")
MAX_SENTENCE_CHARS = 20_000
# a run of text with no sentence end or line break: what the parser would see as one sentence
_SENTENCE_BREAK = re.compile(r"[.!?;:\n\u3002\uff01\uff1f]")
# single-byte Western encodings preferred when the detector finds several equally good ones
_PREFERRED_SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15")
# page furniture removed before extraction, also from the extractor's fallbacks
HTML_PRUNE_XPATH = (
    "//nav", "//*[@role='navigation']", "//*[@role='banner']", "//*[@role='contentinfo']", "//menu", "//aside",
    "//footer", "//header[not(ancestor::article)]", "//script", "//style", "//noscript", "//template", "//form",
)
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class InputError(ValueError):
    """An input that cannot become an article; the message is the reject reason."""


class _NoAliasSafeLoader(yaml.SafeLoader):
    """YAML safe loader that refuses aliases (no billion-laughs expansion) and keeps dates as text.

    Dates stay strings so that `parse_published` checks them (2023-02-30 is a reject reason, not a
    crash inside the YAML constructor).
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise InputError(f"front matter uses a YAML alias ({event.anchor!r}); aliases are not allowed")
        return super().compose_node(parent, index)


def _control_ratio(text: str) -> tuple[int, float]:
    sample = text[:4000]
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\n\r\t\f")
    return bad, (bad / len(sample) if sample else 0.0)


def _check_textual(text: str, encoding: str) -> tuple[str, str]:
    bad, ratio = _control_ratio(text)
    if ratio > MAX_CONTROL_RATIO:
        raise InputError(f"binary content (decoded as {encoding} but {bad} control characters)")
    return text, encoding


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the NUL pattern looks like BOM-less UTF-16 text, else None."""
    sample = data[:8192]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / max(1, len(odd))
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode input bytes: a BOM, UTF-8, BOM-less UTF-16, else a detected encoding. Raises InputError."""
    if not data.strip():
        raise InputError("empty file" if not data else "whitespace-only file")
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _check_textual(data.decode(enc), enc)
            except UnicodeDecodeError:
                raise InputError(f"undecodable bytes: starts with a {enc.upper()} byte-order mark "
                                 f"but is not valid {enc.upper()}") from None
    if b"\x00" in data[:8192]:
        enc16 = _bomless_utf16(data)
        if enc16 is not None:
            try:
                return _check_textual(data.decode(enc16), enc16)
            except UnicodeDecodeError:
                pass
        raise InputError("binary content (NUL bytes); not a text document")
    try:
        return _check_textual(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    try:
        results = from_bytes(data)
        best = results.best()
    except Exception as exc:  # the detector is a heuristic library: its failure is a reject reason
        raise InputError(f"undecodable bytes: encoding detection failed ({type(exc).__name__})") from None
    if best is None:
        raise InputError("undecodable bytes: not UTF-8 and no text encoding detected")
    chosen = best
    ties = [m for m in results if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    for name in _PREFERRED_SINGLE_BYTE:
        pick = next((m for m in ties if m.encoding == name), None)
        if pick is not None:
            chosen = pick
            break
    text = str(chosen)
    if not text.strip():
        raise InputError(f"no text after decoding as {chosen.encoding}")
    return _check_textual(text, chosen.encoding)


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
            d = dt.date.fromisoformat(s) if len(s) <= 10 else dt.datetime.fromisoformat(s).date()
        except ValueError:
            raise InputError(f"invalid published date {value[:40]!r} (expected YYYY-MM-DD)") from None
    else:
        raise InputError(f"invalid published date {str(value)[:40]!r} (expected YYYY-MM-DD)")
    if d.year < MIN_YEAR or d > today + dt.timedelta(days=MAX_FUTURE_DAYS):
        raise InputError(f"absurd published date {d.isoformat()} (outside {MIN_YEAR}..today)")
    return d


def _is_fence(line: str) -> bool:
    return line.rstrip() == "---"


class MalformedYaml(InputError):
    """Front matter that is not valid YAML (a lenient reader may still read its key: value lines)."""


# the front-matter keys dyadflow reads (the lenient reader looks for these only)
FRONT_MATTER_KEYS = ("title", "published", "source", "url", "language")
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?$")


def _front_matter_block(text: str) -> tuple[str, str] | None:
    """(raw front matter, body), or None when the text has no front matter. Raises InputError."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _is_fence(lines[0]):
        return None  # e.g. '----' (a Markdown rule) or '--- title' is body text
    close = next((i for i in range(1, len(lines)) if _is_fence(lines[i]) or lines[i].rstrip() == "..."), None)
    if close is None:
        raise InputError("unterminated front matter (opening '---' without a closing '---')")
    raw = "\n".join(lines[1:close])
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise InputError(f"front matter larger than {MAX_FRONT_MATTER_BYTES} bytes")
    return raw, "\n".join(lines[close + 1 :]).lstrip("\n")


def _parse_yaml(raw: str) -> dict[str, Any]:
    try:
        meta = yaml.load(raw, Loader=_NoAliasSafeLoader)  # noqa: S506 - safe loader without aliases
    except InputError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise MalformedYaml(f"malformed front matter{where}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:
        raise InputError("malformed front matter: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `published: 2023-02-30` (YAML timestamp)
        raise InputError(f"malformed front matter: {exc}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError("malformed front matter: expected key: value pairs")
    return meta


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional '---' front matter (strict YAML) from the body. Raises InputError when malformed."""
    block = _front_matter_block(text)
    if block is None:
        return {}, text.lstrip("\ufeff")
    raw, body = block
    return _parse_yaml(raw), body


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def key_value_lines(raw: str) -> tuple[dict[str, Any], list[str]]:
    """The known `key: value` lines of front matter read as plain text; (meta, names of ignored lines)."""
    meta: dict[str, Any] = {}
    ignored: list[str] = []
    for n, line in enumerate(raw.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _KEY_LINE.match(line.rstrip())
        key = m.group(1).lower() if m else None
        if m is None or key not in FRONT_MATTER_KEYS or key in meta:
            ignored.append(repr(m.group(1)) if m else f"line {n}")
            continue
        value = _unquote(m.group(2) or "")
        meta[key] = value or None
    return meta, ignored


def read_front_matter(text: str) -> tuple[dict[str, Any], str, str | None]:
    """Front matter, body and a warning: strict YAML first, else the known `key: value` lines.

    Headlines with a colon or a leading '[' are not valid YAML; their article is kept (with a
    warning saying what was read). Front matter with no readable known key is an InputError.
    """
    block = _front_matter_block(text)
    if block is None:
        return {}, text.lstrip("\ufeff"), None
    raw, body = block
    try:
        return _parse_yaml(raw), body, None
    except MalformedYaml as exc:
        meta, ignored = key_value_lines(raw)
        if not meta:
            raise
        problem = str(exc).removeprefix("malformed front matter").lstrip(" :")
        warning = f"front matter is not valid YAML ({problem}); read as key: value lines ({', '.join(sorted(meta))})"
        if ignored:
            warning += f"; ignored {', '.join(ignored)}"
        return meta, body, warning


def extract_html(html: str) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of an HTML page via trafilatura (no scripts, styles or navigation)."""
    import trafilatura

    try:
        # deduplicate=False: trafilatura's duplicate filter is a process-wide cache, so the same page
        # would give different text on its third reading (breaking stable doc ids)
        text = trafilatura.extract(
            html, include_comments=False, include_tables=False, favor_precision=True, deduplicate=False,
            prune_xpath=list(HTML_PRUNE_XPATH),
        )
    except RecursionError:
        raise InputError("HTML nested too deeply to parse") from None
    except Exception as exc:  # lxml/trafilatura failures on hostile markup become a reason
        raise InputError(f"HTML could not be parsed: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not text or not text.strip():
        raise InputError("no main text found in HTML")
    meta: dict[str, Any] = {}
    try:
        md = trafilatura.extract_metadata(html)
    except Exception:  # metadata is optional; the text decides
        md = None
    if md is not None:
        meta = {"title": md.title, "published": md.date, "url": md.url, "source": md.sitename}
    return text, meta


def clean_str(text: str) -> str:
    """A string that can be written as UTF-8 (undecodable file-name bytes, lone surrogates escaped)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _only_escapes(
            text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _only_escapes(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


def longest_sentence_run(text: str) -> int:
    """Length of the longest stretch of text without a sentence end or line break."""
    longest = 0
    last = 0
    for m in _SENTENCE_BREAK.finditer(text):
        longest = max(longest, m.start() - last)
        last = m.end()
    return max(longest, len(text) - last)


def _meta_str(meta: dict[str, Any], key: str) -> str | None:
    v = meta.get(key)
    if v is None:
        return None
    if isinstance(v, list | dict):
        raise InputError(f"front matter field {key!r} must be a single value")
    s = str(v).strip()
    if not s:
        return None
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"field {key!r} contains unpaired surrogates (not valid Unicode)") from None
    if len(s) > 10_000:
        raise InputError(f"field {key!r} longer than 10000 characters")
    return s


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_line(fh: BinaryIO, limit: int) -> tuple[bytes, str | None, int]:
    """One line of at most `limit` bytes: (bytes, sha256 of the whole line when it was longer, its size)."""
    raw = fh.readline(limit + 1)
    if len(raw) <= limit or raw.endswith(b"\n"):
        return raw, None, len(raw)
    h = hashlib.sha256(raw)
    size = len(raw)
    while True:
        chunk = fh.readline(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return raw[:0], h.hexdigest(), size


def file_origin(root: Path, rel: str) -> str:
    """The identity of a file: its resolved input root and its path relative to it."""
    return f"{clean_str(str(root))}/{rel}"


@dataclass(frozen=True)
class InputFile:
    """One entry found under an input path: where it is and how it is recorded."""

    path: Path  # as found (not resolved)
    rel: str  # recorded path: relative to the input root
    root: Path  # resolved input root: files may not leave it
    skip_reason: str | None = None  # set for entries rejected without reading (hidden, links out)


@dataclass
class LocalFileSource:
    """Files and folders on disk (folders recursively, symlinks may not leave the input root)."""

    paths: Sequence[Path]
    max_file_bytes: int = 50 * 1024 * 1024
    max_doc_chars: int = 2_000_000
    max_sentence_chars: int = MAX_SENTENCE_CHARS
    today: dt.date | None = None

    def files(self) -> Iterator[InputFile]:
        """Every entry under the input paths, in a stable order (hidden ones with a skip reason)."""
        for p in self.paths:
            p = Path(p).expanduser()
            if p.is_dir():
                yield from self._walk(p)
            else:
                root = p.absolute().parent
                yield InputFile(p, clean_str(p.name), root.resolve())

    def _walk(self, top: Path) -> Iterator[InputFile]:
        top_abs = top.absolute()
        root = top.resolve()

        def rel(path: Path) -> str:
            return clean_str(str(path.relative_to(top_abs)))

        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(top_abs, onerror=errors.append, followlinks=False):
            while errors:  # a folder that could not be listed (e.g. no permission)
                err = errors.pop(0)
                where = Path(err.filename) if err.filename else top_abs
                yield InputFile(where, rel(where) + "/", root, f"cannot list folder: {err.strerror or err}")
            here = Path(dirpath)
            kept = []
            for d in sorted(dirnames):
                sub = here / d
                if d.startswith("."):
                    yield InputFile(sub, rel(sub) + "/", root, "hidden folder (name starts with '.'); not read")
                elif sub.is_symlink():
                    real = sub.resolve()
                    if not real.is_relative_to(root):
                        yield InputFile(sub, rel(sub) + "/", root, f"symlink leaves the input root ({real})")
                    else:
                        log.info("not following %s: it links inside the input root (%s), read there", sub, real)
                else:
                    kept.append(d)
            dirnames[:] = kept
            for name in sorted(filenames):
                path = here / name
                if name.startswith("."):
                    yield InputFile(path, rel(path), root, "hidden file (name starts with '.'); not read")
                else:
                    yield InputFile(path, rel(path), root)
        for err in errors:
            where = Path(err.filename) if err.filename else top_abs
            yield InputFile(where, rel(where) + "/", root, f"cannot list folder: {err.strerror or err}")

    def items(self, run_id: str) -> Iterator[SourceItem]:
        """Yield every input as an Article or a Reject."""
        now = dt.datetime.now(dt.UTC)
        for entry in self.files():
            try:
                yield from self._read_file(entry, run_id, now)
            except OSError as exc:  # unreadable, vanished or changed while reading
                yield self._reject(entry.rel, f"cannot read file: {exc.strerror or exc}", b"", run_id, now)

    # -- helpers --------------------------------------------------------------------------
    def _reject(self, rel: str, reason: str, data: bytes, run_id: str, now: dt.datetime,
                line: int | None = None, detail: str | None = None, sha256: str | None = None,
                n_bytes: int | None = None) -> Reject:
        reason = clean_str(reason)
        log.warning("rejected %s%s: %s", rel, f":{line}" if line else "", reason)
        return Reject(path=rel, stage="extract", reason=reason, sha256=sha256 or sha256_hex(data), run_id=run_id,
                      rejected_at=now, line=line, detail=detail, n_bytes=len(data) if n_bytes is None else n_bytes)

    def _read_file(self, entry: InputFile, run_id: str, now: dt.datetime) -> Iterator[SourceItem]:
        path, rel, root = entry.path, entry.rel, entry.root
        if entry.skip_reason is not None:
            is_file = path.is_file() and not path.is_symlink()
            digest = _hash_file(path) if is_file else EMPTY_SHA256
            size = path.stat().st_size if is_file else 0
            yield self._reject(rel, entry.skip_reason, b"", run_id, now, sha256=digest, n_bytes=size)
            return
        if path.is_symlink():
            real = path.resolve()
            if not real.is_relative_to(root):
                yield self._reject(rel, f"symlink leaves the input root ({real})", b"", run_id, now)
                return
        if not path.exists():
            yield self._reject(rel, "file not found (or a broken symlink)", b"", run_id, now)
            return
        real = path.resolve()
        if not real.is_file():
            yield self._reject(rel, "not a regular file", b"", run_id, now)
            return
        suffix = path.suffix.lower()
        size = real.stat().st_size
        if suffix in JSONL_SUFFIXES:
            yield from self._read_jsonl(real, rel, run_id, now, root)
            return
        if suffix not in SUPPORTED_SUFFIXES:
            yield self._reject(rel, f"unsupported format {suffix or '(no extension)'!r}; "
                               f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}", b"", run_id, now,
                               sha256=_hash_file(real), n_bytes=size)
            return
        if size > self.max_file_bytes:
            yield self._reject(rel, f"file too large ({size} bytes > limit {self.max_file_bytes})", b"", run_id,
                               now, sha256=_hash_file(real), n_bytes=size)
            return
        with real.open("rb") as fh:
            data = fh.read(self.max_file_bytes + 1)
            if len(data) > self.max_file_bytes:  # grew after stat
                rest = hashlib.sha256(data)
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    rest.update(chunk)
                yield self._reject(rel, f"file too large (> limit {self.max_file_bytes} bytes)", b"", run_id, now,
                                   sha256=rest.hexdigest(), n_bytes=len(data))
                return
        try:
            text, encoding = decode_bytes(data)
            meta: dict[str, Any] = {}
            warning = None
            if suffix in HTML_SUFFIXES:
                body, meta = extract_html(text)
                meta = self._lenient_date(meta, rel)
            else:
                meta, body, warning = read_front_matter(text)
                if warning:
                    log.warning("%s: %s", rel, warning)
            yield self._article(meta, body, rel, data, now, origin=file_origin(root, rel), warnings=warning)
        except InputError as exc:
            yield self._reject(rel, str(exc), data, run_id, now)
        else:
            if encoding != "utf-8":
                log.info("%s decoded as %s", rel, encoding)

    def _lenient_date(self, meta: dict[str, Any], rel: str) -> dict[str, Any]:
        """HTML dates are guessed by the extractor: a bad one is dropped (then inferred), not fatal."""
        try:
            parse_published(meta.get("published"), today=self.today)
        except InputError as exc:
            log.info("%s: ignoring the page's date: %s", rel, exc)
            return {**meta, "published": None}
        return meta

    def _jsonl_lines(self, real: Path) -> Iterator[tuple[int, bytes, str | None, int]]:
        """(line number, raw line, sha256 if too long, size) streamed; UTF-16/32 files are transcoded."""
        with real.open("rb") as fh:
            head = fh.read(4)
            fh.seek(0)
            wide = next((b for b in _UTF16_BOMS if head.startswith(b)), None)
            if wide is not None:
                enc = "utf-32" if wide in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) else "utf-16"
                reader = io.TextIOWrapper(fh, encoding=enc, errors="strict", newline="")
                lineno = 0
                while True:
                    line = reader.readline(self.max_file_bytes + 1)
                    if not line:
                        return
                    lineno += 1
                    raw = line.encode("utf-8", "surrogatepass")
                    if len(raw) > self.max_file_bytes and not line.endswith("\n"):
                        h = hashlib.sha256(raw)
                        while line and not line.endswith("\n"):
                            line = reader.readline(1 << 20)
                            h.update(line.encode("utf-8", "surrogatepass"))
                        yield lineno, b"", h.hexdigest(), len(raw)
                    else:
                        yield lineno, raw, None, len(raw)
            lineno = 0
            while True:
                raw, long_hash, size = _read_line(fh, self.max_file_bytes)
                if not raw and long_hash is None:
                    return
                lineno += 1
                yield lineno, raw, long_hash, size

    def _read_jsonl(self, real: Path, rel: str, run_id: str, now: dt.datetime, root: Path) -> Iterator[SourceItem]:
        n_items = 0
        n_lines = 0
        try:
            for lineno, raw, long_hash, size in self._jsonl_lines(real):
                n_lines = lineno
                if long_hash is not None:
                    n_items += 1
                    yield self._reject(rel, f"JSONL line longer than limit {self.max_file_bytes} bytes", b"",
                                       run_id, now, line=lineno, sha256=long_hash, n_bytes=size)
                    continue
                if not raw.strip():
                    continue
                n_items += 1
                try:
                    yield self._jsonl_article(raw, rel, lineno, now, root)
                except InputError as exc:
                    yield self._reject(rel, str(exc), raw, run_id, now, line=lineno)
        except UnicodeDecodeError as exc:
            n_items += 1
            yield self._reject(rel, f"JSONL file has a byte-order mark but is not valid {exc.encoding} "
                               f"(after line {n_lines})", b"", run_id, now, sha256=_hash_file(real),
                               n_bytes=real.stat().st_size)
        if n_items == 0:
            reason = "empty file" if n_lines == 0 else "whitespace-only file (no JSON lines)"
            yield self._reject(rel, reason, b"", run_id, now, sha256=_hash_file(real), n_bytes=real.stat().st_size)

    def _jsonl_article(self, raw: bytes, rel: str, lineno: int, now: dt.datetime, root: Path) -> Article:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"JSONL line is not valid UTF-8 (byte {exc.start}); JSON Lines must be UTF-8") from None
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            # some messages already end in "at" ("Invalid control character at")
            msg = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg
            raise InputError(f"malformed JSON: {msg} at column {exc.colno}") from None
        except RecursionError:
            raise InputError("malformed JSON: nested too deeply") from None
        except ValueError as exc:  # e.g. an integer literal with too many digits
            raise InputError(f"malformed JSON: {str(exc)[:200]}") from None
        if not isinstance(obj, dict):
            raise InputError("JSONL line is not an object")
        body = obj.get("text")
        if not isinstance(body, str):
            raise InputError("missing or non-string 'text' field")
        meta = {k: obj.get(k) for k in ("title", "published", "source", "url", "language", "id")}
        ident = _meta_str(meta, "id")
        url = _meta_str(meta, "url")
        where = file_origin(root, rel)
        origin = f"{where}#id={ident}" if ident else url if url else f"{where}#line={lineno}"
        return self._article(meta, body, f"{rel}#{ident or lineno}", raw, now, origin=origin, line=lineno)

    def _article(self, meta: dict[str, Any], body: str, rel: str, raw: bytes, now: dt.datetime, *,
                 origin: str, warnings: str | None = None, line: int | None = None) -> Article:
        try:
            text = normalise_text(body)
        except (UnicodeError, ValueError) as exc:
            raise InputError(f"text cannot be normalised: {exc}") from None
        if "\x00" in text:
            text = text.replace("\x00", "")
        if not text:
            raise InputError("no text (empty or whitespace-only body)")
        if len(text) > self.max_doc_chars:
            raise InputError(f"document too long ({len(text)} characters > limit {self.max_doc_chars})")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError("text contains unpaired surrogates (not valid Unicode)") from None
        run = longest_sentence_run(text)
        if run > self.max_sentence_chars:
            raise InputError(f"pathological sentence: {run} characters without a sentence end or line break "
                             f"(limit {self.max_sentence_chars})")
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
            language=language,  # None: detected later (dyadflow.language)
            origin=origin,
            warnings=warnings,
            line=line,
        )
