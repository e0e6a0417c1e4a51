"""Document registry: one canonical actor per referent across an article — pronouns, titles and
offices, surnames and short names, "the parties" / "both sides", the first person of a statement's
author (its issuer) — resolved against what earlier sentences named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from spacy.tokens import Span, Token

from dyadflow.coder.records import Mention
from dyadflow.lexicon.model import CoderWords, Lexicon, NamedActor, fold
from dyadflow.nlp import ACTOR, AGENT, CAPITAL, COUNTRY, DEMONYM, OUTLET

_PRIORITY = {OUTLET: 6, ACTOR: 5, COUNTRY: 4, CAPITAL: 3, AGENT: 2, DEMONYM: 1}
NP_DEPS = frozenset({"compound", "amod", "poss", "nmod", "det", "case", "punct", "flat", "nummod", "npadvmod", "quantmod"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
SPEAKER_PRONOUNS = frozenset({"i", "we", "me", "us", "my", "our", "ours"})
THING_PRONOUNS = frozenset({"it", "its"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their"})
STATE_ROLES = frozenset({"GOV", "MIL", "COP", "JUD", "LEG", "SPY", "OPP", "REB", "INS"})
ARMED_ROLES = frozenset({"REB", "INS", "SEP"})  # main-country default only for "the rebels", not "militant groups"
GROUP_ROLES = frozenset({"REB", "INS", "OPP", "CVL", "REF", "BUS", "MED", "NGO", "COP", "JUD", "LEG"})


@dataclass
class ArticleState:
    """What coreference needs from earlier sentences of the same article."""

    history: list[Mention] = field(default_factory=list)
    names: dict[str, Mention] = field(default_factory=dict)  # folded name/surname -> titled mention
    country_counts: dict[str, int] = field(default_factory=dict)
    last_subjects: list[Mention] = field(default_factory=list)  # the previous sentence's main subject(s)
    last_subject_plural: bool = False  # that subject was a plural noun phrase ("the members of X", "rebels")
    last_group: tuple[Mention, ...] = ()  # the latest event's two or more participants ("the parties")
    last_fighting: tuple[Mention, ...] = ()  # the latest armed act's participants ("urged both sides to stop fighting")
    recent_parties: list[Mention] = field(default_factory=list)  # targets of recent events, latest last

    def remember(self, m: Mention) -> None:
        self.history.append(m)
        if m.country and not m.modifier:
            self.country_counts[m.country] = self.country_counts.get(m.country, 0) + 1


QUOTE_CHARS = frozenset('"“”«»')


def _in_quote(tok: Token) -> bool:
    """The token sits inside double quotation marks opened earlier in its sentence."""
    sent = tok.sent
    before = tok.doc.text[sent.start_char:tok.idx]
    return sum(before.count(q) for q in QUOTE_CHARS) % 2 == 1


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
        # "Sylvanian Ministry of Defence statement": the agent term after the country gives the role
        folded = fold(head)
        terms = [t for t in lexicon.agent_by_term if len(t) > 3 and f" {t}" in f" {folded} "]
        agent = lexicon.agent_by_term[max(terms, key=len)] if terms else None
        role = agent.role if agent is not None and agent.role not in ("CVL", "MED") else "GOV"
        return Mention(0, 0, 0, ident, role, head.strip(), "issuer", via="issuer", countries=(ident,))
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


def _thing_antecedent(tok: Token, mentions: list[Mention], span_at: Mapping[int, Span]) -> bool:
    """"it" whose nearest preceding argument in its sentence (a subject or object noun of a verb before it)
    is a thing, not an actor mention: it refers to that thing; a sentence-initial "it" likewise after a
    sentence whose subject is a thing ("The war began in April. It has killed thousands")."""
    heads = {i for m in mentions for i in range(m.start, m.end)}
    for t in reversed(list(tok.sent)[: tok.i - tok.sent.start]):
        if t.dep_ in ("nsubj", "nsubjpass", "dobj") and t.pos_ in ("NOUN", "PROPN", "PRON"):
            return t.pos_ == "NOUN" and t.i not in heads
    if tok.dep_ != "nsubj" or tok.sent.start == 0:
        return False
    prev = tok.doc[tok.sent.start - 1].sent
    subj = next((c for c in prev.root.children if c.dep_ == "nsubj"), None)
    return subj is not None and subj.pos_ == "NOUN" and subj.i not in span_at and not any(
        c.i in span_at for c in subj.children if c.dep_ in ("compound", "poss", "amod"))


class RegistryMixin:
    """Reference resolution over the article state (mixed into the mention finder, which owns
    `doc`, `lexicon`, `published`, `state`, `spans`, `span_at` and `issuer`)."""

    doc: Any
    lexicon: Lexicon
    words: CoderWords
    published: date | None
    state: ArticleState
    issuer: Mention | None
    spans: list[Span]
    span_at: dict[int, Span]
    dateline_country: str | None
    article_ranking: list[str]

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

    def note_participants(self, participants: list[Mention], conflict: bool = False) -> None:
        """Remember the latest event's participants (two or more distinct actors) for "the parties", and
        apart those of the latest armed act ("the warring parties", "both sides ... to stop fighting")."""
        uniq: dict[str | None, Mention] = {}
        for m in participants:
            if m.identified and not m.members:
                uniq.setdefault(m.code(), m)
        if len(uniq) >= 2:
            self.state.last_group = tuple(uniq.values())
            if conflict:
                self.state.last_fighting = self.state.last_group

    def note_target(self, m: Mention) -> None:
        """Remember an event's target: two distinct recent targets are "the parties" when no event
        named both at once ("welcomed A's announcement ... welcomed B's message ... urged the parties")."""
        if not m.identified or m.members:
            return
        self.state.recent_parties = [p for p in self.state.recent_parties if p.code() != m.code()][-3:] + [m]

    def _group(self, tok: Token) -> Mention | None:
        """"the parties", "both sides", "all parties (to the conflict)": the latest event's participants
        (rule registry.group)."""
        if tok.lemma_.lower() not in self.words.group_nouns or tok.tag_ != "NNS":
            return None
        pair, acting = self._sentence_pair(tok, self.spans)  # "mediated between A and B, urged both governments"
        # "called on both sides to stop fighting", "the warring parties": the sides of the latest armed act
        fighting = self.state.last_fighting if any(t.lemma_.lower() in self.words.fighting_words for t in tok.sent) else ()
        group = tuple(Mention(tok.i, tok.i + 1, tok.i, c, None, tok.text, "country", metonym=True, via="group",
                              countries=(c,)) for c in pair) or fighting or self.state.last_group or tuple(
            self.state.recent_parties[-2:])
        group = tuple(m for m in group if m.country not in acting)  # "A and B mediated between the two sides"
        if len(group) < 2:
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

    def _sentence_pair(self, tok: Token, spans: list[Span]) -> tuple[tuple[str, ...], frozenset[str]]:
        """Two coordinated countries earlier in tok's sentence ("mediated between A and B, urged both
        governments"), the nearest first; and the countries of tok's own clause's subject, which a
        group noun there never refers to ("A and B mediated between the two delegations")."""
        start = tok.sent.start
        ancestors = {a.i for a in tok.ancestors}  # "A and B, ..., mediated between the two" misparsed as A's clause
        acting: set[str] = set()
        found: tuple[str, ...] = ()
        for sp in reversed([x for x in spans if start <= x.start < tok.i and x.label_ in (COUNTRY, CAPITAL, DEMONYM, ACTOR)]):
            first = sp.root
            while first.dep_ == "conj" and first.head != first:
                first = first.head
            if first.dep_ in ("nsubj", "nsubjpass") or first.i in ancestors:
                # a pair that acts is not the one referred to (the parser may hang it on a relative clause)
                acting.update(c for c in [self._country_of_span(sp)] if c)
                continue
            group = [t for t in (sp.root, *sp.root.conjuncts) if t.i in self.span_at]
            cs = [c for c in (self._country_of_span(self.span_at[t.i]) for t in group) if c]
            if len(set(cs)) >= 2 and not found:
                found = tuple(sorted(set(cs), key=cs.index))[:2]
        return found, frozenset(acting)

    def _pair(self, tok: Token, spans: list[Span], mentions: list[Mention]) -> tuple[str, ...]:
        """The two countries meant by "both countries", "the two sides", "both ministers": a
        coordinated pair earlier in the sentence, else the article's two most frequent countries."""
        cs, _ = self._sentence_pair(tok, spans)
        if cs:
            return cs
        here = {m.country for m in mentions if m.start < tok.i and not m.modifier}
        recent: list[str] = []
        for m in reversed(self.state.history):
            if m.country and not m.modifier and m.country not in here and m.country not in recent:
                recent.append(m.country)
            if len(recent) == 2:
                return tuple(recent[::-1])
        return ()

    def main_country(self) -> str | None:
        """The article's main country: the most mentioned one (the dateline breaks ties)."""
        if self.dateline_country and self.dateline_country in self.article_ranking[:2]:
            return self.dateline_country
        return self.article_ranking[0] if self.article_ranking else None

    def _register_name(self, tokens: list[Token], m: Mention) -> None:
        ref = replace(m, via="name")
        full = " ".join(t.text for t in tokens)
        self.state.names[fold(full)] = ref
        self.state.names[fold(tokens[-1].text)] = ref

    def _speaker(self, sent: Span) -> Mention | None:
        """The subject of the sentence's reporting verb (for "we"/"our" in quotes)."""
        for tok in sent:
            if tok.lemma_ in self.words.say_lemmas and tok.pos_ == "VERB":
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

    @staticmethod
    def _object_pronoun(tok: Token, mentions: list[Mention]) -> Mention | None:
        """"Police arrested twelve protesters and later released them": an object "them" is the nearest
        group named before it in its sentence that is not the subject of its own clause, even before the
        group has a country (rule registry.object_pronoun)."""
        verb = tok.head.head if tok.dep_ == "pobj" else tok.head
        subjects: set[int] = set()
        for _ in range(4):
            subs = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
            subjects.update(t.i for c in subs for t in (c, *c.conjuncts))
            if subs or verb.dep_ != "conj" or verb.head == verb:
                break
            verb = verb.head  # "arrested X and released them": the shared subject
        doc = tok.doc
        ref = next((m for m in _by_pos_desc(mentions) if m.start < tok.i and not m.modifier and m.head not in subjects
                    and (m.role in GROUP_ROLES | {"MIL"} or doc[m.head].tag_ in ("NNS", "NNPS"))), None)
        if ref is None:
            return None
        kind = "pronoun" if ref.identified else ref.kind  # a country-less group takes the context's country later
        return replace(ref, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, kind=kind, via="coref", modifier=False)

    def _said_subject(self, tok: Token, mentions: list[Mention]) -> Mention | None:
        """"X said (that) he/it/they ...": a subject pronoun of the reported clause is the reporting verb's
        subject when the two agree (a person for he/she, a body for it, a group for they), even when
        that subject has no country (rule registry.said_subject)."""
        verb = tok.head
        if tok.dep_ != "nsubj" or verb.dep_ != "ccomp" or verb.head.lemma_.lower() not in self.lexicon.coder_words.say_lemmas:
            return None
        subs = [c for c in verb.head.children if c.dep_ == "nsubj"]
        if not subs:
            return None
        m = next((x for x in mentions if x.head == subs[0].i and not x.modifier and x.kind != "pronoun"), None)
        if m is None or not (m.identified or m.role):
            return None
        low = tok.lower_
        head = tok.doc[m.head]
        plural = head.tag_ in ("NNS", "NNPS")
        individual = head.ent_type_ == "PERSON" or (m.person and m.kind in ("agent", "name"))  # not "the Assad regime"
        fits = (individual and not plural) if low in ("he", "she") else (not individual and not plural) if low == "it" \
            else plural if low == "they" else False
        if not fits:
            return None
        return replace(m, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text,
                       kind="pronoun" if m.identified else m.kind, via="coref", modifier=False)

    def _pronoun(self, tok: Token, mentions: list[Mention], speaker: Mention | None) -> Mention | None:
        low = tok.lower_
        said = self._said_subject(tok, mentions)
        if said is not None:
            return said
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
        elif low == "it" and _thing_antecedent(tok, mentions, self.span_at):
            return None  # "condemned Russia's plan, saying it is illegal": the plan, not a party (rule registry.thing_it)
        elif low in ("it", "its") and tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "poss"):
            ref = next((m for m in _by_pos_desc(mentions) if not m.person and m.identified and not m.modifier
                        and not m.members and m.start < tok.i), None)
            if ref is None:
                # only the previous sentence's subject, when it was a state or organisation
                ref = next((m for m in self.state.last_subjects if not m.person and (m.metonym or m.kind == "actor")), None)
        elif low in ("they", "them") and tok.dep_ in ("dobj", "pobj") and (obj := self._object_pronoun(tok, mentions)):
            return obj
        elif low in ("they", "them") and tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj"):
            # a group, a force, or a government body ("the Swedish government said they hoped ..."), not a country
            ref = next((m for m in _by_pos_desc(mentions) if m.country and not m.modifier and m.start < tok.i and (
                m.role in GROUP_ROLES | {"MIL"} or (m.role == "GOV" and m.kind == "agent" and not m.person))), None)
            if ref is None and tok.dep_ in ("nsubj", "nsubjpass") and len(self.state.last_subjects) >= 2 \
                    and not any(m.start < tok.i and not m.modifier for m in mentions):
                # "France and Germany condemned X. They called on Y ...": the coordinated subjects
                group = self.state.last_subjects
                cs = tuple(dict.fromkeys(m.country for m in group if m.country))
                first = group[0]
                return replace(first, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, kind="pronoun",
                               via="coref", modifier=False, countries=cs, country=cs[0])
            if ref is None and tok.dep_ in ("nsubj", "nsubjpass") and len(self.state.last_subjects) == 1 \
                    and self.state.last_subject_plural and not any(m.start < tok.i and not m.modifier for m in mentions):
                # "The members of the Council met. They demanded ...": the previous plural subject
                ref = self.state.last_subjects[0]
            if ref is None:
                return None
        else:
            return None
        if ref is None or not ref.identified:
            return None
        via = "issuer" if ref.via == "issuer" else "coref"  # "we" in a statement: its author (rule registry.issuer)
        return replace(ref, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, kind="pronoun", via=via, modifier=False)
