"""Readers for the four TABARI/PETRARCH dictionary kinds (verbs, actors, agents, discards).

Written for dyadflow from the documented dictionary syntax:

* comments: ``#`` to end of line (at line start or after white space), one-line ``<!-- -->``
  or any line starting with ``<``, multi-line ``<!-- ... -->`` blocks;
* verbs: synsets ``&NAME`` followed by ``+member`` lines; blocks ``--- VERB [code] ---`` followed
  by verb lines (``VERB {IRREGULAR FORMS} [code]``, ``+SYNONYM``, ``WORD_+VERB`` where ``+`` marks
  the inflected word) and patterns ``- pre * post [code]``; in patterns ``_`` joins adjacent
  words, a space allows intervening words, ``$``/``+`` mark where the source/target is found,
  ``%`` a compound actor, ``^`` skips a noun phrase, ``&NAME`` stands for any synset member;
  codes ``[abc]``, paired ``[abc:def]`` (second code for the reverse dyad), null ``[---]``;
* actors: ``NAME [CODE]`` with ``+SYNONYM`` lines and date-restricted code lines
  ``[CODE <YYYYMMDD]``, ``[CODE >YYYYMMDD]``, ``[CODE YYYYMMDD-YYYYMMDD]`` (6-digit YYMMDD too),
  several codes ``[AAA/BBB]``;
* agents: ``!SET! = A, B`` substitution sets, ``TERM {PLURALS} [~SUFFIX]`` or ``[PREFIX~]``,
  ``{}`` = no automatic plural;
* discards: one phrase per line, ``+`` = discard the whole story.

A malformed entry becomes a :class:`Diagnostic` (file, line, message); it never aborts a load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

NULL_CODE = "---"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with one dictionary line (the entry was skipped or repaired)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# ----------------------------------------------------------------------------- verbs


@dataclass(frozen=True, slots=True)
class PatternElement:
    """One element of a verb pattern.

    kind: "word" (value = the word), "synset" (value = synset name), "source" ($), "target" (+),
    "compound" (%), "skip" (^). `joined` = no word may come between this element and the next
    one towards the verb (written with ``_``).
    """

    kind: str
    value: str = ""
    joined: bool = False


@dataclass(frozen=True, slots=True)
class VerbPatternEntry:
    """``- pre * post [code]``: `pre` in text order (left of the verb), `post` in text order."""

    pre: tuple[PatternElement, ...]
    post: tuple[PatternElement, ...]
    code: str
    line: int
    text: str
    pre_joined: bool = False  # last pre element joined to the verb ("IN_*")
    post_joined: bool = False  # verb joined to the first post element ("*_UP")

    @property
    def size(self) -> int:
        return sum(1 for e in (*self.pre, *self.post) if e.kind in ("word", "synset"))


@dataclass(frozen=True, slots=True)
class VerbForm:
    """A surface form of a dictionary verb: words in order and which one is the verb."""

    words: tuple[str, ...]
    verb_index: int = 0


@dataclass(frozen=True, slots=True)
class VerbEntry:
    """One verb of a block with its forms and optional own default code."""

    word: str
    forms: tuple[VerbForm, ...]
    code: str | None
    line: int


@dataclass(frozen=True, slots=True)
class VerbBlock:
    """``--- NAME [code] ---`` with its verbs and patterns (patterns apply to every verb)."""

    name: str
    code: str
    verbs: tuple[VerbEntry, ...]
    patterns: tuple[VerbPatternEntry, ...]
    line: int


@dataclass(frozen=True)
class VerbDictionary:
    blocks: tuple[VerbBlock, ...]
    synsets: dict[str, tuple[tuple[str, ...], ...]]


# ----------------------------------------------------------------------------- actors


@dataclass(frozen=True, slots=True)
class ActorCode:
    """A code of an actor entry, optionally restricted to dates: valid in [start, end]."""

    code: str
    start: date | None = None
    end: date | None = None
    restricted: bool = False

    def valid_on(self, day: date | None) -> bool:
        if day is None:
            return not self.restricted
        if self.start is not None and day < self.start:
            return False
        return not (self.end is not None and day > self.end)


@dataclass(frozen=True, slots=True)
class ActorEntry:
    """A named actor: phrases (name + synonyms, words in order) and its codes."""

    name: str
    phrases: tuple[tuple[str, ...], ...]
    codes: tuple[ActorCode, ...]
    line: int

    def codes_on(self, day: date | None) -> tuple[str, ...]:
        """The code(s) valid on `day`: first matching restricted code, else the default one."""
        for c in self.codes:
            if c.restricted and c.valid_on(day):
                return tuple(x for x in c.code.split("/") if x)
        for c in self.codes:
            if not c.restricted:
                return tuple(x for x in c.code.split("/") if x)
        if day is None:
            for c in self.codes:
                return tuple(x for x in c.code.split("/") if x)
        return ()


@dataclass(frozen=True, slots=True)
class AgentEntry:
    """A generic agent: phrases (with plurals) and the code added before or after a country."""

    term: str
    phrases: tuple[tuple[str, ...], ...]
    code: str
    prefix: bool
    line: int


@dataclass(frozen=True, slots=True)
class DiscardEntry:
    phrase: tuple[str, ...]
    story: bool
    exact: bool
    line: int


@dataclass(frozen=True)
class PetrarchDictionaries:
    """Everything read from one PETRARCH dictionary folder, with the diagnostics."""

    verbs: VerbDictionary
    actors: tuple[ActorEntry, ...]
    agents: tuple[AgentEntry, ...]
    discards: tuple[DiscardEntry, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers


_HYPHEN_SPLIT = re.compile(r"[^-]+|-")


def words_of(phrase: str) -> tuple[str, ...]:
    """Dictionary phrase -> upper-case words (``_`` and spaces separate; hyphens are words)."""
    out: list[str] = []
    for w in re.split(r"[\s_]+", phrase.strip().upper()):
        if w:
            out.extend(_HYPHEN_SPLIT.findall(w))
    return tuple(out)


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment (at line start or after white space)."""
    m = re.search(r"(^|\s)#", line)
    return line[: m.start()] if m else line


class _Lines:
    """Iterate (line number, text) of a dictionary file, skipping XML/`#` comments."""

    def __init__(self, text: str) -> None:
        self.items: list[tuple[int, str]] = []
        in_comment = False
        for no, raw in enumerate(text.splitlines(), start=1):
            s = raw.rstrip("\n")
            if in_comment:
                if "-->" in s:
                    in_comment = False
                continue
            st = s.strip()
            if st.startswith("<"):
                if st.startswith("<!--") and "-->" not in st:
                    in_comment = True
                continue
            self.items.append((no, _strip_comment(s)))


def _parse_date(s: str) -> date:
    s = s.strip()
    if not s.isdigit() or len(s) not in (6, 8):
        raise ValueError(f"bad date {s!r} (expected YYYYMMDD or YYMMDD)")
    if len(s) == 6:
        yy = int(s[:2])
        year = 2000 + yy if yy < 30 else 1900 + yy
        return date(year, int(s[2:4]), int(s[4:6]))
    return date(int(s[:4]), int(s[4:6]), int(s[6:8]))


_CODE_RE = re.compile(r"^[A-Za-z0-9\-+#/~?:]+$")


def parse_actor_code(body: str) -> ActorCode:
    """``CODE``, ``CODE <date``, ``CODE >date``, ``CODE d1-d2`` -> ActorCode (ValueError if bad)."""
    body = body.strip()
    m = re.match(r"^(\S+?)\s*([<>])\s*(\d+)$", body)
    if m:
        code, op, d = m.group(1), m.group(2), _parse_date(m.group(3))
        if op == "<":
            return ActorCode(_check_code(code), end=date.fromordinal(d.toordinal() - 1), restricted=True)
        return ActorCode(_check_code(code), start=date.fromordinal(d.toordinal() + 1), restricted=True)
    m = re.match(r"^(\S+)\s+(\d+)\s*-\s*(\d+)$", body)
    if m:
        return ActorCode(_check_code(m.group(1)), start=_parse_date(m.group(2)), end=_parse_date(m.group(3)),
                         restricted=True)
    if re.match(r"^\S+$", body):
        return ActorCode(_check_code(body))
    raise ValueError(f"cannot read code block [{body}]")


def _check_code(code: str) -> str:
    code = code.strip().upper()
    if not code or not _CODE_RE.match(code):
        raise ValueError(f"bad code {code!r}")
    if code[0].isdigit():
        raise ValueError(f"code {code!r} looks like a date: a code is required before the date")
    return code


# ----------------------------------------------------------------------------- verbs reader


def _regular_forms(word: str) -> list[str]:
    w = word.upper()
    out = [w]
    if re.search(r"(S|SH|CH|X|Z)$", w):
        out.append(w + "ES")
    elif re.search(r"[^AEIOU]Y$", w):
        out.append(w[:-1] + "IES")
    else:
        out.append(w + "S")
    if w.endswith("E"):
        out.append(w + "D")
        out.append((w if w.endswith("EE") else w[:-1]) + "ING")
    elif re.search(r"[^AEIOU]Y$", w):
        out.append(w[:-1] + "IED")
        out.append(w + "ING")
    else:
        out.append(w + "ED")
        out.append(w + "ING")
    return out


def _form(spec: str) -> VerbForm:
    """``WIRE_+TAPPED`` -> VerbForm(("WIRE","TAPPED"), 1); ``BREAK_DOWN`` -> index 0."""
    spec = spec.strip().lstrip("+") if spec.strip().startswith("+") else spec.strip()
    parts = [p for p in re.split(r"[\s_]+", spec.upper()) if p]
    idx = 0
    clean: list[str] = []
    for i, p in enumerate(parts):
        if p.startswith("+"):
            idx = i
            p = p[1:]
        clean.append(p)
    return VerbForm(tuple(clean), idx)


def _verb_entry(text: str, line: int, diags: list[Diagnostic], fname: str) -> VerbEntry | None:
    code = None
    m = re.search(r"\[([^\]]*)\]", text)
    if m:
        code = m.group(1).strip().upper()
        text = text[: m.start()] + text[m.end():]
    irregular: list[str] | None = None
    b = re.search(r"\{([^}]*)\}", text)
    if b:
        irregular = b.group(1).split()
        text = text[: b.start()] + text[b.end():]
    elif "{" in text or "}" in text:
        diags.append(Diagnostic(fname, line, f"unbalanced braces in verb line {text.strip()!r}"))
        return None
    base = text.strip()
    if not base:
        diags.append(Diagnostic(fname, line, "verb line without a verb"))
        return None
    main = _form(base)
    forms: list[VerbForm] = [main]
    if irregular is not None:
        forms.extend(_form(x) for x in irregular if x.strip("+"))
    else:
        verb = main.words[main.verb_index]
        for f in _regular_forms(verb)[1:]:
            ws = list(main.words)
            ws[main.verb_index] = f
            forms.append(VerbForm(tuple(ws), main.verb_index))
    return VerbEntry(word=" ".join(main.words), forms=tuple(dict.fromkeys(forms)), code=code, line=line)


def _pattern_elements(tokens: list[str]) -> list[PatternElement]:
    """Whitespace chunks -> elements; words of one ``_`` chunk are joined to each other."""
    out: list[PatternElement] = []
    for chunk in tokens:
        parts = [p for p in chunk.split("_")]
        parts_clean = [p for p in parts if p]
        for i, p in enumerate(parts_clean):
            joined = i < len(parts_clean) - 1
            if p == "$":
                out.append(PatternElement("source", joined=joined))
            elif p == "+":
                out.append(PatternElement("target", joined=joined))
            elif p == "%":
                out.append(PatternElement("compound", joined=joined))
            elif p == "^":
                out.append(PatternElement("skip", joined=joined))
            elif p.startswith("&"):
                out.append(PatternElement("synset", p.upper(), joined=joined))
            else:
                for w in _HYPHEN_SPLIT.findall(p.upper()):
                    out.append(PatternElement("word", w, joined=True))
                if out:
                    last = out[-1]
                    out[-1] = PatternElement(last.kind, last.value, joined=joined)
    return out


def _parse_pattern(body: str, line: int, fname: str, diags: list[Diagnostic]) -> VerbPatternEntry | None:
    m = re.search(r"\[([^\]]*)\]\s*$", body.strip())
    if not m:
        diags.append(Diagnostic(fname, line, f"pattern without a [code]: {body.strip()!r}"))
        return None
    code = m.group(1).strip().upper()
    if not code:
        diags.append(Diagnostic(fname, line, "pattern with an empty [code]"))
        return None
    text = body.strip()[: m.start()].strip()
    if text.count("*") != 1:
        diags.append(Diagnostic(fname, line, f"pattern must contain exactly one '*': {text!r}"))
        return None
    left, right = text.split("*")
    pre_joined = left.endswith("_")
    post_joined = right.startswith("_")
    pre = _pattern_elements(left.split())
    post = _pattern_elements(right.split())
    if pre and pre_joined:
        pre[-1] = PatternElement(pre[-1].kind, pre[-1].value, joined=True)
    return VerbPatternEntry(tuple(pre), tuple(post), code, line, text, pre_joined, post_joined)


def read_verbs(text: str, fname: str = "verbs") -> tuple[VerbDictionary, list[Diagnostic]]:
    """Parse a verb dictionary text."""
    diags: list[Diagnostic] = []
    synsets_raw: dict[str, list[str]] = {}
    blocks: list[VerbBlock] = []
    cur_syn: str | None = None
    cur: dict | None = None  # type: ignore[type-arg]

    def close_block() -> None:
        nonlocal cur
        if cur is not None:
            blocks.append(VerbBlock(cur["name"], cur["code"], tuple(cur["verbs"]), tuple(cur["patterns"]), cur["line"]))
        cur = None

    for no, raw in _Lines(text).items:
        s = raw.strip()
        if not s:
            cur_syn = None
            continue
        if s.startswith("---"):
            close_block()
            cur_syn = None
            m = re.match(r"^---\s*([^\[]+?)\s*\[([^\]]*)\]", s)
            if not m:
                diags.append(Diagnostic(fname, no, f"verb block header without a [code]: {s!r}"))
                continue
            cur = {"name": " ".join(words_of(m.group(1))), "code": m.group(2).strip().upper() or NULL_CODE,
                   "verbs": [], "patterns": [], "line": no}
            continue
        if s.startswith("&"):
            cur_syn = s.split()[0].upper().rstrip("_")
            synsets_raw.setdefault(cur_syn, [])
            continue
        if s.startswith("+") and cur_syn is not None:
            synsets_raw[cur_syn].append(s[1:].strip())
            continue
        if s.startswith("-"):
            if cur is None:
                diags.append(Diagnostic(fname, no, "pattern outside a verb block"))
                continue
            p = _parse_pattern(s[1:], no, fname, diags)
            if p is not None:
                cur["patterns"].append(p)
            continue
        if cur is None:
            diags.append(Diagnostic(fname, no, f"line outside a verb block: {s!r}"))
            continue
        e = _verb_entry(s, no, diags, fname)
        if e is not None:
            cur["verbs"].append(e)
    close_block()

    # resolve synsets (nested &NAME members; plural forms of one-word members)
    resolved: dict[str, tuple[tuple[str, ...], ...]] = {}

    def resolve(name: str, stack: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        if name in resolved:
            return resolved[name]
        out: list[tuple[str, ...]] = []
        for mem in synsets_raw.get(name, []):
            if mem.startswith("&"):
                sub = mem.split()[0].upper().rstrip("_")
                if sub in stack or sub not in synsets_raw:
                    continue
                out.extend(resolve(sub, (*stack, sub)))
                continue
            ws = words_of(mem)
            if not ws:
                continue
            out.append(ws)
            if not mem.strip().endswith("_"):
                last = ws[-1]
                plural = last[:-1] + "IES" if last.endswith("Y") else last + "ES" if last.endswith("S") else last + "S"
                out.append((*ws[:-1], plural))
        resolved[name] = tuple(dict.fromkeys(out))
        return resolved[name]

    for name in synsets_raw:
        resolve(name, (name,))
    # check synset references
    checked: list[VerbBlock] = []
    for b in blocks:
        pats = []
        for p in b.patterns:
            missing = [e.value for e in (*p.pre, *p.post) if e.kind == "synset" and e.value not in resolved]
            if missing:
                diags.append(Diagnostic(fname, p.line, f"undefined synset {missing[0]} in pattern {p.text!r}"))
                continue
            pats.append(p)
        if not b.verbs:
            diags.append(Diagnostic(fname, b.line, f"verb block {b.name!r} has no verb line"))
        checked.append(VerbBlock(b.name, b.code, b.verbs, tuple(pats), b.line))
    return VerbDictionary(tuple(checked), resolved), diags


# ----------------------------------------------------------------------------- actors reader


def read_actors(text: str, fname: str = "actors") -> tuple[list[ActorEntry], list[Diagnostic]]:
    """Parse an actor dictionary text."""
    diags: list[Diagnostic] = []
    out: list[ActorEntry] = []
    cur: dict | None = None  # type: ignore[type-arg]

    def close() -> None:
        nonlocal cur
        if cur is not None:
            if not cur["codes"]:
                diags.append(Diagnostic(fname, cur["line"], f"actor {cur['name']!r} has no code"))
            else:
                out.append(ActorEntry(cur["name"], tuple(dict.fromkeys(cur["phrases"])), tuple(cur["codes"]), cur["line"]))
        cur = None

    def add_codes(s: str, no: int) -> None:
        for body in re.findall(r"\[([^\]]*)\]", s):
            try:
                cur["codes"].append(parse_actor_code(body))  # type: ignore[index]
            except ValueError as exc:
                diags.append(Diagnostic(fname, no, f"actor {cur['name']!r}: {exc}"))  # type: ignore[index]
        if s.count("[") != s.count("]"):
            diags.append(Diagnostic(fname, no, f"unbalanced brackets: {s.strip()!r}"))

    for no, raw in _Lines(text).items:
        s = raw.strip()
        if not s:
            continue
        if s.startswith("+"):
            if cur is None:
                diags.append(Diagnostic(fname, no, f"synonym without an actor: {s!r}"))
                continue
            name = s[1:].split("[")[0]
            ws = words_of(name)
            if ws:
                cur["phrases"].append(ws)
            if "[" in s:
                add_codes(s, no)
            continue
        if s.startswith("["):
            if cur is None:
                diags.append(Diagnostic(fname, no, f"code block without an actor: {s!r}"))
                continue
            add_codes(s, no)
            continue
        close()
        name = s.split("[")[0].strip()
        ws = words_of(name)
        if not ws:
            diags.append(Diagnostic(fname, no, f"actor line without a name: {s!r}"))
            continue
        cur = {"name": " ".join(ws), "phrases": [ws], "codes": [], "line": no}
        if "[" in s:
            add_codes(s, no)
    close()
    return out, diags


# ----------------------------------------------------------------------------- agents reader


def _plural(ws: tuple[str, ...]) -> tuple[str, ...]:
    last = ws[-1]
    if re.search(r"[^AEIOU]Y$", last):
        p = last[:-1] + "IES"
    elif re.search(r"(S|SH|CH|X|Z)$", last):
        p = last + "ES"
    elif last.endswith("MAN"):
        p = last[:-3] + "MEN"
    else:
        p = last + "S"
    return (*ws[:-1], p)


def read_agents(text: str, fname: str = "agents") -> tuple[list[AgentEntry], list[Diagnostic]]:
    """Parse an agent dictionary text."""
    diags: list[Diagnostic] = []
    subs: dict[str, list[str]] = {}
    out: list[AgentEntry] = []
    for no, raw in _Lines(text).items:
        s = raw.strip()
        if not s:
            continue
        m = re.match(r"^(![A-Za-z0-9]+!)\s*=\s*(.+)$", s)
        if m:
            subs[m.group(1).upper()] = [x.strip().upper() for x in m.group(2).split(",") if x.strip()]
            continue
        cm = re.search(r"\[([^\]]*)\]", s)
        if not cm:
            diags.append(Diagnostic(fname, no, f"agent without a [code]: {s!r}"))
            continue
        code = cm.group(1).strip().replace(" ", "").upper()
        head = s[: cm.start()]
        if not code or "~" not in code:
            diags.append(Diagnostic(fname, no, f"agent code {code!r} needs '~' (~SUFFIX or PREFIX~)"))
            continue
        prefix = code.endswith("~")
        code = code.strip("~")
        plurals: list[str] | None = None
        bm = re.search(r"\{([^}]*)\}", head)
        if bm:
            plurals = bm.group(1).split()
            head = head[: bm.start()] + head[bm.end():]
        term = head.strip()
        if not term:
            diags.append(Diagnostic(fname, no, "agent line without a term"))
            continue
        terms = [term.upper()]
        for key, vals in subs.items():
            if key in terms[0]:
                terms = [t.replace(key, v) for t in terms for v in vals]
        unknown = re.search(r"![A-Z0-9]+!", terms[0])
        if unknown:
            diags.append(Diagnostic(fname, no, f"undefined substitution set {unknown.group(0)}"))
            continue
        phrases: list[tuple[str, ...]] = []
        for t in terms:
            ws = words_of(t)
            if not ws:
                continue
            phrases.append(ws)
            if plurals is None:
                phrases.append(_plural(ws))
        for p in plurals or []:
            ws = words_of(p)
            if ws:
                phrases.append(ws)
        out.append(AgentEntry(" ".join(words_of(term)), tuple(dict.fromkeys(phrases)), code, prefix, no))
    return out, diags


# ----------------------------------------------------------------------------- discards reader


def read_discards(text: str, fname: str = "discards") -> tuple[list[DiscardEntry], list[Diagnostic]]:
    """Parse a discard list."""
    diags: list[Diagnostic] = []
    out: list[DiscardEntry] = []
    for no, raw in _Lines(text).items:
        s = raw.strip()
        if not s:
            continue
        story = s.startswith("+")
        body = s[1:] if story else s
        ws = words_of(body)
        if not ws:
            diags.append(Diagnostic(fname, no, f"empty discard phrase: {s!r}"))
            continue
        out.append(DiscardEntry(ws, story, body.strip().endswith("_"), no))
    return out, diags


# ----------------------------------------------------------------------------- folder


_KINDS = ("verbs", "actors", "agents", "discards")


def find_dictionary_files(folder: Path) -> dict[str, Path]:
    """Locate the four dictionary files in `folder` (names containing verbs/actors/agents/discards)."""
    found: dict[str, Path] = {}
    for p in sorted(Path(folder).iterdir()):
        if not p.is_file() or p.suffix.lower() not in (".txt", ".dic", ".in", ""):
            continue
        low = p.name.lower()
        for kind in _KINDS:
            stem = kind[:-1]
            if kind not in found and (f".{kind}" in low or f"{stem}" in low):
                found[kind] = p
                break
    return found


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_dictionary_folder(folder: Path) -> PetrarchDictionaries:
    """Read every dictionary kind present in `folder`; missing kinds are empty (with a diagnostic)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"PETRARCH dictionary folder not found: {folder}")
    files = find_dictionary_files(folder)
    diags: list[Diagnostic] = []
    for kind in _KINDS:
        if kind not in files:
            diags.append(Diagnostic(str(folder), 0, f"no {kind} dictionary found (file name containing '{kind}')"))
    verbs = VerbDictionary((), {})
    actors: list[ActorEntry] = []
    agents: list[AgentEntry] = []
    discards: list[DiscardEntry] = []
    if "verbs" in files:
        verbs, d = read_verbs(_read_text(files["verbs"]), files["verbs"].name)
        diags += d
    if "actors" in files:
        actors, d = read_actors(_read_text(files["actors"]), files["actors"].name)
        diags += d
    if "agents" in files:
        agents, d = read_agents(_read_text(files["agents"]), files["agents"].name)
        diags += d
    if "discards" in files:
        discards, d = read_discards(_read_text(files["discards"]), files["discards"].name)
        diags += d
    return PetrarchDictionaries(verbs, tuple(actors), tuple(agents), tuple(discards), tuple(diags),
                                {k: str(v) for k, v in files.items()})
