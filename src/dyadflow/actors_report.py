"""What the dictionaries make of actor names: `dyadflow actors search NAME` and `--unmatched`.

`search_name` says what a name codes to on a date and why (which seed table and row, which period);
`unmatched_actors` lists the actor-like spans of parsed articles (spaCy GPE/LOC/NORP/ORG/PERSON
entities and agent noun phrases) that no dictionary entry covers, with counts and an example
sentence, so users can grow the seed tables from their own corpus. Pure functions over records
and parsed docs: the CLI reads the warehouse and builds the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from dyadflow.lexicon.loader import ActorRow
from dyadflow.lexicon.model import Lexicon, fold
from dyadflow.nlp import ACTOR, AGENT, CAPITAL, COUNTRY, DEMONYM, OUTLET, SPANS_KEY

ENTITY_LABELS = ("GPE", "LOC", "NORP", "ORG", "PERSON")
PLACE_LABELS = frozenset({"GPE", "LOC"})
AGENT_LABEL = "AGENT_NP"
AGENT_DEPS = frozenset({"nsubj", "nsubjpass"})
AGENTIVE_SUFFIXES = ("er", "ers", "or", "ors", "ist", "ists", "ant", "ants", "ent", "ents", "ian", "ians",
                     "man", "men", "ee", "ees", "ary", "aries", "ite", "ites")
GROUP_NOUNS = frozenset({"people", "forces", "troops", "police", "staff", "personnel", "crew", "youth", "youths",
                         "militia", "militias", "guards", "authorities", "officials", "clan", "clans", "tribe",
                         "tribes", "group", "groups", "faction", "factions", "unit", "units", "brigade",
                         "brigades", "battalion", "battalions", "council", "committee", "agency", "ministry"})
NOT_AGENTS = frozenset({"number", "order", "water", "power", "border", "center", "centre", "matter", "quarter",
                        "letter", "corner", "computer", "paper", "disaster", "summer", "winter", "member",
                        "members", "statement", "agreement", "government", "movement", "development",
                        "department", "parliament", "event", "events", "percent", "president", "incident",
                        "incidents", "report", "reports", "effort", "efforts", "majority", "minority",
                        "weather", "monitor", "sector", "factor", "error", "mirror", "content", "talent",
                        "summary", "anniversary", "boundary", "ministry", "secretary", "military", "other",
                        "others", "another", "whoever", "either", "neither"})
_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_SENTENCE_CHARS = 240


# ---- search ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ActorHit:
    """One seed row whose name or alias matches the query."""

    table: str
    line: int
    actor_id: str
    name: str
    form: str  # the matching surface form
    code: str
    kind: str
    title: str | None
    valid_from: date | None
    valid_to: date | None
    valid_on_date: bool
    chosen: bool  # the entry the coder takes for this actor on the date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TermHit:
    """A country surface form or generic agent term that matches the query."""

    kind: str  # country | demonym | capital | agent
    key: str  # country code or agent term
    label: str  # country name or agent role
    code: str  # what the form alone codes to (a bare country is a metonym: GOV, or MIL in military events)


@dataclass(frozen=True)
class SearchResult:
    query: str
    day: date | None
    actors: tuple[ActorHit, ...] = ()
    terms: tuple[TermHit, ...] = ()
    partial: tuple[ActorHit, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes the query gets on the date, best first (named actors, then places and agents)."""
        named = [h.code for h in self.actors if h.chosen]
        return tuple(dict.fromkeys([*named, *(t.code for t in self.terms)]))


def _key(text: str) -> str:
    return _SPACE.sub(" ", fold(_ARTICLE.sub("", text.strip()))).strip()


def _chosen(entries: Sequence[ActorRow], day: date | None) -> ActorRow | None:
    """The row the coder uses on day: the latest-starting valid one, else the nearest period."""
    if not entries:
        return None
    if day is None:
        return max(entries, key=lambda r: r.actor.valid_from or date.min)
    valid = [r for r in entries if r.actor.valid_on(day)]
    if valid:
        return max(valid, key=lambda r: r.actor.valid_from or date.min)

    def dist(r: ActorRow) -> int:
        lo, hi = r.actor.valid_from or date.min, r.actor.valid_to or date.max
        return min(abs((day - lo).days), abs((day - hi).days))

    return min(entries, key=dist)


def _hits(rows: Sequence[ActorRow], matches: dict[str, str], day: date | None) -> tuple[ActorHit, ...]:
    by_id: dict[str, list[ActorRow]] = {}
    for r in rows:
        if r.actor.actor_id in matches:
            by_id.setdefault(r.actor.actor_id, []).append(r)
    out = []
    for actor_id, entries in by_id.items():
        chosen = _chosen(entries, day)
        for r in sorted(entries, key=lambda r: r.actor.valid_from or date.min):
            a = r.actor
            out.append(ActorHit(r.table, r.line, a.actor_id, a.name, matches[actor_id], a.code, a.kind, a.title,
                                a.valid_from, a.valid_to, a.valid_on(day), r is chosen, r.note))
    return tuple(sorted(out, key=lambda h: (not h.chosen, not h.valid_on_date, h.actor_id)))


def _term_hits(query: str, lexicon: Lexicon) -> tuple[TermHit, ...]:
    out: list[TermHit] = []
    for c in lexicon.countries:
        for kind, forms in (("country", (c.name, *c.aliases)), ("demonym", c.demonyms), ("capital", c.capitals)):
            if any(_key(f) == query for f in forms):
                code = c.code if kind == "country" else f"{c.code}GOV"
                out.append(TermHit(kind, c.code, c.name, code))
    singular = query[:-1] if query.endswith("s") else query
    for term in dict.fromkeys((query, singular)):
        agent = lexicon.agent_by_term.get(term)
        if agent is not None:
            out.append(TermHit("agent", agent.term, agent.role, agent.role))
            break
    return tuple(out)


def search_name(name: str, rows: Sequence[ActorRow], lexicon: Lexicon, day: date | None = None,
                max_partial: int = 15) -> SearchResult:
    """What NAME codes to on `day` and why: matching seed rows (exact name/alias, accent- and
    case-folded), country forms and agent terms; when nothing matches exactly, the rows whose forms
    contain the query or are contained in it."""
    query = _key(name)
    exact: dict[str, str] = {}
    partial: dict[str, str] = {}
    pattern = re.compile(rf"(?<!\w){re.escape(query)}(?!\w)") if query else None
    for r in rows:
        for form in (r.actor.name, *r.actor.aliases):
            k = _key(form)
            if not k:
                continue
            if k == query:
                exact.setdefault(r.actor.actor_id, form)
            elif pattern is not None and (pattern.search(k) or re.search(rf"(?<!\w){re.escape(k)}(?!\w)", query)):
                partial.setdefault(r.actor.actor_id, form)
    terms = _term_hits(query, lexicon)
    part: tuple[ActorHit, ...] = ()
    if not exact and not terms and partial:
        ids = dict(list((k, v) for k, v in partial.items() if k not in exact)[:max_partial])
        part = _hits(rows, ids, day)
    return SearchResult(query=name, day=day, actors=_hits(rows, exact, day), terms=terms, partial=part)


# ---- unmatched ------------------------------------------------------------------------------
@dataclass
class UnmatchedSpan:
    """An actor-like span no dictionary entry covers, counted over the corpus."""

    text: str  # as first seen
    label: str  # the most frequent spaCy entity label it got, or AGENT_NP
    count: int
    example: str  # the first sentence it was seen in
    doc_id: str
    n_docs: int = 1
    labels: dict[str, int] = field(default_factory=dict)  # every label it got, with counts


def _covered(doc: Doc) -> set[int]:
    labels = {ACTOR, COUNTRY, CAPITAL, DEMONYM, AGENT, OUTLET}
    spans = doc.spans[SPANS_KEY] if SPANS_KEY in doc.spans else []
    return {i for s in spans if s.label_ in labels for i in range(s.start, s.end)}


def _sentence(span: Span | Token) -> str:
    sent = span.sent.text.strip()
    return sent if len(sent) <= _SENTENCE_CHARS else sent[: _SENTENCE_CHARS - 1] + "…"


def _agent_phrase(tok: Token) -> Span | None:
    """A noun phrase headed by an agent-like noun in subject position ("the insurgents", "Hutu militiamen")."""
    if tok.pos_ != "NOUN" or tok.dep_ not in AGENT_DEPS or tok.ent_type_:
        return None
    lemma, lower = tok.lemma_.lower(), tok.lower_
    if lower in NOT_AGENTS or lemma in NOT_AGENTS or not tok.is_alpha:
        return None
    if not (lower in GROUP_NOUNS or lemma in GROUP_NOUNS or (tok.tag_ == "NNS" and lower.endswith(AGENTIVE_SUFFIXES))
            or lower.endswith(("man", "men", "ist", "ists"))):
        return None
    left = tok.i
    for child in tok.lefts:
        if child.dep_ in ("compound", "amod") and child.i < left and all(
            t.dep_ in ("compound", "amod", "punct", "hyph") or t.i == child.i for t in tok.doc[child.i : tok.i]
        ):
            left = child.i
    return tok.doc[left : tok.i + 1]


def _is_place(ent: Span, text: str, gazetteer: object) -> bool:
    """A span the gazetteer resolves: any GPE/LOC, and one-word spans the model labelled otherwise
    ("Kherson" tagged PERSON); full person names stay listed even when a town bears the name."""
    if ent.label_ not in PLACE_LABELS and len(ent) > 1:
        return False
    return text in gazetteer  # type: ignore[operator]


def unmatched_spans(doc: Doc, gazetteer: object | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(folded key, label, text, sentence) of every actor-like span in doc that the lexicon does not cover.

    A span counts as covered when the lexicon ruler matched its head token; a GPE/LOC also when
    the gazetteer (if given) resolves it to a place."""
    covered = _covered(doc)
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        if ent.root.i in covered or all(i in covered for i in range(ent.start, ent.end)):
            continue
        text = _ARTICLE.sub("", ent.text.strip())
        if not text or not any(c.isalpha() for c in text):
            continue
        if gazetteer is not None and _is_place(ent, text, gazetteer):
            continue
        yield _key(text), ent.label_, text, _sentence(ent)
    for tok in doc:
        if tok.i in covered:
            continue
        np = _agent_phrase(tok)
        if np is None or any(i in covered for i in range(np.start, np.end)):
            continue
        text = np.text.strip()
        yield _key(text), AGENT_LABEL, text, _sentence(np)


def unmatched_actors(docs: Iterable[tuple[str, Doc]], gazetteer: object | None = None) -> list[UnmatchedSpan]:
    """Unmatched actor-like spans over (doc_id, parsed doc) pairs, most frequent first."""
    found: dict[str, UnmatchedSpan] = {}
    docs_seen: dict[str, set[str]] = {}
    for doc_id, doc in docs:
        for key, label, text, sentence in unmatched_spans(doc, gazetteer):
            item = found.get(key)
            if item is None:
                item = found[key] = UnmatchedSpan(text=text, label=label, count=0, example=sentence, doc_id=doc_id)
                docs_seen[key] = set()
            item.count += 1
            item.labels[label] = item.labels.get(label, 0) + 1
            item.label = max(item.labels, key=item.labels.__getitem__)  # first seen wins ties
            docs_seen[key].add(doc_id)
            item.n_docs = len(docs_seen[key])
    return sorted(found.values(), key=lambda u: (-u.count, -u.n_docs, u.label, u.text.lower()))


__all__ = ["ActorHit", "SearchResult", "TermHit", "UnmatchedSpan", "search_name", "unmatched_actors",
           "unmatched_spans"]
