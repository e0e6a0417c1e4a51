"""The CAMEO event coder: `code_article(doc, lexicon, published) -> list[Event]` (pure).

A pipeline of small stages over typed records (coder.records), each a module:

    parse -> mentions (coder.mentions) -> document registry (coder.registry) -> predicates
    (coder.predicates: vocabulary patterns and modality) -> candidates (coder.candidates: argument
    frames) -> events (coder.events: dyads, decisions, Event records with date, place, ACLED, PLOVER)

`trace_article` returns every stage's output per sentence (`dyadflow code --explain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from dyadflow.coder import adapters
from dyadflow.coder.candidates import SentenceCoder
from dyadflow.coder.events import (
    CODER_VERSION,
    Decision,
    _article_countries,
    _is_symmetric,
    sentence_decisions,
)
from dyadflow.coder.mentions import ActorFinder
from dyadflow.coder.records import Candidate, Mention, SentenceActors
from dyadflow.coder.registry import issuer_mention
from dyadflow.lexicon.model import Lexicon
from dyadflow.records import Event

if TYPE_CHECKING:  # pragma: no cover
    from dyadflow.geo import Gazetteer

EARLIER_SENTENCES = 8  # how far back "the attack" may refer

__all__ = ["CODER_VERSION", "SentenceTrace", "code_article", "code_sentences", "trace_article"]


def _participants(c: Candidate) -> list[Mention]:
    """The parties of a candidate's act, for later "the parties": several targets ("welcomed the deal
    between A and B"), several sources, or both sides of a symmetric act."""
    sources = [x for m in c.sources for x in m.expand()]
    targets = [x for m in c.targets for x in m.expand()]
    if len({m.code() for m in targets}) >= 2:
        return targets
    if len({m.code() for m in sources}) >= 2:
        return sources
    if _is_symmetric(c.code) or c.pattern.symmetric or c.code[:2] in ("18", "19", "20"):
        return sources + targets
    return []


def _sentence_index(doc: Doc, text: str | None = None) -> list[Span]:
    if text is None:
        text = doc.text
    # a sentence's text is text[start_char:end_char] (== Span.text, without re-joining its tokens)
    return [s for s in doc.sents if text[s.start_char:s.end_char].strip()]


def code_sentences(
    doc: Doc, lexicon: Lexicon, published: date | None, gazetteer: Gazetteer | None = None, *,
    text: str | None = None, source: str | None = None,
) -> list[tuple[int, Span, SentenceActors, list[Candidate]]]:
    """Actors and event candidates per sentence (the matching half of the coder); `text`:
    doc.text if already built; `source`: the article's source field (a statement's author speaks
    as "we"/"I")."""
    finder = ActorFinder(doc, lexicon, published, issuer=issuer_mention(lexicon, source, published))
    out = []
    earlier: list[tuple[int, Candidate]] = []  # recent candidates with sources, for "condemned the attack"
    for idx, sent in enumerate(_sentence_index(doc, text)):
        actors = finder.sentence(sent)
        prefer = tuple(
            iso for iso in (
                (lexicon.country_by_code[c].iso3 if c in lexicon.country_by_code else None)
                for c, _ in sorted(finder.state.country_counts.items(), key=lambda kv: -kv[1])
            ) if iso
        )
        earlier = [(i, c) for i, c in earlier if idx - i <= EARLIER_SENTENCES]
        recent = tuple(c for _, c in earlier)
        coder = SentenceCoder(sent, actors, lexicon, gazetteer, prefer, finder.main_country(), recent)
        cands = list(coder.candidates())
        earlier.extend((idx, c) for c in cands if c.sources and c.modality == "asserted")
        for c in cands:
            finder.note_participants(_participants(c))
            if c.modality.factual and c.sources:
                for t in c.targets:
                    finder.note_target(t)
        out.append((idx, sent, actors, cands))
    return out


def code_article(
    doc: Doc,
    lexicon: Lexicon,
    published: date | None,
    *,
    doc_id: str = "",
    gazetteer: Gazetteer | None = None,
    published_inferred: bool = False,
    source: str | None = None,
) -> list[Event]:
    """All events of one parsed article (pure: no I/O, no globals); `source` is the article's
    source/publisher field (front matter), which tells who "we" is in a statement."""
    if getattr(lexicon, "engine", "native") == "petrarch":  # lexicon read from PETRARCH dictionaries
        from dyadflow.petrarch.coder import code_article_petrarch

        return code_article_petrarch(doc, lexicon, published, doc_id=doc_id,  # type: ignore[arg-type]
                                     gazetteer=gazetteer, published_inferred=published_inferred)
    return [e for t in trace_article(doc, lexicon, published, doc_id=doc_id, gazetteer=gazetteer,
                                     published_inferred=published_inferred, source=source) for e in t.events]


@dataclass(frozen=True, slots=True)
class SentenceTrace:
    """Every stage's output for one sentence: mentions, predicates (candidates with their modality),
    the events stage's decisions and the events (what `dyadflow code --explain` shows)."""

    index: int
    sentence: Span
    actors: SentenceActors
    candidates: tuple[Candidate, ...]
    decisions: tuple[Decision, ...]
    events: tuple[Event, ...]


def trace_article(
    doc: Doc, lexicon: Lexicon, published: date | None, *, doc_id: str = "", gazetteer: Gazetteer | None = None,
    published_inferred: bool = False, source: str | None = None,
) -> list[SentenceTrace]:
    """The native coder's stages over one parsed article, sentence by sentence (pure)."""
    text = doc.text  # Doc.text joins every token: build it once per article
    coded = code_sentences(doc, lexicon, published, gazetteer, text=text, source=source)
    article_countries = _article_countries(coded, lexicon)
    ctx = adapters.ArticleContext.from_coded(doc, coded, lexicon, published, published_inferred=published_inferred,
                                             gazetteer=gazetteer, article_countries=article_countries, text=text)
    out: list[SentenceTrace] = []
    for idx, sent, actors, cands in coded:
        events, decisions = sentence_decisions(doc, idx, sent, actors, cands, lexicon, published, published_inferred,
                                               doc_id, gazetteer, article_countries, ctx)
        out.append(SentenceTrace(idx, sent, actors, tuple(cands), tuple(decisions), tuple(events)))
    return out


