"""The CAMEO event coder: `code_article(doc, lexicon, published) -> list[Event]` (pure).

A pipeline of small stages over typed records (coder.records), each a module:

    parse -> mentions (coder.mentions) -> document registry (coder.registry) -> predicates
    (coder.predicates: vocabulary patterns and modality) -> candidates (coder.candidates: argument
    frames) -> events (coder.events: dyads, decisions, Event records with date, place, ACLED, PLOVER)

`trace_article` returns every stage's output per sentence (`dyadflow code --explain`).

`NativeCoder` implements the `Coder` protocol (coder.protocol) that the PETRARCH-compatibility coder
(dyadflow.petrarch.coder.PetrarchCoder) implements too: both run in one article loop
(`protocol.run_article`) and one Event builder (`events.build_event`); `coder_for(lexicon)` picks
the coder a lexicon was read for.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from dyadflow.coder.candidates import SentenceCoder
from dyadflow.coder.events import CODER_VERSION, Decision, _is_symmetric, sentence_drafts
from dyadflow.coder.mentions import ActorFinder
from dyadflow.coder.protocol import Coder, SentenceMatch, SentenceTrace, run_article
from dyadflow.coder.records import Candidate, Draft, Mention, SentenceActors
from dyadflow.coder.registry import issuer_mention
from dyadflow.lexicon.model import Lexicon
from dyadflow.records import Event

if TYPE_CHECKING:  # pragma: no cover
    from dyadflow.geo import Gazetteer

EARLIER_SENTENCES = 8  # how far back "the attack" may refer

__all__ = ["CODER_VERSION", "Coder", "NativeCoder", "SentenceTrace", "code_article", "code_sentences", "coder_for",
           "trace_article"]


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
    coders: list[SentenceCoder] = []
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
            finder.note_participants(_participants(c), conflict=c.code[:2] in lexicon.coder_words.military_roots)
            if c.modality.factual and c.sources:
                for t in c.targets:
                    finder.note_target(t)
        out.append((idx, sent, actors, cands))
        coders.append(coder)
    backoff = getattr(lexicon, "backoff", None)
    if backoff is not None:  # the learned back-off for unmatched verbs (coder.backoff_stage), one batch per article
        extended = backoff.extend(coders, [cands for *_, cands in out])
        out = [(idx, sent, actors, cands) for (idx, sent, actors, _), cands in zip(out, extended, strict=True)]
    return out


class NativeCoder:
    """The native coder's stages behind the `Coder` protocol: mentions, registry, predicates and
    candidates (`match`), then dyads and drafts (`decide`, coder.events)."""

    name = "native"
    version = CODER_VERSION

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        if getattr(lexicon, "backoff", None) is not None:
            self.version = f"{CODER_VERSION}+backoff"  # its codings differ: a separate coding key

    def match(self, doc: Doc, published: date | None, *, text: str, gazetteer: Gazetteer | None = None,
              source: str | None = None) -> list[SentenceMatch[SentenceActors, Candidate]]:
        """Actors and candidates per sentence, with the countries they name."""
        iso = self.lexicon.country_by_code
        out = []
        for idx, sent, actors, cands in code_sentences(doc, self.lexicon, published, gazetteer, text=text,
                                                       source=source):
            named = [(m, iso.get(m.country or "")) for m in actors.mentions]
            out.append(SentenceMatch(
                idx, sent, actors, tuple(cands),
                countries=frozenset(c.iso3 for _, c in named if c is not None and c.iso3),
                actor_countries=tuple(c.iso3 for m, c in named if c is not None and c.iso3 and not m.modifier),
            ))
        return out

    def decide(self, doc: Doc, match: SentenceMatch[SentenceActors, Candidate]) -> tuple[list[Draft], list[Decision]]:
        """The sentence's event drafts and the events stage's decisions (coder.events)."""
        return sentence_drafts(doc, match.actors, match.candidates, self.lexicon)


def coder_for(lexicon: Lexicon) -> Coder:
    """The coder a lexicon was read for: its `engine` ("native" seed tables, "petrarch" PETRARCH2
    dictionaries) names it."""
    if getattr(lexicon, "engine", "native") == "petrarch":
        from dyadflow.petrarch.coder import PetrarchCoder

        return PetrarchCoder(lexicon)  # type: ignore[arg-type]
    return NativeCoder(lexicon)


def code_article(
    doc: Doc,
    lexicon: Lexicon,
    published: date | None,
    *,
    doc_id: str = "",
    gazetteer: Gazetteer | None = None,
    published_inferred: bool = False,
    source: str | None = None,
    coder: Coder | None = None,
) -> list[Event]:
    """All events of one parsed article (pure: no I/O, no globals); `source` is the article's
    source/publisher field (front matter), which tells who "we" is in a statement; `coder`: the
    coder to run (default: the one the lexicon was read for, `coder_for`)."""
    traces = run_article(coder or coder_for(lexicon), doc, published, doc_id=doc_id, gazetteer=gazetteer,
                         published_inferred=published_inferred, source=source)
    return [e for t in traces for e in t.events]


def trace_article(
    doc: Doc, lexicon: Lexicon, published: date | None, *, doc_id: str = "", gazetteer: Gazetteer | None = None,
    published_inferred: bool = False, source: str | None = None,
) -> list[SentenceTrace[SentenceActors, Candidate]]:
    """The native coder's stages over one parsed article, sentence by sentence (pure)."""
    return run_article(NativeCoder(lexicon), doc, published, doc_id=doc_id, gazetteer=gazetteer,
                       published_inferred=published_inferred, source=source)
