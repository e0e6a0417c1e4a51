"""A PETRARCH-semantics coder over the spaCy parse (used when the lexicon came from PETRARCH files).

Per sentence: discards; actor and agent phrases matched on words (longest first, date-restricted
codes chosen by the publication date) and composed into codes over the noun phrase (agents as
prefix/suffix codes, coordination distributes); dictionary verbs (VB* tokens, multi-word forms);
the best matching pattern of the verb's block(s) (most literal words; ``_`` adjacency, gaps,
synsets, ``$``/``+``/``%``/``^`` slots); source = subject (inherited through xcomp/conj, the
``by`` agent of a passive), target = the first actor after the verb inside its clause; paired
codes give the reverse event; a compound subject without a target codes its members pairwise.
Pure: no I/O, no globals.

`PetrarchCoder` implements the `Coder` protocol (dyadflow.coder.protocol): its codings become
typed drafts that the shared article loop builds with the native coder's Event builder, so its
events carry the same date, place, PLOVER, ACLED and fatality fields; `rule_id` names the
PETRARCH pattern ("petrarch:<block>:<line>").
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc, Span, Token

from dyadflow.coder.events import Decision
from dyadflow.coder.protocol import SentenceMatch
from dyadflow.coder.records import Draft, Party
from dyadflow.petrarch.dictionaries import (
    NULL_CODE,
    PatternElement,
    VerbPatternEntry,
    words_of,
)
from dyadflow.records import Event

if TYPE_CHECKING:  # pragma: no cover
    from dyadflow.geo import Gazetteer
    from dyadflow.petrarch.lexicon import PetrarchLexicon

log = logging.getLogger(__name__)

CODER_VERSION = "petrarch-0.3.0"  # 0.3: events from the shared builder (date, place, PLOVER, ACLED, fatalities)
CAMEO_PATTERN = re.compile(r"^[0-2][0-9]{1,3}$")  # the events schema's cameo_code pattern

NP_DEPS = frozenset({"compound", "poss", "amod", "nmod", "det", "nummod", "case", "quantmod", "punct", "advmod"})
OF_PREPS = frozenset({"of", "in", "from"})
INHERIT_DEPS = frozenset({"xcomp", "acomp", "conj", "aux", "auxpass"})
CLAUSE_DEPS = frozenset({"relcl", "acl"})


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    tok: int  # index of the spaCy token in the doc


@dataclass(slots=True)
class Mention:
    """An actor or agent phrase found in a sentence (word indices [start, end))."""

    start: int
    end: int
    kind: str  # actor | agent
    codes: tuple[str, ...]  # actor: codes valid on the date; agent: (code,)
    prefix: bool = False
    tokens: tuple[int, ...] = ()


@dataclass(slots=True)
class _Sentence:
    span: Span
    words: list[Word]
    mentions: list[Mention]
    tok_mention: dict[int, Mention]
    chunks: list[tuple[int, int]]
    first_word: dict[int, int] = field(default_factory=dict)
    last_word: dict[int, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- words & mentions


def sentence_words(span: Span) -> list[Word]:
    """The sentence as upper-case words (tokens split on ``_`` and hyphens, as dictionary phrases are)."""
    out: list[Word] = []
    for tok in span:
        if tok.is_space:
            continue
        for w in words_of(tok.text) or (tok.text.upper(),):
            out.append(Word(w, tok.i))
    return out


MAX_GAP_TOKENS = 3
GAP_DEPS = frozenset({"amod", "npadvmod", "punct", "advmod", "hyph"})


def _gapped_match(words: list[Word], i: int, phrase: tuple[str, ...], doc: Doc) -> tuple[int, tuple[int, ...]] | None:
    """Match a multi-word actor phrase whose words are split by modifiers of its next word.

    "ITHILEN TELEVISION" in "Ithilen state-run television": the skipped tokens (at most three)
    must be adjectival/adverbial modifiers inside the subtree of the phrase word that follows them.
    Returns (end word index, matched tokens) or None.
    """
    n = len(words)
    p, toks = i, [words[i].tok]
    for j in range(1, len(phrase)):
        q = p + 1
        while q < n and words[q].text != phrase[j]:
            q += 1
        if q >= n:
            return None
        nxt = doc[words[q].tok]
        gap = sorted({words[x].tok for x in range(p + 1, q)} - set(toks) - {nxt.i})
        if len(gap) > MAX_GAP_TOKENS:
            return None
        for g in gap:
            t = doc[g]
            hyphenated = any(0 <= t.i + d < len(doc) and doc[t.i + d].text == "-" for d in (-1, 1))
            if t.dep_.lower() not in GAP_DEPS and not hyphenated or not nxt.is_ancestor(t):
                return None
        if gap and doc[toks[-1]].head.i != nxt.i:
            return None
        toks.append(nxt.i)
        p = q
    return p + 1, tuple(dict.fromkeys(toks))


def _find_mentions(words: list[Word], lex: PetrarchLexicon, day: date | None,
                   doc: Doc | None = None) -> list[Mention]:
    out: list[Mention] = []
    i = 0
    n = len(words)
    while i < n:
        best: tuple[int, str, Any] | None = None
        gapped: tuple[int, tuple[int, ...], Any] | None = None
        for phrase, kind, entry in lex.phrase_index.get(words[i].text, ()):
            k = len(phrase)
            if k <= (best[0] if best else 0) or i + k > n:
                continue
            if all(words[i + j].text == phrase[j] for j in range(k)):
                if kind == "actor" and not entry.codes_on(day):
                    continue
                best = (k, kind, entry)
            elif doc is not None and kind == "actor" and k > 1 and entry.codes_on(day):
                g = _gapped_match(words, i, phrase, doc)
                if g is not None and (gapped is None or k > len(gapped[1])):
                    gapped = (g[0], g[1], entry)
        if gapped is not None and len(gapped[1]) > (best[0] if best else 0):
            e, toks, entry = gapped
            codes = tuple(c for c in entry.codes_on(day) if c != NULL_CODE)
            if codes:
                out.append(Mention(i, e, "actor", codes, tokens=toks))
            i = e
            continue
        if best is None:
            i += 1
            continue
        k, kind, entry = best
        toks = tuple(dict.fromkeys(w.tok for w in words[i : i + k]))
        if kind == "actor":
            codes = entry.codes_on(day)
            if all(c == NULL_CODE for c in codes):
                i += k
                continue
            out.append(Mention(i, i + k, "actor", tuple(c for c in codes if c != NULL_CODE), tokens=toks))
        else:
            out.append(Mention(i, i + k, "agent", (entry.code,), prefix=entry.prefix, tokens=toks))
        i += k
    return out


# ----------------------------------------------------------------------------- composition


def _compose(actor: str, agents: list[Mention]) -> str:
    code = actor
    prefixes = [a.codes[0] for a in agents if a.prefix]
    for a in agents:
        if a.prefix:
            continue
        s = a.codes[0]
        chunks = [code[i : i + 3] for i in range(0, len(code), 3)]
        if code.endswith(s) or (len(s) == 3 and s in chunks[1:]):
            continue
        code += s
    return "".join(prefixes) + code


def _np_tokens(head: Token, sent: _Sentence | None = None) -> list[Token]:
    """Tokens of the noun phrase headed by `head` (no conjuncts, clauses or other preps)."""
    out = [head]
    for c in head.children:
        if c.dep_ in ("conj", "cc", "relcl", "acl", "advcl", "ccomp") or c.pos_ == "VERB" and c.dep_ != "amod":
            continue
        if c.dep_ == "prep" and c.lower_ not in OF_PREPS:
            continue
        if c.dep_ == "appos":
            if sent is not None and _actor_root(c, sent) and _actor_root(head, sent):
                continue
            out.extend(_np_tokens(c, sent))
            continue
        out.extend(x for x in c.subtree)
    return out


def _conjuncts(tok: Token, sent: _Sentence | None = None) -> list[Token]:
    out = []
    for c in tok.children:
        if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN", "PRON", "ADJ", "NUM", "X"):
            out.append(c)
            out.extend(_conjuncts(c, sent))
        elif c.dep_ == "appos" and sent is not None and _actor_root(c, sent) and _actor_root(tok, sent):
            out.append(c)
            out.extend(_conjuncts(c, sent))
    return out


COORD_WORDS = frozenset({"and", "or", "&", ","})
FORMER_WORDS = frozenset({"former", "ex"})
FORMER_CODE = "ELI"


def _former(agents: list[Mention], toks: list[Token]) -> list[Mention]:
    """TABARI's FORMER conversion: in a phrase with "former", its agents code as ELI (former elite)."""
    plain = [a for a in agents if not a.prefix]
    if not plain or not any(t.lower_ in FORMER_WORDS for t in toks):
        return agents
    first = plain[0]
    eli = Mention(first.start, first.end, "agent", (FORMER_CODE,), tokens=first.tokens)
    return [a for a in agents if a.prefix] + [eli]


def _coordinated_tokens(head: Token, sent: _Sentence) -> list[Token]:
    """Tokens of the phrase headed by `head` with its conjuncts, appositions and the words between."""
    out = [head]
    for c in head.children:
        if c.dep_ in ("relcl", "acl", "advcl", "ccomp") or c.pos_ in ("VERB", "AUX") and c.dep_ != "amod":
            continue
        if c.dep_ == "prep" and c.lower_ not in OF_PREPS:
            continue
        if c.dep_ in ("conj", "appos"):
            out.extend(_coordinated_tokens(c, sent))
            continue
        out.extend(x for x in c.subtree)
    return out


def _separates(t: Token, sent: _Sentence) -> bool:
    """Whether `t` is a coordinator ("and", "or", a list comma) joining nominal conjuncts."""
    if t.lower_ not in COORD_WORDS or t.i in sent.tok_mention:
        return False
    return t.head.pos_ in ("NOUN", "PROPN", "PRON", "NUM", "X")


def _actor_root(tok: Token, sent: _Sentence) -> bool:
    m = sent.tok_mention.get(tok.i)
    return m is not None and m.kind == "actor"


class _Composer:
    def __init__(self, sent: _Sentence) -> None:
        self.sent = sent

    def mention_at(self, tok: Token) -> Mention | None:
        return self.sent.tok_mention.get(tok.i)

    def np_codes(self, head: Token) -> list[str]:
        """Codes of one noun phrase (several when its actors are coordinated)."""
        toks = sorted(_np_tokens(head, self.sent), key=lambda t: t.i)
        seen: set[int] = set()
        actors: list[tuple[Token, Mention]] = []
        agents: list[Mention] = []
        for t in toks:
            m = self.mention_at(t)
            if m is None or id(m) in seen:
                continue
            seen.add(id(m))
            if m.kind == "actor":
                actors.append((t, m))
            else:
                agents.append(m)
        agents = _former(agents, toks)
        if not actors:
            if not agents:
                return []
            return [_compose(NULL_CODE, agents)]
        # coordinated actors inside the phrase distribute ("ambassadors of A, B and C")
        coordinated = len(actors) > 1 and any(t.dep_ == "conj" and t.i != head.i for t, _ in actors)
        chosen = actors if coordinated else actors[:1]
        out: list[str] = []
        for _, m in chosen:
            for c in m.codes:
                out.append(_compose(c, agents))
        return list(dict.fromkeys(out))

    def codes_for(self, head: Token) -> list[str]:
        """Codes of a noun phrase and its conjuncts."""
        grouped = self.group_codes(head)
        if grouped is not None:
            return grouped
        out: list[str] = []
        for h in (head, *_conjuncts(head, self.sent)):
            out.extend(self.np_codes(h))
        return list(dict.fromkeys(out))

    def group_codes(self, head: Token) -> list[str] | None:
        """Codes of a coordinated phrase read as a word sequence ("A and B's C", "agents in A and B").

        The phrase's tokens are split into conjuncts at "and"/"or" (and list commas) joining nouns;
        each conjunct contributes its first actor and its last agent as head agent (earlier agents
        are modifiers). A conjunct with an actor and a head agent codes as itself; an actor alone
        takes the head agents of the conjuncts before it ("lawmakers in A and B"); an agent alone
        combines with every actor of the phrase ("A's media and government"). None when fewer than
        two conjuncts carry actors or agents (the parse-based reading then applies).
        """
        toks = sorted(_coordinated_tokens(head, self.sent), key=lambda t: t.i)
        has_and = any(_separates(t, self.sent) and t.lower_ != "," for t in toks)
        if not has_and:
            return None
        groups: list[list[Mention]] = [[]]
        seen: set[int] = set()
        for t in toks:
            if _separates(t, self.sent):
                if groups[-1]:
                    groups.append([])
                continue
            m = self.mention_at(t)
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                groups[-1].append(m)
        groups = [g for g in groups if g]
        if len(groups) < 2 or not any(m.kind == "actor" for g in groups for m in g):
            return None
        groups = [[m for m in g if m.kind == "actor"] + _former([m for m in g if m.kind == "agent"], toks)
                  for g in groups]
        for g in groups:
            g.sort(key=lambda m: m.start)
        parts: list[tuple[Mention | None, Mention | None, list[Mention]]] = []
        for g in groups:
            actor = next((m for m in g if m.kind == "actor"), None)
            plain = [m for m in g if m.kind == "agent" and not m.prefix]
            head_agent = plain[-1] if plain else None
            mods = [m for m in g if m.kind == "agent" and m is not head_agent]
            parts.append((actor, head_agent, mods))
        all_actors = [a for a, _, _ in parts if a is not None]
        out: list[str] = []

        def emit(actor: Mention, agents: list[Mention]) -> None:
            for c in actor.codes:
                out.append(_compose(c, sorted(agents, key=lambda m: m.start)))

        for k, (actor, head_agent, mods) in enumerate(parts):
            if actor is not None and head_agent is not None:
                emit(actor, [*mods, head_agent])
            elif actor is not None:
                before = [(h, ms) for a, h, ms in parts[:k] if h is not None]
                if not before:
                    emit(actor, mods)
                for h, ms in before:
                    emit(actor, [*mods, *ms, h])
            elif head_agent is not None:
                for a in all_actors:
                    owner = next(p for p in parts if p[0] is a)
                    emit(a, [*owner[2], *mods, head_agent])
        return list(dict.fromkeys(out))


def np_top(tok: Token, sent: _Sentence, *, through_of: bool = True) -> Token:
    """Climb from a mention's token to the head of its noun phrase."""
    seen = 0
    while seen < 30:
        seen += 1
        if tok.dep_ in NP_DEPS and tok.head.i != tok.i and tok.head.pos_ in ("NOUN", "PROPN", "PRON", "NUM", "X", "ADJ"):
            tok = tok.head
            continue
        if tok.dep_ == "appos" and tok.head.i != tok.i:
            tok = tok.head
            continue
        if not through_of:
            break
        if (tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.lower_ in OF_PREPS
                and tok.head.head.pos_ in ("NOUN", "PROPN")):
            owner = tok.head.head
            m = sent.tok_mention.get(owner.i)
            if m is not None and m.kind == "agent":
                tok = owner
                continue
        if tok.dep_ == "conj" and tok.head.i != tok.i:
            # a conjunct inside "agent of A and B" belongs to the agent's phrase
            first = tok
            while first.dep_ == "conj":
                first = first.head
            if first.dep_ == "pobj" and first.head.dep_ == "prep" and first.head.lower_ in OF_PREPS:
                owner = first.head.head
                m = sent.tok_mention.get(owner.i)
                if m is not None and m.kind == "agent":
                    tok = owner
                    continue
        break
    return tok


# ----------------------------------------------------------------------------- verbs


@dataclass(frozen=True, slots=True)
class _VerbHit:
    start: int  # word index of the form's first word
    end: int  # exclusive
    verb_word: int
    candidates: tuple[Any, ...]  # (block, entry)


def _verb_hits(sent: _Sentence, lex: PetrarchLexicon, doc: Doc) -> list[_VerbHit]:
    words = sent.words
    out: list[_VerbHit] = []
    for i, w in enumerate(words):
        tok = doc[w.tok]
        if not tok.tag_.startswith("VB"):
            continue
        if i > 0 and words[i - 1].tok == w.tok:
            continue
        best: tuple[int, int, list[Any]] | None = None
        for form, block, entry in lex.verb_index.get(w.text, ()):
            s = i - form.verb_index
            e = s + len(form.words)
            if s < 0 or e > len(words):
                continue
            if any(words[s + j].text != form.words[j] for j in range(len(form.words))):
                continue
            if best is None or len(form.words) > best[1] - best[0]:
                best = (s, e, [(block, entry)])
            elif (s, e) == best[:2]:
                best[2].append((block, entry))
        if best is not None:
            out.append(_VerbHit(best[0], best[1], i, tuple(best[2])))
    return out


@dataclass(slots=True)
class _Match:
    score: int
    slots: dict[str, int]  # kind -> word index of the slot's actor mention
    order: int


class _PatternMatcher:
    def __init__(self, sent: _Sentence, lex: PetrarchLexicon) -> None:
        self.sent = sent
        self.words = sent.words
        self.synsets = lex.dictionaries.verbs.synsets
        self.mention_start = {m.start: m for m in sent.mentions if m.kind == "actor"}
        self.mention_end = {m.end - 1: m for m in sent.mentions if m.kind == "actor"}

    def _alts(self, e: PatternElement) -> Iterable[tuple[str, ...]]:
        if e.kind == "word":
            return ((e.value,),)
        return self.synsets.get(e.value, ())

    def match_post(self, elems: tuple[PatternElement, ...], pos: int, adjacent: bool,
                   score: int, slots: dict[str, int]) -> tuple[int, dict[str, int]] | None:
        if not elems:
            return score, slots
        e, rest = elems[0], elems[1:]
        n = len(self.words)
        positions = [pos] if adjacent else range(pos, n)
        for p in positions:
            if p >= n:
                break
            if e.kind in ("word", "synset"):
                for alt in self._alts(e):
                    k = len(alt)
                    if p + k <= n and all(self.words[p + j].text == alt[j] for j in range(k)):
                        r = self.match_post(rest, p + k, e.joined, score + k, slots)
                        if r is not None:
                            return r
            elif e.kind in ("source", "target", "compound"):
                m = self.mention_start.get(p)
                if m is not None:
                    r = self.match_post(rest, m.end, e.joined, score, {**slots, e.kind: p})
                    if r is not None:
                        return r
            elif e.kind == "skip":
                for s, t in self.sent.chunks:
                    if s <= p < t:
                        r = self.match_post(rest, t, e.joined, score, slots)
                        if r is not None:
                            return r
                        break
        return None

    def match_pre(self, elems: tuple[PatternElement, ...], pos: int, adjacent: bool,
                  score: int, slots: dict[str, int]) -> tuple[int, dict[str, int]] | None:
        """Match `elems` (text order) ending before word `pos`, right to left."""
        if not elems:
            return score, slots
        e, rest = elems[-1], elems[:-1]
        positions = [pos - 1] if adjacent else range(pos - 1, -1, -1)
        for p in positions:
            if p < 0:
                break
            nxt_adj = bool(rest) and rest[-1].joined
            if e.kind in ("word", "synset"):
                for alt in self._alts(e):
                    k = len(alt)
                    s = p - k + 1
                    if s >= 0 and all(self.words[s + j].text == alt[j] for j in range(k)):
                        r = self.match_pre(rest, s, nxt_adj, score + k, slots)
                        if r is not None:
                            return r
            elif e.kind in ("source", "target", "compound"):
                m = self.mention_end.get(p)
                if m is not None:
                    r = self.match_pre(rest, m.start, nxt_adj, score, {**slots, e.kind: m.start})
                    if r is not None:
                        return r
            elif e.kind == "skip":
                for s, t in self.sent.chunks:
                    if s <= p < t:
                        r = self.match_pre(rest, s, nxt_adj, score, slots)
                        if r is not None:
                            return r
                        break
        return None

    def match(self, pat: VerbPatternEntry, hit: _VerbHit, order: int) -> _Match | None:
        pre = self.match_pre(pat.pre, hit.start, pat.pre_joined, 0, {})
        if pre is None:
            return None
        post = self.match_post(pat.post, hit.end, pat.post_joined, pre[0], pre[1])
        if post is None:
            return None
        return _Match(post[0], post[1], order)


def _usable(code: str) -> bool:
    """Codes without any letter or digit other than the null code ("+++", "###") disable a pattern."""
    return code == NULL_CODE or any(ch.isalnum() for ch in code)


# ----------------------------------------------------------------------------- clause roles


def _subject(v: Token, sent: _Sentence | None = None) -> Token | None:
    """The subject child of v (one with an actor preferred; also a subject parsed onto v's auxiliary)."""
    cands = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")]
    if not cands:
        for a in v.children:
            if a.dep_ in ("aux", "auxpass") and a.i < v.i:
                cands += [c for c in a.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not cands:
        for c in v.children:
            if c.dep_ in ("compound", "npadvmod") and c.i < v.i and c.pos_ == "PROPN":
                cands.append(c)
    if sent is not None and len(cands) > 1:
        with_actor = [c for c in cands if any(t.i in sent.tok_mention for t in c.subtree)]
        if with_actor:
            return with_actor[0]
    return cands[0] if cands else None


def _is_passive(v: Token) -> bool:
    return any(c.dep_ == "auxpass" for c in v.children)


def _governing_subject(v: Token, sent: _Sentence | None = None) -> Token | None:
    t = v
    for _ in range(10):
        s = _subject(t, sent)
        if s is not None:
            if s.pos_ == "PRON" and sent is not None and s.i not in sent.tok_mention and t.dep_ in ("ccomp",):
                up = _governing_subject(t.head, sent)
                if up is not None:
                    return up
            return s
        if _is_passive(t) and (t is not v or _passive_agent(t) is None):
            return None
        if t.dep_ == "xcomp":
            for c in t.head.children:
                if c.dep_ == "dobj":
                    return c
        if t.dep_ in INHERIT_DEPS and t.head.i != t.i:
            t = t.head
            continue
        if t.dep_ in CLAUSE_DEPS and t.head.i != t.i and t.head.pos_ in ("NOUN", "PROPN"):
            return t.head
        return None
    return None


def _passive_agent(v: Token) -> Token | None:
    if not any(c.dep_ in ("auxpass", "nsubjpass") for c in v.children):
        return None
    for c in v.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def _excluded_subtrees(v: Token, subj: Token | None, *, literal: bool = False) -> set[int]:
    ex: set[int] = set()
    if subj is not None:
        ex.update(t.i for t in subj.subtree)
    for c in v.children:
        if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"):
            ex.update(t.i for t in c.subtree)
        elif c.dep_ == "xcomp" and not literal and _infinitive_with_object(c):
            # "proposed to take up the issue with X": X belongs to the infinitive's own event
            # (unless the verb's pattern spelled out words, as in "vowed to wage war on X")
            ex.update(t.i for t in c.subtree)
    return ex


def _infinitive_with_object(v: Token) -> bool:
    """A ``to``-infinitive verb with its own direct object."""
    return (v.pos_ == "VERB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children)
            and any(c.dep_ == "dobj" for c in v.children))


# ----------------------------------------------------------------------------- main


@dataclass(frozen=True, slots=True)
class _Coded:
    source: str
    target: str
    code: str
    verb: Token
    rule: str
    source_tok: Token
    target_tok: Token


def _discarded(words: list[Word], lex: PetrarchLexicon, story: bool) -> bool:
    texts = [w.text for w in words]
    for d in lex.dictionaries.discards:
        if d.story != story:
            continue
        k = len(d.phrase)
        for i in range(len(texts) - k + 1):
            ok = all(texts[i + j] == d.phrase[j] for j in range(k - 1))
            last = texts[i + k - 1]
            if ok and (last == d.phrase[-1] or (not d.exact and last.startswith(d.phrase[-1]))):
                return True
    return False


def _sentence(span: Span, lex: PetrarchLexicon, day: date | None) -> _Sentence:
    words = sentence_words(span)
    mentions = _find_mentions(words, lex, day, span.doc)
    tok_mention: dict[int, Mention] = {}
    for m in mentions:
        for t in m.tokens:
            tok_mention.setdefault(t, m)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, w in enumerate(words):
        first.setdefault(w.tok, i)
        last[w.tok] = i
    chunks: list[tuple[int, int]] = []
    try:
        for ch in span.noun_chunks:
            if ch.start in first and ch.end - 1 in last:
                chunks.append((first[ch.start], last[ch.end - 1] + 1))
    except (ValueError, NotImplementedError):  # pragma: no cover - no parser
        pass
    # actor mentions not covered by a chunk are chunks too
    covered = {i for s, e in chunks for i in range(s, e)}
    for m in mentions:
        if m.start not in covered:
            chunks.append((m.start, m.end))
    chunks.sort()
    return _Sentence(span, words, mentions, tok_mention, chunks, first, last)


def code_sentence(span: Span, lex: PetrarchLexicon, day: date | None) -> list[_Coded]:
    """(source, target, code) events of one sentence under PETRARCH semantics."""
    return _codings(_sentence(span, lex, day), lex)


def _codings(sent: _Sentence, lex: PetrarchLexicon) -> list[_Coded]:
    """(source, target, code) codings of one prepared sentence (none when a discard phrase is in it)."""
    doc = sent.span.doc
    if _discarded(sent.words, lex, story=False):
        return []
    comp = _Composer(sent)
    matcher = _PatternMatcher(sent, lex)
    out: list[_Coded] = []
    for hit in _verb_hits(sent, lex, doc):
        v = doc[sent.words[hit.verb_word].tok]
        # best pattern over the verb's block(s)
        best: _Match | None = None
        best_code: str | None = None
        best_rule = ""
        order = 0
        for block, _entry in hit.candidates:
            for pat in block.patterns:
                order += 1
                if not _usable(pat.code):
                    continue
                m = matcher.match(pat, hit, order)
                if m is not None and (best is None or m.score > best.score):
                    best, best_code, best_rule = m, pat.code, f"{block.name}:{pat.line}"
        if best_code is None:
            for block, entry in hit.candidates:
                code = entry.code or block.code
                if code and code != NULL_CODE and _usable(code):
                    best_code, best_rule = code, f"{block.name}:{entry.line}"
                    break
        if best_code is None or best_code == NULL_CODE:
            continue
        slots = best.slots if best is not None else {}
        literal = best is not None and best.score > 0
        out.extend(_events_for(v, hit, best_code, best_rule, slots, sent, comp, doc, literal=literal))
    return out


def _slot_head(word_index: int, sent: _Sentence, doc: Doc) -> Token:
    return np_top(doc[sent.words[word_index].tok], sent, through_of=False)


def _events_for(v: Token, hit: _VerbHit, code: str, rule: str, slots: dict[str, int], sent: _Sentence,
                comp: _Composer, doc: Doc, *, literal: bool = False) -> list[_Coded]:
    main, _, rev = code.partition(":")
    subj = _governing_subject(v, sent)
    agent = _passive_agent(v)
    src_tok: Token | None = subj
    tgt_default: Token | None = None
    if agent is not None:
        src_tok, tgt_default = agent, subj
    if "source" in slots:
        src_tok = _slot_head(slots["source"], sent, doc)
    compound = "compound" in slots
    if compound and slots["compound"] >= hit.end and "target" not in slots:
        tgt_default = _slot_head(slots["compound"], sent, doc)
    if compound and slots["compound"] < hit.start and src_tok is not None:
        if len(comp.codes_for(np_top(src_tok, sent))) > 1:
            tgt_default = None
            slots = {**slots, "target": -1}
    tgt_tok: Token | None = None
    if slots.get("target") == -1:
        tgt_tok = None
    elif "target" in slots:
        tgt_tok = _slot_head(slots["target"], sent, doc)
        if src_tok is not None and tgt_tok.i == src_tok.i and "source" not in slots:
            # the target took the subject: the source is the governing clause's subject
            up = v.head if v.head.i != v.i else None
            src_tok = _governing_subject(up) if up is not None else None
    elif tgt_default is not None:
        tgt_tok = tgt_default
    else:
        tgt_tok = _first_actor_after(v, hit, src_tok, sent, doc, literal=literal)
    if src_tok is None:
        return []
    sources = comp.codes_for(src_tok if "source" in slots else np_top(src_tok, sent))
    targets = ((comp.codes_for(tgt_tok if "target" in slots else np_top(tgt_tok, sent)))
               if tgt_tok is not None else [])
    out: list[_Coded] = []
    if sources and targets:
        for s, t in itertools.product(sources, targets):
            if s == t:
                continue
            out.append(_Coded(s, t, main, v, rule, src_tok, tgt_tok))  # type: ignore[arg-type]
            if rev and rev != NULL_CODE:
                out.append(_Coded(t, s, rev, v, rule + ":rev", tgt_tok, src_tok))  # type: ignore[arg-type]
    elif len(sources) > 1 and not targets and (compound or rev):
        for s, t in itertools.combinations(sources, 2):
            out.append(_Coded(s, t, main, v, rule + ":pair", src_tok, src_tok))
            out.append(_Coded(t, s, rev or main, v, rule + ":pair", src_tok, src_tok))
    return out


def _root(t: Token) -> Token:
    for _ in range(50):
        if t.head.i == t.i:
            break
        t = t.head
    return t


def _first_actor_after(v: Token, hit: _VerbHit, src: Token | None, sent: _Sentence, doc: Doc, *,
                       literal: bool = False) -> Token | None:
    subtree = {t.i for t in v.subtree}
    excluded = _excluded_subtrees(v, src, literal=literal)
    if src is not None:
        excluded.update(t.i for t in np_top(src, sent).subtree)
    last_tok = sent.words[hit.end - 1].tok
    for m in sent.mentions:
        tok = m.tokens[0]
        if tok <= last_tok or tok not in subtree or tok in excluded:
            continue
        return doc[tok]
    # a parse split into fragments: an actor in a following noun-rooted fragment
    for m in sent.mentions:
        tok = m.tokens[0]
        root = doc[tok]
        while root.head.i != root.i:
            root = root.head
        if tok > last_tok and root.i != _root(v).i and root.pos_ in ("NOUN", "PROPN") and root.i not in subtree:
            if not any(t.i <= last_tok for t in root.subtree):
                return doc[tok]
    return None


def _sentences(doc: Doc) -> list[Span]:
    """spaCy sentences, re-joined where a split falls after a token that cannot end a sentence."""
    out: list[Span] = []
    start: int | None = None
    for s in doc.sents:
        if start is None:
            start = s.start
        last = [t for t in s if not t.is_space]
        if last and last[-1].text in (".", "!", "?", '"', "'", "\u201d", ")", ":") or s.end == len(doc):
            span = doc[start : s.end]
            if span.text.strip():
                out.append(span)
            start = None
    if start is not None and doc[start:].text.strip():
        out.append(doc[start:])
    return out


class PetrarchCoder:
    """PETRARCH dictionary semantics behind the `Coder` protocol: dictionary phrases, verbs and
    patterns per sentence (`match`); codings checked against CAMEO and drafted for the shared Event
    builder (`decide`)."""

    name = "petrarch"
    version = CODER_VERSION

    def __init__(self, lexicon: PetrarchLexicon) -> None:
        self.lexicon = lexicon

    def match(self, doc: Doc, published: date | None, *, text: str, gazetteer: Gazetteer | None = None,
              source: str | None = None) -> list[SentenceMatch[_Sentence, _Coded]]:
        """The article's sentences with their dictionary mentions and codings (none for a story
        with a story-level discard phrase)."""
        lex = self.lexicon
        sents = [_sentence(span, lex, published) for span in _sentences(doc)]
        if any(_discarded(s.words, lex, story=True) for s in sents):
            return []
        out = []
        for idx, sent in enumerate(sents):
            isos = [lex.iso3_of(c) for m in sent.mentions if m.kind == "actor" for c in m.codes]
            named = tuple(iso for iso in isos if iso)
            out.append(SentenceMatch(idx, sent.span, sent, tuple(_codings(sent, lex)), countries=frozenset(named),
                                     actor_countries=named))
        return out

    def decide(self, doc: Doc, match: SentenceMatch[_Sentence, _Coded]) -> tuple[list[Draft], list[Decision]]:
        """One draft per distinct (source, target, code) coding of the sentence whose code is CAMEO
        (or mapped to its CAMEO parent, by the lexicon's non-CAMEO policy)."""
        drafts: list[Draft] = []
        decisions: list[Decision] = []
        seen: set[tuple[str, str, str]] = set()
        for c in match.candidates:
            key = (c.source, c.target, c.code)
            if key in seen:
                decisions.append(_decision(c, "merged", "same dyad and code as an earlier coding of the sentence"))
                continue
            seen.add(key)
            checked = _cameo_checked(c, self.lexicon, f"sentence {match.index}")
            if checked is None:
                decisions.append(_decision(c, "dropped", f"code {c.code} is not CAMEO and has no CAMEO parent"))
                continue
            d = _draft(checked, self.lexicon)
            drafts.append(d)
            decisions.append(_decision(checked, "event", d.rule_id))
        return drafts, decisions


def _decision(c: _Coded, outcome: str, reason: str) -> Decision:
    return Decision(c.verb.text, c.rule, c.code, c.source_tok.text, c.target_tok.text, outcome, reason)


def _draft(c: _Coded, lex: PetrarchLexicon) -> Draft:
    info = lex.code_info(c.code) or lex.code_info(c.code[:2])
    return Draft(
        trigger=c.verb,
        code=c.code,
        info=info,
        source=_party(c.source, c.source_tok, lex),
        target=_party(c.target, c.target_tok, lex),
        rule_id=f"petrarch:{c.rule}",
        confidence=0.7,
        military=info is not None and info.root in lex.coder_words.military_roots,
        extras={"engine": "petrarch"},
    )


def _party(code: str, tok: Token, lex: PetrarchLexicon) -> Party:
    """A coded actor: its phrase's head token, its country and the agent role after the country."""
    country = lex.iso3_of(code)
    return Party(text=tok.text, code=code, country=country, role=code[3:6] if len(code) >= 6 else None,
                 span=(tok.idx, tok.idx + len(tok.text)), metonym=len(code) == 3 and country is not None)


def code_article_petrarch(
    doc: Doc,
    lexicon: PetrarchLexicon,
    published: date | None,
    *,
    doc_id: str = "",
    gazetteer: Gazetteer | None = None,
    published_inferred: bool = False,
) -> list[Event]:
    """All events of one parsed article under PETRARCH dictionary semantics (pure): the shared
    article loop run with `PetrarchCoder`."""
    from dyadflow.coder import code_article

    return code_article(doc, lexicon, published, doc_id=doc_id, gazetteer=gazetteer,
                        published_inferred=published_inferred, coder=PetrarchCoder(lexicon))


def cameo_parent(code: str, cameo: Mapping[str, Any]) -> str | None:
    """The nearest CAMEO ancestor of a dictionary code ("174K" -> "174", "1717" -> "171"), if any."""
    digits = code.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if digits != code and digits in cameo:
        return digits
    for k in range(len(digits) - 1, 1, -1):
        if digits[:k] in cameo:
            return digits[:k]
    return None


def _cameo_checked(c: _Coded, lex: PetrarchLexicon, where: str) -> _Coded | None:
    """Apply the lexicon's non-CAMEO policy to one coding (None: dropped, with the reason logged)."""
    if c.code in lex.cameo or not lex.cameo and CAMEO_PATTERN.fullmatch(c.code):
        return c
    if lex.noncameo == "keep":
        return replace(c, rule=c.rule + ":noncameo")
    parent = cameo_parent(c.code, lex.cameo)
    if parent is None:
        log.info("dropped %s->%s event in %s: dictionary code %r (%s) is not a CAMEO code and has no "
                 "CAMEO parent", c.source, c.target, where, c.code, c.rule)
        return None
    return replace(c, code=parent, rule=f"{c.rule}:noncameo={c.code}")
