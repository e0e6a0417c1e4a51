"""The coder's one seam to the time, place and ACLED modules, with the article-level context a
careful human coder reads an event in.

`ArticleContext` is built once per article (by `code_article`) and answers `date(...)` and
`place(...)` for each event. Besides the event's own sentence it uses the discourse:

- restatements ("..., the ministry said at the time") take the date and place of the event just
  told;
- report anchors ("X made the remarks in a meeting in Damascus on Thursday") date and place the
  statements by X told in the few sentences before (or the headline and lead);
- a past-tense event with no time of its own takes the date last told in its paragraph, else the
  story's news day (the latest day-precise date within a week before publication), with that
  narrative's place when it concerns the same actors;
- a host metonym ("Moscow hosted talks") places the sentence's diplomatic events;
- a dateline is the story's date, not an event's (its place stays the fallback place).

Statements are placed where they were made: for verbal events (comment, appeal, demand,
disapprove, reject, threaten...) places inside the reported content or attached to a noun
("support for ... in the Gaza Strip", "opposition to Damascus") are not the event's place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from spacy.tokens import Doc, Span, Token

from dyadflow import fatalities, geo, timeparse
from dyadflow.records import Event

__all__ = ["FATALITY_CODES", "ArticleContext", "acled", "dateline", "enrich", "event_date", "place"]

# roots of verbal events: placed where the statement was made
VERBAL_ROOTS = frozenset({"01", "02", "03", "10", "11", "12", "13", "16"})
# roots whose place may come from a host metonym or the narrative
DIPLOMATIC_ROOTS = frozenset({"01", "02", "03", "04", "05", "06", "10", "11", "12", "13", "16"})
# nouns that name the occasion of a statement ("during a visit to X", "at a briefing in X")
_VENUE_NOUNS = frozenset({
    "visit", "trip", "tour", "meeting", "talks", "summit", "briefing", "conference", "interview",
    "speech", "ceremony", "session", "sidelines", "forum", "rally", "address", "gathering", "event",
    "capital", "city", "town", "meet", "negotiations", "stop", "stopover",
})
_NEWS_DAY_WINDOW = timedelta(days=7)
_PRIOR = re.compile(r"\b(?:previously|formerly|in the past|long|for years|has long|have long)\b", re.IGNORECASE)
_ANCHOR_REACH = 3


@dataclass(frozen=True)
class _Frame:
    """What one sentence tells about time and place (its main clause)."""

    date: timeparse.DateResolution | None  # explicit/relative/carried date, else None
    place: geo.Place | None  # locative place of the main clause (or carried)
    paragraph: int
    countries: frozenset[str]
    news_day: bool  # a day-precise date within a week before publication


class ArticleContext:
    """Per-article time/place resolver (built once per article; caches per sentence)."""

    def __init__(
        self,
        doc: Doc,
        sentences: list[Span],
        published: date | None,
        *,
        published_inferred: bool = False,
        gazetteer: geo.Gazetteer | None = None,
        article_countries: list[str] | None = None,
        sentence_countries: list[frozenset[str]] | None = None,
        text: str | None = None,
    ) -> None:
        self.doc = doc
        self.sentences = sentences
        self.published = published
        self.published_inferred = published_inferred
        self.gazetteer = gazetteer
        self.article_countries = list(article_countries or [])
        self.sentence_countries = sentence_countries or [frozenset() for _ in sentences]
        if text is None:
            text = doc.text  # Doc.text joins every token: build it once
        self.text = text
        # sentence texts sliced from the document text (== Span.text, without re-joining tokens)
        self.texts = [text[s.start_char:s.end_char] for s in sentences]
        self._index = {s.start: i for i, s in enumerate(sentences)}
        self.dateline_span = tuple(timeparse.dateline_spans(text))
        self.dateline = dateline(text, gazetteer)
        self._paragraphs = _paragraphs(text, sentences, self.texts)
        self._exprs: dict[tuple[int, bool | None], list[timeparse.TimeExpression]] = {}
        self._place_mentions: dict[str, Any] = {}
        self._frames: dict[int, _Frame] = {}
        self._anchors: dict[int, int] | None = None
        self._dates: dict[tuple[int, int, bool, bool | None], tuple[timeparse.DateResolution, _Frame | None]] = {}
        self._places: dict[tuple[Any, ...], geo.Place | None] = {}

    @classmethod
    def from_coded(
        cls, doc: Doc, coded: list[Any], lexicon: Any, published: date | None, *,
        published_inferred: bool = False, gazetteer: geo.Gazetteer | None = None,
        article_countries: list[str] | None = None, text: str | None = None,
    ) -> ArticleContext:
        """Context from the coder's per-sentence (idx, sentence, actors, candidates) tuples."""
        sents, countries = [], []
        for _idx, sent, actors, _cands in coded:
            sents.append(sent)
            isos = set()
            for m in getattr(actors, "mentions", ()):
                c = lexicon.country_by_code.get(m.country or "")
                if c is not None and c.iso3:
                    isos.add(c.iso3)
            countries.append(frozenset(isos))
        return cls(doc, sents, published, published_inferred=published_inferred, gazetteer=gazetteer,
                   article_countries=article_countries, sentence_countries=countries, text=text)

    def sentence_text(self, sent: Span) -> str:
        """`sent.text` (cached for the article's own sentences)."""
        i = self._index.get(sent.start)
        if i is not None and self.sentences[i].end == sent.end:
            return self.texts[i]
        return sent.text

    # -- dates --------------------------------------------------------------------------------
    def _own_date(self, sent: Span, trigger: Token, habitual: bool, future: bool | None,
                  clause_scoped: bool = True) -> timeparse.DateResolution:
        return timeparse.resolve_event_date_span(
            sent, trigger, self.published, future=future, published_inferred=self.published_inferred,
            habitual=habitual, exclude=self.dateline_span, clause_scoped=clause_scoped,
            text=self.sentence_text(sent), expression_cache=self._exprs)

    def date(self, idx: int, sent: Span, trigger: Token, *, habitual: bool = False,
             future: bool | None = None) -> tuple[timeparse.DateResolution, _Frame | None]:
        """(date of the event at `trigger` in sentence `idx`, the frame it was taken from)."""
        key = (idx, trigger.i, habitual, future)
        got = self._dates.get(key)
        if got is None:
            got = self._dates[key] = self._date(idx, sent, trigger, habitual, future)
        return got

    def _date(self, idx: int, sent: Span, trigger: Token, habitual: bool,
              future: bool | None) -> tuple[timeparse.DateResolution, _Frame | None]:
        headline = self._is_headline(idx)
        if headline:
            habitual = False  # headlines tell past news in the present tense
        own = self._own_date(sent, trigger, habitual, future)
        if own.source in ("explicit", "relative") or habitual or self.published is None:
            return own, None
        if future or timeparse._span_future(trigger):
            return own, None
        frame = self._headline_frame() if headline else self._context_frame(idx, sent, past=_is_past(trigger))
        if frame is None or frame.date is None:
            return own, None
        d = frame.date
        return timeparse.DateResolution(d.event_date, d.precision, "inferred", d.is_historical,
                                        f"context: {d.evidence}"), frame

    def _is_headline(self, idx: int) -> bool:
        """A title line before the body: a short line of its own without final punctuation."""
        if idx > 2:
            return False
        text = self.texts[idx].strip()
        return bool(text) and len(text) < 140 and text[-1] not in ".!?\"”'" and "\n" not in text

    def _headline_frame(self) -> _Frame | None:
        """The story's news day: the first day-precise date of the week before publication."""
        for j in range(len(self.sentences)):
            f = self.frame(j)
            if f.news_day:
                return f
        return None

    def _context_frame(self, idx: int, sent: Span, *, past: bool) -> _Frame | None:
        """The earlier (or anchoring) sentence whose time the sentence `idx` continues."""
        if timeparse.is_anaphoric_time(self.sentence_text(sent)):
            prev = self._previous_dated(idx, same_paragraph=False)
            if prev is not None:
                return prev
        anchor = self._anchor_of(idx)
        if anchor is not None:
            return self.frame(anchor)
        if not past or _PRIOR.search(self.sentence_text(sent)):
            return None  # "has previously said": before the narrative, not part of it
        prev = self._previous_dated(idx, same_paragraph=True)
        if prev is not None:
            return prev
        for j in range(idx - 1, -1, -1):
            f = self.frame(j)
            if f.news_day:
                return f
        return None

    def _previous_dated(self, idx: int, *, same_paragraph: bool) -> _Frame | None:
        for j in range(idx - 1, max(-1, idx - 4), -1):
            f = self.frame(j)
            if same_paragraph and f.paragraph != self._paragraphs[idx]:
                return None
            if f.date is not None:
                return f
        return None

    def frame(self, j: int) -> _Frame:
        """Time and place told by sentence `j`'s main clause (cached)."""
        got = self._frames.get(j)
        if got is not None:
            return got
        sent = self.sentences[j]
        root = sent.root
        d: timeparse.DateResolution | None = self._own_date(sent, root, False, None, clause_scoped=False)
        if d is None or d.source not in ("explicit", "relative"):
            d = None
        pl = self._own_place(sent, root, verbal=False)
        countries = self.sentence_countries[j] if j < len(self.sentence_countries) else frozenset()
        if d is None and timeparse.is_anaphoric_time(self.texts[j]):
            prev = self._previous_dated(j, same_paragraph=False)
            if prev is not None:
                d, pl = prev.date, pl or prev.place
        news = bool(d is not None and self.published is not None and d.precision == "day" and d.event_date
                    and self.published - _NEWS_DAY_WINDOW <= d.event_date <= self.published)
        f = _Frame(d, pl, self._paragraphs[j], countries, news)
        self._frames[j] = f
        return f

    def _anchor_of(self, idx: int) -> int | None:
        if self._anchors is None:
            self._anchors = {}
            for j, sent in enumerate(self.sentences):
                span = timeparse.report_anchor(self.texts[j])
                if span is None:
                    continue
                f = self.frame(j)
                if f.date is None and f.place is None:
                    continue
                speaker = _speaker(sent, span)
                for k in range(j - 1, max(-1, j - 1 - _ANCHOR_REACH), -1):
                    if self.frame(k).date is not None:
                        break  # an earlier dated statement: a different occasion
                    named = speaker is not None and re.search(rf"\b{re.escape(speaker)}\b", self.texts[k])
                    if named or j <= _ANCHOR_REACH:
                        self._anchors.setdefault(k, j)
        return self._anchors.get(idx)

    # -- places -------------------------------------------------------------------------------
    def _own_place(self, sent: Span, trigger: Token, *, verbal: bool,
                   exclude_spans: list[tuple[int, int]] | None = None) -> geo.Place | None:
        if self.gazetteer is None:
            return None
        key = (sent.start, trigger.i, verbal, tuple(exclude_spans or ()))
        if key in self._places:
            return self._places[key]
        exclude = list(exclude_spans or [])
        if verbal:
            exclude.extend(_content_spans(sent, trigger))
        got = self._places[key] = geo.resolve_place(
            self.sentence_text(sent), self.gazetteer, article_countries=self.article_countries,
            trigger_offset=trigger.idx - sent.start_char, exclude_spans=exclude,
            mention_cache=self._place_mentions)
        return got

    def place(self, idx: int, sent: Span, trigger: Token, root: str, *, frame: _Frame | None = None,
              fallback_country: str | None = None, exclude_spans: list[tuple[int, int]] | None = None,
              countries: tuple[str | None, ...] = ()) -> geo.Place | None:
        """The event's place: the sentence's own locative, else the place of the narrative its
        date came from, else a host metonym, else the dateline, else the fallback country."""
        if self.gazetteer is None:
            return None
        own = self._own_place(sent, trigger, verbal=root in VERBAL_ROOTS, exclude_spans=exclude_spans)
        if own is not None:
            return own
        if root in DIPLOMATIC_ROOTS:
            if frame is not None and frame.place is not None:
                same_paragraph = frame.paragraph == self._paragraphs[idx]
                shared = bool(countries and countries[0] and countries[0] in frame.countries)
                if same_paragraph or shared or frame is self._anchor_frame(idx) \
                        or timeparse.is_anaphoric_time(self.sentence_text(sent)):
                    return frame.place
            host = _host_place(sent, self.gazetteer, self.article_countries, self.sentence_text(sent))
            if host is not None:
                return host
        if self.dateline is not None:
            return self.dateline
        if fallback_country:
            return self.gazetteer.country(fallback_country) or geo.Place(
                fallback_country, fallback_country, None, None, None, 3)
        return None

    def _anchor_frame(self, idx: int) -> _Frame | None:
        a = self._anchor_of(idx)
        return self.frame(a) if a is not None else None


# ----------------------------------------------------------------------------------------------
# helpers


def _paragraphs(text: str, sentences: list[Span], texts: list[str]) -> list[int]:
    """Paragraph number of each sentence (a line break between sentences starts a new one)."""
    out, para, prev_end = [], 0, 0
    for s, st in zip(sentences, texts, strict=True):
        start = s.start_char + len(st) - len(st.lstrip())
        if "\n" in text[prev_end:start]:
            para += 1
        out.append(para)
        prev_end = s.start_char + len(st.rstrip())
    return out


def _is_past(trigger: Token) -> bool:
    """The trigger or a verb above it is in the past tense ("said", "has said", "was held")."""
    return any(t.tag_ in ("VBD", "VBN") for t in (trigger, *trigger.ancestors))


def _speaker(sent: Span, span: tuple[int, int]) -> str | None:
    """The last proper-noun word of the subject of a "made the remarks" phrase."""
    start = sent.start_char + span[0]
    verb = next((t for t in sent if t.idx >= start), None)
    if verb is None:
        return None
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None:
        return None
    names = [t for t in subj.subtree if t.pos_ == "PROPN" and t.i <= subj.i]
    return names[-1].text if names else (subj.text if subj.pos_ == "PROPN" else None)


def _content_spans(sent: Span, trigger: Token) -> list[tuple[int, int]]:
    """Sentence-relative spans of proper nouns that are not where a statement was made: inside a
    clause below the trigger, or modifying an ordinary noun."""
    above = {trigger.i, *(t.i for t in trigger.ancestors)}
    base = sent.start_char
    out = []
    for tok in sent:
        if tok.pos_ != "PROPN" or not tok.text[:1].isupper():
            continue
        if not _placed_at_occasion(tok, trigger, above):
            out.append((tok.idx - base, tok.idx + len(tok.text) - base))
    return out


def _placed_at_occasion(tok: Token, trigger: Token, above: set[int]) -> bool:
    """The proper noun hangs from the trigger's clause (or a clause above it), not from a verb
    below it nor through a preposition on an ordinary noun ("opposition to Damascus")."""
    node = tok
    for _ in range(16):
        head = node.head
        if head.i == node.i or head.i == trigger.i:
            return True
        if head.pos_ in ("VERB", "AUX"):
            # "Speaking in Geneva, the envoy condemned ...": a fronted participle frames the speaker
            fronted = head.dep_ == "advcl" and head.tag_ == "VBG" and head.i < trigger.i and head.head.i in above
            return head.i in above or fronted
        if node.dep_ in ("prep", "agent") and head.pos_ in ("NOUN", "PROPN", "PRON", "NUM", "ADJ") \
                and head.lemma_.lower() not in _VENUE_NOUNS:
            return False
        node = head
    return True


_HOST = re.compile(r"\b(?:host(?:s|ed|ing)?|hosted by)\b", re.IGNORECASE)


def _host_place(sent: Span, gazetteer: geo.Gazetteer, prefer: list[str], text: str | None = None) -> geo.Place | None:
    """"Moscow hosted talks", "talks hosted by Doha": the host named as a place."""
    if not _HOST.search(sent.text if text is None else text):
        return None
    for tok in sent:
        if tok.lemma_.lower() != "host" or tok.pos_ != "VERB":
            continue
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "agent")), None)
        if subj is None and tok.dep_ in ("advcl", "xcomp", "conj", "acl", "relcl"):
            subj = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
        if subj is not None and subj.dep_ == "agent":
            subj = next((c for c in subj.children if c.dep_ == "pobj"), None)
        if subj is None or subj.pos_ != "PROPN":
            continue
        name = " ".join(t.text for t in subj.subtree if t.pos_ == "PROPN" and t.i <= subj.i)
        pl = gazetteer.lookup(name, prefer)
        if pl is not None and pl.geo_precision in (1, 3):
            return pl
    return None


# ----------------------------------------------------------------------------------------------
# plain seams (kept for callers without an article context)


def event_date(
    sent: Span, trigger: Token, published: date | None, *, published_inferred: bool = False,
    habitual: bool = False, future: bool | None = None,
) -> timeparse.DateResolution:
    """DateResolution of the event triggered at `trigger` from its own sentence."""
    return timeparse.resolve_event_date_span(sent, trigger, published, future=future,
                                             published_inferred=published_inferred, habitual=habitual)


def dateline(text: str, gazetteer: geo.Gazetteer | None) -> geo.Place | None:
    """The place of the article's dateline, if any."""
    return geo.find_dateline_place(text, gazetteer) if gazetteer is not None else None


def place(sentence: str, gazetteer: geo.Gazetteer | None, **kwargs: Any) -> geo.Place | None:
    """geo.resolve_place on one sentence (None without a gazetteer)."""
    return geo.resolve_place(sentence, gazetteer, **kwargs) if gazetteer is not None else None


def acled(ev: Event, crosswalk: Any) -> Event:
    """ACLED type/sub-type/interaction from the lexicon's crosswalk (dyadflow.acled), if any."""
    if crosswalk is None:
        return ev
    et, sub, inter = crosswalk.classify(ev)
    return replace(ev, acled_event_type=et, acled_sub_event_type=sub, interaction=inter)


# CAMEO code prefixes whose events carry the sentence's fatality count: material conflict
# (fight 19, mass violence 20, assault 18), violent protest (145x) and repression (175)
FATALITY_CODES = ("18", "19", "20", "145", "175")


def enrich(ev: Event, sentence: Span, lexicon: Any) -> Event:
    """The event with its ACLED type/sub-type/interaction, PLOVER type and mode (through the
    lexicon's crosswalks) and, for violent events, the fatality count told in its sentence
    (dyadflow.fatalities; None when the sentence tells none). Its code is first refined by the
    words of its clause (`refine_code`)."""
    ev = refine_code(ev, sentence, lexicon)
    crosswalk = getattr(lexicon, "acled_crosswalk", None)
    et, sub, inter = crosswalk.classify(ev) if crosswalk is not None else (
        ev.acled_event_type, ev.acled_sub_event_type, ev.interaction)
    plover_of = getattr(lexicon, "plover_of", None)
    pl = plover_of(ev.cameo_code) if plover_of is not None else None
    fat = None
    if ev.cameo_code.startswith(FATALITY_CODES):
        fat = fatalities.extract(sentence, getattr(lexicon, "fatality_terms", None))
    return replace(  # one copy for the ACLED, PLOVER and fatality fields (as `acled` would set them)
        ev,
        acled_event_type=et, acled_sub_event_type=sub, interaction=inter,
        plover_event_type=pl.event_type if pl is not None else None,
        plover_mode=pl.mode if pl is not None else None,
        fatalities=fat.count if fat is not None else ev.fatalities,
        fatalities_text=fat.text if fat is not None else ev.fatalities_text,
    )


# ----------------------------------------------------------------------------------------------
# exact codes: a base code refined by a word of the event's clause (seeds/coder_maps.csv)

# clauses of their own below the clause head: their words do not describe the event (a complement
# clause does for a statement: "demanded that ...")
_OWN_CLAUSE_DEPS = frozenset({"ccomp", "relcl", "parataxis", "appos"})
# climbing from a military trigger to the head of its clause ("launched airstrikes, killing dozens");
# never through a coordination ("shelled A and attacked B": two acts)
_CLIMB_DEPS = frozenset({"advcl", "xcomp", "dobj", "pobj", "prep", "pcomp", "acl", "npadvmod", "nsubjpass"})


def refine_code(ev: Event, sentence: Span, lexicon: Any) -> Event:
    """The event with its exact code refined (seeds/coder_maps.csv).

    - `code_by_word`, key '<code>:<lemma or phrase>', value the refined code: a word of the event's
      clause ("attacked the town with drones": 190 -> 1952; "urged the parties to cease hostilities":
      020 -> 0256). For material conflict (roots 15-20) the clause is the whole clause the trigger
      belongs to ("launched airstrikes, killing dozens"), else the trigger's own phrase (an appeal's
      or a demand's content). The first key in table order wins; a key mapping a code to itself
      stops the refinement ("shot down two drones" stays 190). The rule id ends in '.w_<word>'.
    - `code_by_place`, key '<code>:third', value the code of a meeting placed outside both parties'
      countries (040 -> 044); rule id '.third'.
    - `host_side`, key a visit code, value the host's code: the event is turned to run from the
      host to the visitor (042 visitor -> host becomes 043 host -> visitor); rule id '.host'."""
    maps = getattr(lexicon, "coder_maps", {})
    if not maps or not hasattr(lexicon, "code_info"):
        return ev
    ev = _by_word(ev, sentence, lexicon)
    by_place = maps.get("code_by_place") or {}
    third = by_place.get(f"{ev.cameo_code}:third")
    at_source = by_place.get(f"{ev.cameo_code}:source")
    if third and ev.location_country and ev.source_country and ev.target_country \
            and ev.location_country not in (ev.source_country, ev.target_country):
        ev = _recoded(ev, third[0], lexicon, ".third")
    elif at_source and ev.location_country and ev.location_country == ev.source_country != ev.target_country \
            and ".pairs" not in (ev.rule_id or "") and ev.location_name and ev.location_name in (ev.sentence or ""):
        # "Assad, at a meeting with the Russian envoy in Damascus": a two-party meeting in the source's own
        # country is hosted by the source (rule '.at_source')
        ev = _recoded(ev, at_source[0], lexicon, ".at_source")
    host = (maps.get("host_side") or {}).get(ev.cameo_code)
    if host and ev.target_code and ev.source_code:  # an unattributed visit has no visitor to turn into a guest
        ev = _turned(_recoded(ev, host[0], lexicon, ".host"))
    return ev


def _by_word(ev: Event, sentence: Span, lexicon: Any) -> Event:
    keys = lexicon.coder_words.code_by_word.get(ev.cameo_code, ())  # grouped by code when the lexicon loads
    trigger = _trigger_token(ev, sentence) if keys else None
    if trigger is None:
        return ev
    words = _scope_words(trigger, military=ev.cameo_root in ("15", "18", "19", "20"))
    starts: dict[str, list[int]] = {}  # word (lemma or form) -> the scope positions holding it
    for i, forms in words.items():
        for w in set(forms):
            starts.setdefault(w, []).append(i)
    for phrase, code in keys:
        if _has_phrase(words, phrase, starts.get(phrase[0], ()) if phrase else None):
            return ev if code == ev.cameo_code else _recoded(ev, code, lexicon, f".w_{'_'.join(phrase)}")
    return ev


def _recoded(ev: Event, code: str, lexicon: Any, why: str) -> Event:
    """The event with another code of the same root (unchanged when the code is unknown or of another root)."""
    info = lexicon.code_info(code)
    if info is None or info.root != ev.cameo_root:
        return ev
    return replace(ev, cameo_code=code, cameo_label=info.label, quad_class=info.quad_class, goldstein=info.goldstein,
                   rule_id=f"{ev.rule_id}{why}")


def _turned(ev: Event) -> Event:
    """The event with source and target exchanged."""
    x = dict(ev.extras or {})
    for a, b in (("source_span", "target_span"), ("source_via", "target_via")):
        if a in x or b in x:
            x[a], x[b] = x.get(b), x.get(a)
    return replace(ev, source_text=ev.target_text, source_code=ev.target_code, source_country=ev.target_country,
                   source_role=ev.target_role, target_text=ev.source_text, target_code=ev.source_code,
                   target_country=ev.source_country, target_role=ev.source_role, extras=x)


def _trigger_token(ev: Event, sentence: Span) -> Token | None:
    """The event's trigger in its sentence (the token with the trigger's text inside the event's span)."""
    text = (ev.extras or {}).get("trigger")
    if not text:
        return None
    return next((t for t in sentence if ev.char_start <= t.idx < ev.char_end and t.text == text), None)


def _scope_words(trigger: Token, *, military: bool) -> dict[int, tuple[str, str]]:
    """Token index -> (lemma, lower-case form) of the words describing the event."""
    top = trigger
    if military:
        while top.dep_ in _CLIMB_DEPS and top.head.i != top.i and not (
                top.dep_ == "advcl" and any(c.dep_ in ("nsubj", "nsubjpass") for c in top.children)):
            top = top.head
    keep = {trigger.i, *(a.i for a in trigger.ancestors)}
    chain = keep - {a.i for a in top.ancestors}  # the trigger and the heads up to the clause head
    out: dict[int, tuple[str, str]] = {}
    stack = [top]
    while stack:
        t = stack.pop()
        out[t.i] = (_word_lemma(t), t.lower_)
        for c in t.children:
            verb = c.pos_ in ("VERB", "AUX")
            for_to = any(g.dep_ == "mark" and g.lower_ == "for" for g in c.children)  # "called for X to exercise restraint"
            own = not for_to and ((c.dep_ in _OWN_CLAUSE_DEPS and (military or c.dep_ != "ccomp")) or (
                c.dep_ in ("conj", "advcl") and verb and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)) or (
                c.dep_ == "conj" and verb and t.i in chain))  # a coordinated act of its own
            speaker = not military and t.i == trigger.i and c.dep_ in ("nsubj", "nsubjpass")
            if c.i in keep or c.i == trigger.i or not (own or speaker):
                stack.append(c)
    return out


def _word_lemma(t: Token) -> str:
    lem = t.lemma_.lower()
    if t.tag_ in ("NNS", "NNPS") and lem == t.lower_ and lem.endswith("s"):
        lem = lem[:-1]
    return lem


def _has_phrase(words: dict[int, tuple[str, str]], phrase: Sequence[str], starts: Any = None) -> bool:
    """The phrase's words on consecutive tokens of the scope (by lemma or form); `starts`: the
    positions holding its first word, when known."""
    n = len(phrase)
    for i in (words if starts is None else starts):
        if all(i + k in words and phrase[k] in words[i + k] for k in range(n)):
            return True
    return False
