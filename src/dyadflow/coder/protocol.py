"""One `Coder` protocol for the native and the PETRARCH coders, and the article loop they share.

A coder supplies only the two stages in which the implementations differ:

- `match`: the article's sentences (its own segmentation) with their actors and event candidates
  (native: mentions -> registry -> predicates -> candidates; PETRARCH: dictionary phrases and verb
  patterns);
- `decide`: one sentence's candidates as directed event drafts (`records.Draft`) and a `Decision`
  per candidate (why it became an event or not).

`run_article` is the shared loop: the sentences in order, one date/place context per article
(`adapters.ArticleContext`), every draft built by the one Event builder (`events.build_event`: date,
place, PLOVER, ACLED, fatalities), events with the same id kept once. `dyadflow.coder.coder_for`
picks the coder a lexicon was read for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from spacy.tokens import Doc, Span

from dyadflow.coder import adapters
from dyadflow.coder.events import Decision, build_event
from dyadflow.coder.records import Draft
from dyadflow.lexicon.model import Lexicon
from dyadflow.records import Event

if TYPE_CHECKING:  # pragma: no cover
    from dyadflow.geo import Gazetteer

__all__ = ["Coder", "SentenceMatch", "SentenceTrace", "run_article"]

A = TypeVar("A")  # a coder's record of one sentence's actors
C = TypeVar("C")  # a coder's event candidate


@dataclass(frozen=True, slots=True)
class SentenceMatch(Generic[A, C]):
    """One sentence as a coder's matching stage left it: its actors and event candidates, and the
    countries it names (ISO3), which the article's date/place context reads."""

    index: int
    sentence: Span
    actors: A
    candidates: tuple[C, ...]
    countries: frozenset[str] = frozenset()  # every country named (the sentence's place context)
    actor_countries: tuple[str, ...] = ()  # one per actor mention (ranks the article's countries)


@dataclass(frozen=True, slots=True)
class SentenceTrace(Generic[A, C]):
    """Every stage's output for one sentence: mentions, predicates (candidates with their modality),
    the events stage's decisions and the events (what `dyadflow code --explain` shows)."""

    index: int
    sentence: Span
    actors: A
    candidates: tuple[C, ...]
    decisions: tuple[Decision, ...]
    events: tuple[Event, ...]


@runtime_checkable
class Coder(Protocol):
    """A CAMEO coder as the shared article loop drives it (implemented by the native coder and the
    PETRARCH-compatibility coder)."""

    name: str  # "native" | "petrarch"
    version: str  # stamped on every event (coder_version; part of the coding key)
    lexicon: Lexicon

    def match(self, doc: Doc, published: date | None, *, text: str, gazetteer: Gazetteer | None = None,
              source: str | None = None) -> Sequence[SentenceMatch[Any, Any]]:
        """The article's sentences in order, each with its actors and event candidates."""
        ...

    def decide(self, doc: Doc, match: SentenceMatch[Any, Any]) -> tuple[Sequence[Draft], Sequence[Decision]]:
        """One sentence's candidates as directed event drafts, and a decision per candidate."""
        ...


def run_article(
    coder: Coder, doc: Doc, published: date | None, *, doc_id: str = "", gazetteer: Gazetteer | None = None,
    published_inferred: bool = False, source: str | None = None,
) -> list[SentenceTrace[Any, Any]]:
    """Every sentence's candidates, decisions and events of one parsed article under `coder` (pure)."""
    text = doc.text  # Doc.text joins every token: build it once per article
    matches = coder.match(doc, published, text=text, gazetteer=gazetteer, source=source)
    ctx = adapters.ArticleContext(
        doc, [m.sentence for m in matches], published, published_inferred=published_inferred, gazetteer=gazetteer,
        article_countries=_ranked(iso for m in matches for iso in m.actor_countries),
        sentence_countries=[m.countries for m in matches], text=text,
    )
    seen: set[str] = set()
    out: list[SentenceTrace[Any, Any]] = []
    for m in matches:
        drafts, decisions = coder.decide(doc, m)
        events = []
        for d in drafts:
            ev = build_event(doc, m.sentence, m.index, d, ctx, coder.lexicon, doc_id=doc_id,
                             coder_version=coder.version)
            if ev.event_id not in seen:
                seen.add(ev.event_id)
                events.append(ev)
        out.append(SentenceTrace(m.index, m.sentence, m.actors, m.candidates, tuple(decisions), tuple(events)))
    return out


def _ranked(isos: Iterable[str]) -> list[str]:
    """Countries by how often the article's actors name them (first named first among equals)."""
    counts: dict[str, int] = {}
    for iso in isos:
        counts[iso] = counts.get(iso, 0) + 1
    return [k for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])]
