"""Actor mentions of one article: lexicon spans composed over the dependency tree.

Countries, demonyms and capitals compose with generic agents ("Turkish defence minister" ->
TUR + MIL); named actors carry date-bounded codes; a titled unknown name keeps its code in
later mentions; pronouns and short references resolve to the nearest compatible actor.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from spacy.tokens import Doc, Span, Token

from dyadflow.lexicon.model import Agent, Lexicon, NamedActor, fold
from dyadflow.nlp import ACTOR, AGENT, CAPITAL, COUNTRY, DEMONYM, OUTLET, SPANS_KEY

_PRIORITY = {OUTLET: 6, ACTOR: 5, COUNTRY: 4, CAPITAL: 3, AGENT: 2, DEMONYM: 1}
NP_DEPS = frozenset({"compound", "amod", "poss", "nmod", "det", "case", "punct", "flat", "nummod", "npadvmod", "quantmod"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
SPEAKER_PRONOUNS = frozenset({"i", "we", "me", "us", "my", "our", "ours"})
THING_PRONOUNS = frozenset({"it", "its"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their"})
COUNTRY_NOUNS = frozenset({"country", "nation", "state", "republic", "kingdom"})
GROUP_NOUNS = frozenset({"party", "side"})
OFFICE_WORDS = frozenset({"secretary-general", "general", "chief", "president", "envoy", "commissioner", "director",
                          "head", "spokesperson", "spokesman", "spokeswoman", "representative", "chair", "chairman",
                          "chairperson", "coordinator", "rapporteur", "prosecutor"})
PAIR_NOUNS = frozenset({"country", "nation", "side", "state", "government", "neighbour", "neighbor", "party",
                        "rival", "foe", "delegation", "leader", "minister", "army", "force", "capital"})
STATE_ROLES = frozenset({"GOV", "MIL", "COP", "JUD", "LEG", "SPY", "OPP", "REB", "INS"})
ARMED_ROLES = frozenset({"REB", "INS", "SEP"})  # main-country default only for "the rebels", not "militant groups"
GROUP_ROLES = frozenset({"REB", "INS", "OPP", "CVL", "REF", "BUS", "MED", "NGO", "COP", "JUD", "LEG"})
SPONSOR_WORDS = frozenset({"backed", "sponsored", "supported", "funded", "armed", "trained", "allied", "affiliated", "aligned", "linked"})
THING_NOUNS = frozenset({"camp", "station", "base", "headquarters", "building", "compound", "post", "checkpoint",
                         "facility", "office", "barracks", "prison", "hospital", "school", "vehicle", "convoy",
                         "truck", "boat", "ship", "car", "bus", "position", "depot", "site"})
SAY_LEMMAS = frozenset({"say", "tell", "state", "add", "note", "announce", "declare", "stress", "affirm",
                        "claim", "report", "insist", "explain", "write", "quote", "point", "underline"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One actor mention: token span in the doc, composed CAMEO code and how it was found."""

    start: int
    end: int
    head: int
    country: str | None
    role: str | None
    text: str
    kind: str  # actor | agent | country | capital | demonym | pronoun | name
    person: bool = False
    metonym: bool = False  # a bare country/capital/demonym: role depends on the event
    modifier: bool = False  # only a modifier of another noun ("Syrian land")
    via: str = "lexicon"  # lexicon | compose | coref | name
    actor_id: str | None = None
    fixed_code: str | None = None  # a complete code from the lexicon (IGOUNO, KURREB)
    countries: tuple[str, ...] = ()  # several countries for "ministers of A, B and C"
    members: tuple[Mention, ...] = ()  # the referents of a group ("the parties", "both sides")

    def code(self, military: bool = False, territorial: bool = False) -> str | None:
        """The CAMEO actor code; a metonym is GOV, or MIL in a military event."""
        if self.fixed_code:
            return self.fixed_code
        role = self.role
        if self.metonym and role is None:
            if territorial:
                role = ""
            else:
                role = "MIL" if military else "GOV"
        if self.country and role is not None:
            return f"{self.country}{role}"
        if self.country:
            return self.country
        return role or None

    @property
    def identified(self) -> bool:
        """The mention denotes a codable actor: it has a country or a complete dictionary code."""
        return self.country is not None or self.fixed_code is not None

    def expand(self) -> list[Mention]:
        """One mention per referent: a group's members, or one per country when it names several."""
        if self.members:
            return [replace(m, start=self.start, end=self.end, head=self.head, text=self.text, via="group",
                            modifier=False, members=()) for m in self.members]
        if len(self.countries) <= 1:
            return [self]
        return [replace(self, country=c, countries=(c,)) for c in self.countries]


@dataclass
class ArticleState:
    """What coreference needs from earlier sentences of the same article."""

    history: list[Mention] = field(default_factory=list)
    names: dict[str, Mention] = field(default_factory=dict)  # folded name/surname -> titled mention
    country_counts: dict[str, int] = field(default_factory=dict)
    last_subjects: list[Mention] = field(default_factory=list)  # the previous sentence's main subject(s)
    last_group: tuple[Mention, ...] = ()  # the latest event's two or more participants ("the parties")
    recent_parties: list[Mention] = field(default_factory=list)  # targets of recent events, latest last

    def remember(self, m: Mention) -> None:
        self.history.append(m)
        if m.country and not m.modifier:
            self.country_counts[m.country] = self.country_counts.get(m.country, 0) + 1


QUOTE_CHARS = frozenset('"“”«»')


def _in_quote(tok: Token) -> bool:
    """The token sits inside double quotation marks opened earlier in its sentence."""
    sent = tok.sent
    n = sum(tok.doc[i].text.count(q) for i in range(sent.start, tok.i) for q in QUOTE_CHARS)
    return n % 2 == 1


def issuer_mention(lexicon: Lexicon, source: str | None, published: date | None) -> Mention | None:
    """The author of a statement or press release named by the article's `source` field
    ("UN Secretary-General statement", "U.S. Department of State press statement"); None for a
    news outlet or an unknown source (rule registry.issuer)."""
    if not source:
        return None
    head = source.split("(", 1)[0] or source
    found = lexicon.names_in(head)
    if not found:
        return None
    _, kind, ident = found[0]
    if kind == "country":
        return Mention(0, 0, 0, ident, "GOV", head.strip(), "issuer", via="issuer", countries=(ident,))
    if kind != "actor":
        return None  # an outlet: reporters are channels, not actors
    entry, valid = _actor_entry(lexicon, ident, published)
    if entry is None:
        return None
    return Mention(0, 0, 0, entry.country, entry.role, head.strip(), "issuer", person=entry.kind == "person",
                   via="issuer", actor_id=entry.actor_id, fixed_code=entry.code,
                   countries=(entry.country,) if entry.country else ())


def _is_pair(tok: Token) -> bool:
    """"both countries", "the two sides", "both ministers"."""
    return tok.tag_ in ("NNS", "NNPS") and any(
        (c.dep_ in ("det", "predet", "preconj") and c.lower_ == "both") or (c.dep_ == "nummod" and c.lower_ == "two")
        for c in tok.children
    )


def _by_pos_desc(mentions: list[Mention]) -> list[Mention]:
    return sorted(mentions, key=lambda m: m.start, reverse=True)


def _resolve_spans(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping lexicon spans: longest first, then by label priority."""
    ordered = sorted(spans, key=lambda s: (-(s.end - s.start), -_PRIORITY.get(s.label_, 0), s.start))
    taken: set[int] = set()
    out: list[Span] = []
    for s in ordered:
        if any(i in taken for i in range(s.start, s.end)):
            continue
        out.append(s)
        taken.update(range(s.start, s.end))
    return sorted(out, key=lambda s: s.start)


def nominal_head(tok: Token) -> Token:
    """Climb compound/flat arcs: "Defense Minister Hulusi Akar" -> Akar."""
    doc = tok.doc
    while (
        tok.dep_ in ("compound", "flat", "amod") and tok.head != tok and tok.head.pos_ in ("PROPN", "NOUN")
        and tok.head.i > tok.i
        and all(t.pos_ in ("PROPN", "NOUN", "PUNCT") and t.text not in (",", "(", ")") for t in doc[tok.i + 1 : tok.head.i])
    ):
        tok = tok.head
    return tok


def _finite_verb_between(doc: Doc, lo: int, hi: int) -> bool:
    """True when a finite verb lies in doc[lo:hi] (a noun phrase never contains one)."""
    return any(doc[j].pos_ == "VERB" and (doc[j].tag_ in ("VBD", "VBZ", "VBP") or (
        doc[j].tag_ == "VBN" and j > 0 and doc[j - 1].pos_ == "PROPN")) for j in range(lo, hi))


def _np_chain_to(tok: Token, target: Token) -> bool:
    """True when tok reaches target through noun-phrase-internal arcs only."""
    cur = tok
    for _ in range(8):
        if cur == target:
            return True
        if cur.dep_ not in NP_DEPS and cur.dep_ != "compound" or cur.head == cur:
            return False
        cur = cur.head
    return cur == target


class SentenceActors:
    """The mentions of one sentence, indexed by token."""

    def __init__(self, mentions: list[Mention], outlet_tokens: set[int], speaker: Mention | None) -> None:
        self.mentions = mentions
        self.by_token: dict[int, Mention] = {}
        for m in mentions:
            for i in range(m.start, m.end):
                self.by_token.setdefault(i, m)
            self.by_token[m.head] = m
        self.outlet_tokens = outlet_tokens
        self.speaker = speaker

    def at(self, tok: Token) -> Mention | None:
        return self.by_token.get(tok.i)


def _actor_entry(lexicon: Lexicon, actor_id: str, day: date | None) -> tuple[NamedActor | None, bool]:
    """The actor's entry valid on day; else the nearest one (flagged not valid)."""
    entry = lexicon.actor_on(actor_id, day)
    if entry is not None:
        return entry, True
    entries = lexicon.actors_by_id.get(actor_id, ())
    if not entries:
        return None, False
    if day is None:
        return entries[-1], False

    def dist(a: NamedActor) -> int:
        lo = a.valid_from or date.min
        hi = a.valid_to or date.max
        return min(abs((day - lo).days), abs((day - hi).days))

    return min(entries, key=dist), False


class ActorFinder:
    """Builds the mentions of each sentence of one article, in order (stateful per article)."""

    def __init__(self, doc: Doc, lexicon: Lexicon, published: date | None, issuer: Mention | None = None) -> None:
        self.doc = doc
        self.lexicon = lexicon
        self.published = published
        self.issuer = issuer  # who speaks in the first person outside quotes (a statement's author)
        self.state = ArticleState()
        spans = doc.spans[SPANS_KEY] if SPANS_KEY in doc.spans else []
        self.spans = [s for s in _resolve_spans(spans) if not self._inside_person_name(s)]
        self._span_starts = [s.start for s in self.spans]  # sorted (_resolve_spans orders by start)
        self.span_at: dict[int, Span] = {}
        for s in self.spans:
            for i in range(s.start, s.end):
                self.span_at[i] = s
        # a dateline ("KYIV, Jan 3 (Agency) - ...", "Moscow, 25 April 2023 (TDI):") names the story's country
        self.dateline_country: str | None = None
        for s in self.spans[:12]:
            if s.label_ in (CAPITAL, COUNTRY) and s.start < len(doc) and s.end < len(doc) and doc[s.end].text == ",":
                before = doc[max(0, s.start - 1)]
                if s.start == 0 or "\n" in before.text or "\n" in before.whitespace_ or before.is_space:
                    self.dateline_country = s.id_
                    break
        counts: dict[str, float] = {}
        for s in self.spans:
            if s.label_ in (COUNTRY, CAPITAL, DEMONYM):
                counts[s.id_] = counts.get(s.id_, 0.0) + 1.0
        if self.dateline_country:
            counts[self.dateline_country] = counts.get(self.dateline_country, 0.0) + 0.5
        self.article_ranking = [c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])]

    def _inside_person_name(self, span: Span) -> bool:
        """An organisation's name as the surname of a longer person name ("Therese Kayikwamba Wagner")."""
        if span.label_ != ACTOR or span.start == 0:
            return False
        entry, _ = _actor_entry(self.lexicon, span.id_, self.published)
        if entry is None or entry.kind == "person":
            return False
        prev = self.doc[span.start - 1]
        ent = span[0].ent_type_ == "PERSON" and span[0].ent_iob_ == "I"
        return ent and prev.pos_ == "PROPN" and prev.ent_type_ == "PERSON"

    # -- helpers ---------------------------------------------------------------------------
    def _office(self, span: Span) -> bool:
        """An office named by a person title ("the Secretary-General", "NATO chief"): its holder is a
        person for "he"/"she" (rule mentions.office)."""
        words = [t.lemma_.lower() for t in span if t.is_alpha]
        last = fold(span[-1].text.lower())
        if last in OFFICE_WORDS or (words and words[-1] in OFFICE_WORDS):
            return True
        agent = self.lexicon.agent_by_term.get(last)
        return agent is not None and agent.person and agent.kind == "title"

    def _agent(self, span: Span) -> Agent | None:
        return self.lexicon.agent_by_term.get(span.id_)

    def _country_of_span(self, span: Span) -> str | None:
        if span.label_ in (COUNTRY, CAPITAL, DEMONYM):
            return span.id_
        if span.label_ == ACTOR:
            entry, _ = _actor_entry(self.lexicon, span.id_, self.published)
            return entry.country if entry else None
        return None

    def _recent_country(self, person: bool | None = None) -> str | None:
        for m in reversed(self.state.history):
            if m.country and not m.modifier and (person is None or m.person == person):
                return m.country
        return None

    def _recent(self, pred) -> Mention | None:  # type: ignore[no-untyped-def]
        for m in reversed(self.state.history[-40:]):
            if pred(m):
                return m
        return None

    def _recent_span_country(self, before: int, sent: Span) -> str | None:
        """The country of the nearest country-like span before a token in its sentence."""
        for sp in reversed(self.spans):
            if sent.start <= sp.start < before and sp.label_ in (COUNTRY, CAPITAL, DEMONYM, ACTOR):
                c = self._country_of_span(sp)
                if c:
                    return c
        return self._recent_country()

    def _possessor_country(self, tok: Token, sent_mentions: list[Mention], speaker: Mention | None) -> tuple[str, ...]:
        """Countries given by a possessive in the NP of tok: "the country's", "its", "his", "their"."""
        for child in tok.children:
            if child.dep_ != "poss":
                continue
            c = self.possessive_country(child, sent_mentions, speaker)
            if c:
                return c
        return ()

    def possessive_country(self, child: Token, sent_mentions: list[Mention], speaker: Mention | None) -> tuple[str, ...]:
        low = child.lower_
        if child.lemma_.lower() in COUNTRY_NOUNS and not any(c.dep_ in ("amod", "compound") for c in child.children):
            c = self._recent_span_country(child.i, child.sent)
            return (c,) if c else ()
        if low == "its":
            for m in _by_pos_desc(sent_mentions):
                if m.start < child.i and m.country and not m.person:
                    return (m.country,)
            c = self._recent_country(person=False)
            return (c,) if c else ()
        if low in ("his", "her"):
            for m in _by_pos_desc(sent_mentions):
                if m.start < child.i and m.country and m.person:
                    return (m.country,)
            p = self._recent(lambda m: m.person and m.identified)
            return (p.country,) if p and p.country else ()
        if low in ("our", "my") and speaker is not None and speaker.country:
            return (speaker.country,)
        if low == "their":
            # the nearest coordinated group of countries before ("Damascus and Ankara ... their")
            for sp in reversed(self.spans):
                if sp.start >= child.i or sp.start < child.sent.start or sp.label_ not in (COUNTRY, CAPITAL, DEMONYM, ACTOR):
                    continue
                group = [sp.root, *sp.root.conjuncts]
                cs = [self._country_of_span(self.span_at[t.i]) for t in group if t.i in self.span_at]
                cs = [c for c in cs if c]
                if len(cs) >= 2:
                    return tuple(dict.fromkeys(cs))
                break
        return ()

    def _countries_from_preps(self, tok: Token) -> tuple[str, ...]:
        """Countries from "of X" / "from X, Y and Z" attached to tok."""
        out: list[str] = []
        # "defense ministers and intelligence chiefs of Turkiye and Syria": conjuncts share "of X"
        for child in [c for t in (tok, *tok.conjuncts) for c in t.children]:
            if child.dep_ == "prep" and child.lower_ in ("of", "from"):
                for pobj in child.children:
                    if pobj.dep_ != "pobj":
                        continue
                    for t in (pobj, *pobj.conjuncts):
                        s = self.span_at.get(t.i)
                        c = self._country_of_span(s) if s is not None and s.label_ != AGENT else None
                        if c and c not in out:
                            out.append(c)
        return tuple(out)

    # -- the sentence ----------------------------------------------------------------------
    def sentence(self, sent: Span) -> SentenceActors:
        """Mentions of one sentence (call in document order)."""
        doc = self.doc
        lo = bisect_left(self._span_starts, sent.start)
        hi = bisect_left(self._span_starts, sent.end, lo)
        spans = [s for s in self.spans[lo:hi] if s.end <= sent.end]
        outlet_tokens: set[int] = set()
        for s in spans:
            if s.label_ == OUTLET or (s.label_ == AGENT and (ag := self._agent(s)) is not None and ag.kind == "channel"):
                head = nominal_head(s.root)
                outlet_tokens.update(range(s.start, s.end))
                outlet_tokens.update(t.i for t in head.subtree if t.dep_ in NP_DEPS or t.i in range(s.start, s.end))
                outlet_tokens.update(t.i for t in head.subtree if t.i < head.i and t.head.i in outlet_tokens)
                outlet_tokens.add(head.i)
                if s.root.dep_ == "compound" and s.root.head.pos_ in ("PROPN", "NOUN"):
                    outlet_tokens.add(s.root.head.i)
        mentions: list[Mention] = []
        absorbed: set[int] = set()  # span starts consumed as modifiers

        def modifiers_of(head: Token, lo: int) -> list[Span]:
            """Country-like spans left of head inside its noun phrase (and from lo)."""
            found = []
            for s in spans:
                if s.label_ not in (COUNTRY, CAPITAL, DEMONYM, ACTOR) or s.start >= head.i or s.start < head.left_edge.i:
                    continue
                if s.start in absorbed or s.start <= head.i < s.end or s.start == lo:  # not the span itself
                    continue
                if _finite_verb_between(doc, s.end, head.i):
                    continue  # a misparsed clause ("Egypt's President X hosted Jordan's King Y")
                if s.end < len(doc) and doc[s.end].lower_ in ("-", "–") and s.end + 1 < len(doc) and doc[s.end + 1].lower_ in SPONSOR_WORDS:
                    continue  # "US-backed militants": the sponsor, not the group's country
                if s.root.head.lower_ in SPONSOR_WORDS and s.root.dep_ in ("npadvmod", "compound", "amod"):
                    continue
                if _np_chain_to(s.root, head) or (lo <= s.start and s.root.head.i in range(lo, head.i + 1)):
                    found.append(s)
                    # "the Russian, Syrian and Turkish defense ministers"
                    for cj in s.root.conjuncts:
                        cs = self.span_at.get(cj.i)
                        if cs is not None and cs.label_ in (COUNTRY, CAPITAL, DEMONYM) and cs not in found:
                            found.append(cs)
            return sorted(found, key=lambda x: x.start)

        speaker = self._speaker(sent)
        # 1. named actors and agents (compose titles, names, countries)
        for s in spans:
            if s.start in absorbed or s.label_ not in (ACTOR, AGENT):
                continue
            if any(m.start <= s.start and s.end <= m.end for m in mentions):
                continue  # inside an earlier mention ("Hezbollah fighters")
            if any(i in outlet_tokens for i in range(s.start, s.end)):
                continue
            head = nominal_head(s.root)
            agent = self._agent(s) if s.label_ == AGENT else None
            if agent is not None and agent.kind == "channel":
                continue
            if agent is not None and not agent.person and head.i >= s.end and (
                    head.lemma_.lower() in THING_NOUNS or head.lemma_.lower() in self.lexicon.words("act_head_nouns")):
                continue  # "the refugee camp", "military action": a place, thing or act, not the group
            # title followed by a named actor span: the named actor handles it
            if s.label_ == AGENT and head.i >= s.end and head.i in self.span_at and self.span_at[head.i].label_ == ACTOR:
                continue
            mods = modifiers_of(head, s.start)
            # agents left of a named actor/agent head inside the same NP ("Defense Minister Akar")
            titles = [
                t for t in spans
                if t.label_ == AGENT and t != s and t.start < s.start and t.start >= head.left_edge.i
                and _np_chain_to(t.root, head) and not _finite_verb_between(doc, t.end, head.i)
            ]
            for m in mods:
                absorbed.add(m.start)
            for t in titles:
                absorbed.add(t.start)
            mod_countries = [c for c in (self._country_of_span(m) for m in mods if m.label_ != ACTOR) if c]
            start = min([s.start] + [m.start for m in mods] + [t.start for t in titles])
            end = max(s.end, head.i + 1)
            if s.label_ == ACTOR:
                entry, valid = _actor_entry(self.lexicon, s.id_, self.published)
                if entry is None:
                    continue
                title_agent = next((self._agent(t) for t in titles if self._agent(t) is not None), None)
                country = entry.country or (mod_countries[0] if mod_countries else None)
                role = entry.role
                fixed = entry.code if valid else None
                if title_agent is not None and entry.kind == "person":
                    # the text's own title wins over the dictionary's dated role
                    role = title_agent.role
                    fixed = None
                    if mod_countries:
                        country = mod_countries[0]
                elif not valid and entry.kind != "person":
                    fixed = entry.code
                m = Mention(start, end, head.i, country, role, doc[start:end].text, "actor",
                            person=entry.kind == "person" or self._office(s), actor_id=entry.actor_id,
                            fixed_code=fixed,
                            countries=(country,) if country else ())
                mentions.append(m)
                if entry.kind != "person" and s[-1].pos_ == "PROPN" and s[-1].is_title and len(s) > 1:
                    # "the Security Council ... the Council": a later short definite name (rule registry.short_name)
                    self.state.names.setdefault(fold(s[-1].text), replace(m, via="name"))
                continue
            assert agent is not None
            role = agent.role
            countries: tuple[str, ...] = tuple(dict.fromkeys(mod_countries))
            via = "compose"
            if not countries:
                countries = self._countries_from_preps(s.root) or self._countries_from_preps(head)
            if not countries:
                countries = self._possessor_country(s.root, mentions, speaker) or (
                    self._possessor_country(head, mentions, speaker) if head != s.root else ()
                )
            if "counterpart" in s.id_:
                # "his Syrian counterpart": the role of the nearest earlier person (a defence
                # minister's counterpart is a defence minister)
                prev = next((m for m in _by_pos_desc(mentions) if m.person and m.start < s.start and m.role), None)
                if prev is None:
                    prev = self._recent(lambda m: m.person and m.role is not None)
                if prev is not None and prev.role:
                    role = prev.role
            fixed_code = None
            org = next((m for m in mods if m.label_ == ACTOR), None)
            if org is not None:
                # "YPG militants", "Hamas fighters": the named group's code
                entry, _ = _actor_entry(self.lexicon, org.id_, self.published)
                if entry is not None and entry.kind != "person":
                    countries = (entry.country,) if entry.country else countries
                    fixed_code = entry.code
                    via = "compose"
            if not countries:
                # "the militants, known as the People's Protection Units (YPG)": the named group
                for ch in head.children:
                    if ch.dep_ in ("appos", "acl"):
                        named = [self.span_at[t.i] for t in ch.subtree if t.i in self.span_at and self.span_at[t.i].label_ == ACTOR]
                        if named:
                            entry, _ = _actor_entry(self.lexicon, named[0].id_, self.published)
                            if entry is not None and entry.kind != "person":
                                countries = (entry.country,) if entry.country else ()
                                fixed_code = entry.code
                                role = entry.role or role
                                via = "appos"
                                break
            if countries and fixed_code is None:
                # an ethnic/non-state prefix with a state role is a rebel group
                cobj = self.lexicon.country_by_code.get(countries[0])
                if cobj is not None and cobj.iso3 is None and role in ("GOV", "MIL", "SPY"):
                    role = "REB"
            if not countries and _is_pair(head):
                countries = self._pair(head, spans, mentions)
                via = "coref"
            if not countries and agent.kind != "channel":
                # short reference: nearest earlier compatible actor
                ref = self._recent(
                    lambda m, role=role, person=agent.person: m.country is not None and not m.modifier
                    and m.role == role and (m.person == person or not person)
                )
                if ref is None and s.root.dep_ not in ("compound",) and self._has_definite(s):
                    ref = None
                if ref is not None and self._has_definite(s) and agent.person and s.root.tag_ in ("NN", "NNP"):
                    countries = (ref.country,) if ref.country else ()
                    via = "coref"
            named_org = any(
                t.is_title and t.i not in self.span_at and t.i != t.sent.start and t.pos_ in ("PROPN", "ADJ", "NOUN")
                for t in doc[head.left_edge.i : s.start]
            ) and s.text[:1].isupper()  # "National Liberation Army": an unknown organisation's name
            if not countries and fixed_code is None and role in STATE_ROLES and not named_org and (
                role not in ARMED_ROLES or self._has_definite(s)
            ):
                # "the army", "police", "the foreign ministry": the group's own place ("police in
                # Bogota"), else the article's main country
                mc = self._own_place(head, sent) or self.main_country()
                if mc:
                    countries = (mc,)
                    via = "main"
            name_tokens = [t for t in doc[s.end : head.i + 1] if t.pos_ == "PROPN"]
            country = countries[0] if countries else None
            m = Mention(start, end, head.i, country, role, doc[start:end].text, "agent",
                        person=agent.person, via=via, countries=countries, fixed_code=fixed_code)
            mentions.append(m)
            if name_tokens and country:
                self._register_name(name_tokens, m)
            # apposition names: "the Syrian Foreign Minister, Faysal Mikdad," / "the head ..., Hakan Fidan"
            for ap in [c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"]:
                if ap.i in self.span_at:
                    continue
                names = [t for t in ap.subtree if t.pos_ == "PROPN" and t.i not in self.span_at]
                if names and country:
                    self._register_name(names, m)
                    mentions.append(replace(m, start=ap.left_edge.i, end=ap.right_edge.i + 1, head=ap.i,
                                            text=doc[ap.left_edge.i : ap.right_edge.i + 1].text, kind="name", via="name"))
        # 2. bare countries, capitals, demonyms
        for s in spans:
            if s.start in absorbed or s.label_ not in (COUNTRY, CAPITAL, DEMONYM):
                continue
            if any(i in outlet_tokens for i in range(s.start, s.end)):
                continue
            root = s.root
            if any(m.start <= s.start < m.end for m in mentions):
                continue
            modifier = root.dep_ in ("amod", "compound", "nmod", "poss") and root.head.i not in range(s.start, s.end)
            if s.label_ == DEMONYM and root.pos_ in ("NOUN", "PROPN") and root.dep_ not in ("amod", "compound"):
                modifier = False
            if root.dep_ in ("amod", "compound") and root.head.dep_ == "compound":
                modifier = True
            if s.end + 1 < len(doc) and doc[s.end].text in ("-", "–") and doc[s.end + 1].tag_ in ("VBN", "VBD"):
                modifier = True  # "Russian-brokered", "US-backed": not an actor of the clause
            people = s.label_ == DEMONYM and root.tag_ in ("NNS", "NNPS") and not modifier
            mentions.append(
                Mention(s.start, s.end, root.i, s.id_, "CVL" if people else None, s.text, s.label_.lower(),
                        metonym=not people, modifier=modifier, countries=(s.id_,))
            )
        # 3. known titled names and pronouns
        covered = {i for m in mentions for i in range(m.start, m.end)}
        for tok in sent:
            if tok.i in covered or tok.i in outlet_tokens:
                continue
            if tok.pos_ == "PROPN" and tok.ent_type_ in ("PERSON", "GPE", "ORG", "NORP", "") and tok.dep_ != "compound":
                ref = self.state.names.get(fold(tok.text))
                if ref is not None:
                    lo = tok.left_edge.i if all(t.pos_ == "PROPN" for t in doc[tok.left_edge.i : tok.i]) else tok.i
                    mentions.append(replace(ref, start=lo, end=tok.i + 1, head=tok.i, text=doc[lo : tok.i + 1].text,
                                            kind="name", via="name"))
                    continue
            group = self._group(tok)
            if group is not None:
                mentions.append(group)
                continue
            if tok.lemma_.lower() in PAIR_NOUNS and _is_pair(tok):
                pair = self._pair(tok, spans, mentions)
                if pair:
                    lo = tok.left_edge.i
                    mentions.append(Mention(lo, tok.i + 1, tok.i, pair[0], None, doc[lo : tok.i + 1].text, "country",
                                            metonym=True, via="coref", countries=pair))
                    continue
            if tok.lemma_.lower() in COUNTRY_NOUNS and tok.pos_ == "NOUN" and tok.tag_ == "NN":
                poss = [c for c in tok.children if c.dep_ == "poss"]
                cs: tuple[str, ...] = ()
                if poss and poss[0].lower_ in ("his", "her", "its", "our", "my"):
                    cs = self.possessive_country(poss[0], mentions, speaker)
                elif tok.dep_ == "poss":
                    cs = self.possessive_country(tok, mentions, speaker)
                if cs:
                    lo = poss[0].i if poss else tok.i
                    mentions.append(Mention(lo, tok.i + 1, tok.i, cs[0], None, doc[lo : tok.i + 1].text, "country",
                                            metonym=True, via="coref", countries=cs, modifier=tok.dep_ == "poss"))
                    continue
            if tok.pos_ == "PRON" or tok.tag_ in ("PRP", "PRP$"):
                m = self._pronoun(tok, mentions, speaker)
                if m is not None:
                    mentions.append(m)
        mentions.sort(key=lambda m: (m.start, m.end))
        for m in mentions:
            if not m.modifier and m.kind != "pronoun":
                self.state.remember(m)
        sa = SentenceActors(mentions, outlet_tokens, speaker)
        # the main clause's subject (with its conjuncts) for "he"/"they" in the next sentence
        root = sent.root
        subs = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subs:
            group = [sa.at(t) or sa.at(nominal_head(t)) for t in (subs[0], *subs[0].conjuncts)]
            found = [g for g in group if g is not None and g.identified]
            if found:
                self.state.last_subjects = found
        return sa

    def note_participants(self, participants: list[Mention]) -> None:
        """Remember the latest event's participants (two or more distinct actors) for "the parties"."""
        uniq: dict[str | None, Mention] = {}
        for m in participants:
            if m.identified and not m.members:
                uniq.setdefault(m.code(), m)
        if len(uniq) >= 2:
            self.state.last_group = tuple(uniq.values())

    def note_target(self, m: Mention) -> None:
        """Remember an event's target: two distinct recent targets are "the parties" when no event
        named both at once ("welcomed A's announcement ... welcomed B's message ... urged the parties")."""
        if not m.identified or m.members:
            return
        self.state.recent_parties = [p for p in self.state.recent_parties if p.code() != m.code()][-3:] + [m]

    def _group(self, tok: Token) -> Mention | None:
        """"the parties", "both sides", "all parties (to the conflict)": the latest event's participants
        (rule registry.group)."""
        group = self.state.last_group or tuple(self.state.recent_parties[-2:])
        if tok.lemma_.lower() not in GROUP_NOUNS or tok.tag_ != "NNS" or len(group) < 2:
            return None
        dets = {c.lower_ for c in tok.children if c.dep_ in ("det", "predet", "nummod", "amod")}
        if not dets & {"the", "both", "all", "two", "these", "those", "concerned", "warring", "relevant"}:
            return None
        if any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
            return None  # "the parties of the coalition": named, not a back reference
        lo = min([tok.i] + [c.i for c in tok.children if c.dep_ in ("det", "predet", "nummod", "amod") and c.i < tok.i])
        first = group[0]
        return Mention(lo, tok.i + 1, tok.i, first.country, first.role, self.doc[lo : tok.i + 1].text, "group",
                       via="group", members=group)

    def _pair(self, tok: Token, spans: list[Span], mentions: list[Mention]) -> tuple[str, ...]:
        """The two countries meant by "both countries", "the two sides", "both ministers": a
        coordinated pair earlier in the sentence, else the article's two most frequent countries."""
        for sp in reversed([x for x in spans if x.start < tok.i and x.label_ in (COUNTRY, CAPITAL, DEMONYM, ACTOR)]):
            group = [t for t in (sp.root, *sp.root.conjuncts) if t.i in self.span_at]
            cs = [c for c in (self._country_of_span(self.span_at[t.i]) for t in group) if c]
            if len(set(cs)) >= 2:
                return tuple(sorted(set(cs), key=cs.index))[:2]
        here = {m.country for m in mentions if m.start < tok.i and not m.modifier}
        recent: list[str] = []
        for m in reversed(self.state.history):
            if m.country and not m.modifier and m.country not in here and m.country not in recent:
                recent.append(m.country)
            if len(recent) == 2:
                return tuple(recent[::-1])
        return ()

    def _own_place(self, head: Token, sent: Span) -> str | None:
        """The country of an "in <country or capital>" attached to a group noun ("police in Bogota")."""
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ == "in":
                for pobj in prep.children:
                    sp = self.span_at.get(pobj.i)
                    if pobj.dep_ == "pobj" and sp is not None and sp.label_ in (COUNTRY, CAPITAL):
                        return sp.id_
        return None

    def main_country(self) -> str | None:
        """The article's main country: the most mentioned one (the dateline breaks ties)."""
        if self.dateline_country and self.dateline_country in self.article_ranking[:2]:
            return self.dateline_country
        return self.article_ranking[0] if self.article_ranking else None

    @staticmethod
    def _has_definite(s: Span) -> bool:
        head = nominal_head(s.root)
        return any(c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these", "those") for c in head.children) or any(
            t.lower_ in ("the", "this", "that", "these", "those") for t in s.doc[max(s.start - 2, s.sent.start) : s.start]
        )

    def _register_name(self, tokens: list[Token], m: Mention) -> None:
        ref = replace(m, via="name")
        full = " ".join(t.text for t in tokens)
        self.state.names[fold(full)] = ref
        self.state.names[fold(tokens[-1].text)] = ref

    def _speaker(self, sent: Span) -> Mention | None:
        """The subject of the sentence's reporting verb (for "we"/"our" in quotes)."""
        for tok in sent:
            if tok.lemma_ in SAY_LEMMAS and tok.pos_ == "VERB":
                for c in tok.children:
                    if c.dep_ in ("nsubj",):
                        nh = nominal_head(c)
                        sp = self.span_at.get(nh.i) or self.span_at.get(c.i)
                        ref = self.state.names.get(fold(nh.text))
                        if ref is not None:
                            return ref
                        if sp is not None and sp.label_ == ACTOR:
                            entry, _ = _actor_entry(self.lexicon, sp.id_, self.published)
                            if entry is not None:
                                return Mention(nh.i, nh.i + 1, nh.i, entry.country, entry.role, nh.text, "actor",
                                               person=entry.kind == "person")
                        if c.lower_ in PERSON_PRONOUNS:
                            return self._recent(lambda m: m.person and m.identified)
        return None

    def _pronoun(self, tok: Token, mentions: list[Mention], speaker: Mention | None) -> Mention | None:
        low = tok.lower_
        if low in ("he", "she", "him") or (low == "her" and tok.dep_ != "poss"):
            ref = next((m for m in _by_pos_desc(mentions) if m.person and m.identified and m.start < tok.i), None)
            if ref is None and tok.dep_ in ("nsubj", "nsubjpass"):
                # a subject pronoun continues the previous sentence's subject
                ref = next((m for m in self.state.last_subjects if m.person), None)
            if ref is None:
                ref = self._recent(lambda m: m.person and m.identified)
        elif low in SPEAKER_PRONOUNS and tok.dep_ != "poss":
            ref = speaker or (self.issuer if not _in_quote(tok) else None) or self._recent(
                lambda m: m.person and m.identified)
        elif low in ("it", "its") and tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "poss"):
            ref = next((m for m in _by_pos_desc(mentions) if not m.person and m.identified and not m.modifier
                        and not m.members and m.start < tok.i), None)
            if ref is None:
                # only the previous sentence's subject, when it was a state or organisation
                ref = next((m for m in self.state.last_subjects if not m.person and (m.metonym or m.kind == "actor")), None)
        elif low in ("they", "them") and tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj"):
            ref = next((m for m in _by_pos_desc(mentions) if m.country and not m.modifier and m.start < tok.i and m.role in GROUP_ROLES | {"MIL"}), None)
            if ref is None and tok.dep_ in ("nsubj", "nsubjpass") and len(self.state.last_subjects) >= 2 \
                    and not any(m.start < tok.i and not m.modifier for m in mentions):
                # "France and Germany condemned X. They called on Y ...": the coordinated subjects
                group = self.state.last_subjects
                cs = tuple(dict.fromkeys(m.country for m in group if m.country))
                first = group[0]
                return replace(first, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, kind="pronoun",
                               via="coref", modifier=False, countries=cs, country=cs[0])
            if ref is None:
                return None
        else:
            return None
        if ref is None or not ref.identified:
            return None
        return replace(ref, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, kind="pronoun", via="coref", modifier=False)
