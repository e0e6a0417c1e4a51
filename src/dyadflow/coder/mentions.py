"""Mentions stage: every actor-like span of a sentence — named actors, countries, capitals and
demonyms composed with agents and titles, appositions, metonyms, possessives and pronouns (the
registry resolves the references).

Countries, demonyms and capitals compose with generic agents ("Turkish defence minister" ->
TUR + MIL); named actors carry date-bounded codes; a titled unknown name keeps its code in
later mentions; pronouns and short references resolve to the nearest compatible actor.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from spacy.tokens import Doc, Span, Token

from dyadflow.coder.records import Mention, SentenceActors
from dyadflow.coder.registry import (  # noqa: F401 (constants shared by the stages)
    _PRIORITY,
    ARMED_ROLES,
    GROUP_ROLES,
    NP_DEPS,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    SPEAKER_PRONOUNS,
    STATE_ROLES,
    THING_PRONOUNS,
    ArticleState,
    RegistryMixin,
    _actor_entry,
    _by_pos_desc,
    _in_quote,
    _is_pair,
    issuer_mention,
    nominal_head,
)
from dyadflow.lexicon.model import Agent, Lexicon, fold
from dyadflow.nlp import ACTOR, AGENT, CAPITAL, COUNTRY, DEMONYM, OUTLET, SPANS_KEY


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


DATELINE_DASHES = frozenset({"-", "--", "–", "—", ":"})
# groups that belong to the place they are in ("rebels in X", "journalists in X"); armed state roles
# have their own rule, refugees, aid groups and envoys come from elsewhere
RESIDENT_ROLES = ARMED_ROLES | frozenset({"CVL", "MED", "UAF", "CRM", "HLH", "EDU", "LAB", "REL", "BUS", "AGR"})


def _dateline_extent(doc: Doc, start: int, end: int) -> frozenset[int]:
    """The tokens of a dateline opening at a place name ("LIMA, Jan 20 (Reuters) -"): up to the dash or
    colon that closes it within a dozen tokens, when one does (rule mentions.dateline)."""
    for i in range(end, min(len(doc), end + 12)):
        if doc[i].text in DATELINE_DASHES:
            return frozenset(range(start, i + 1))
        if "\n" in doc[i].text or "\n" in doc[i].whitespace_:
            break
    return frozenset()


def _of_phrase(tok: Token, sa: SentenceActors) -> Mention | None:
    """"The members of the Security Council", "leaders of the rebels": the body named in the of-phrase."""
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for o in c.children:
                if o.dep_ == "pobj":
                    m = sa.at(o) or sa.at(nominal_head(o))
                    if m is not None and not m.modifier:
                        return m
    return None


class ActorFinder(RegistryMixin):
    """Builds the mentions of each sentence of one article, in order (stateful per article)."""

    def __init__(self, doc: Doc, lexicon: Lexicon, published: date | None, issuer: Mention | None = None) -> None:
        self.doc = doc
        self.lexicon = lexicon
        self.published = published
        self.issuer = issuer  # who speaks in the first person outside quotes (a statement's author)
        self.words = lexicon.coder_words
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
        self.dateline_tokens: frozenset[int] = frozenset()  # "FREDVILLE, March 3 (Agency) -": never actors
        for s in self.spans[:12]:
            if s.label_ in (CAPITAL, COUNTRY) and s.start < len(doc) and s.end < len(doc) and doc[s.end].text == ",":
                before = doc[max(0, s.start - 1)]
                if s.start == 0 or "\n" in before.text or "\n" in before.whitespace_ or before.is_space:
                    self.dateline_country = s.id_
                    self.dateline_tokens = _dateline_extent(doc, s.start, s.end)
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
        if last in self.words.office_words or (words and words[-1] in self.words.office_words):
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


    def _possessor_country(self, tok: Token, sent_mentions: list[Mention], speaker: Mention | None) -> tuple[str, ...]:
        """Countries given by a possessive in the NP of tok: "the country's", "its", "his", "their"."""
        for child in tok.children:
            if child.dep_ != "poss":
                continue
            c = self.possessive_country(child, sent_mentions, speaker)
            if c:
                return c
        return ()

    @staticmethod
    def _possessor_igo(tok: Token, sent_mentions: list[Mention]) -> Mention | None:
        """"his Spokesperson", "its mission" after an organisation's officer or the organisation itself: the
        nearest such mention before, when it is an international body (a complete code, no country)."""
        poss = next((c for c in tok.children if c.dep_ == "poss" and c.lower_ in ("his", "her", "its")), None)
        if poss is None:
            return None
        person = poss.lower_ != "its"
        m = next((m for m in _by_pos_desc(sent_mentions) if m.start < poss.i and not m.modifier and m.person == person
                  and m.identified), None)
        return m if m is not None and m.fixed_code and not m.country else None

    def possessive_country(self, child: Token, sent_mentions: list[Mention], speaker: Mention | None) -> tuple[str, ...]:
        low = child.lower_
        if child.lemma_.lower() in self.words.country_nouns and not any(c.dep_ in ("amod", "compound") for c in child.children):
            c = self._recent_span_country(child.i, child.sent)
            return (c,) if c else ()
        if low == "its":
            for m in _by_pos_desc(sent_mentions):
                if m.start < child.i and m.country and not m.person:
                    return (m.country,)
            # "Moldova, which lies between Ukraine and Romania, applied ... Its government": the previous
            # sentence's subject before the country named last (rule mentions.its_previous_subject)
            prev = next((m for m in self.state.last_subjects if not m.person and m.country), None)
            c = prev.country if prev is not None else self._recent_country(person=False)
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

    def _title_holder(self, span: Span) -> Mention | None:
        """The latest person named in the article whose dictionary title contains this title word."""
        term = fold(span.text.lower()).removeprefix("the ").strip()
        if not term:
            return None

        def holds(m: Mention) -> bool:
            entry = self.lexicon.actor_on(m.actor_id, self.published) if m.actor_id else None
            return m.person and entry is not None and entry.title is not None and term in fold(entry.title.lower())

        found = self._recent(holds)
        if found is not None:
            return found
        # a person named inside a longer mention ("United Federation Secretary-General Gloria Teasdale")
        for sp in reversed(self.spans[: bisect_left(self._span_starts, span.start)]):
            entry = self.lexicon.actor_on(sp.id_, self.published) if sp.label_ == ACTOR else None
            if entry is not None and entry.kind == "person" and entry.title and term in fold(entry.title.lower()):
                return Mention(sp.start, sp.end, sp.root.i, entry.country, entry.role, sp.text, "actor", person=True,
                               actor_id=sp.id_, fixed_code=entry.code)
        return None

    def _first_person_owner(self, head: Token, speaker: Mention | None) -> Mention | None:
        """Whose is "my envoy" / "our ministry": the sentence's speaker, else the statement's issuer."""
        if not any(c.dep_ == "poss" and c.lower_ in ("my", "our") for c in head.children):
            return None
        owner = speaker or (self.issuer if not _in_quote(head) else None)
        return owner if owner is not None and owner.identified else None

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
                        if c is None and (s is None or s.label_ == AGENT) and child.lower_ == "of":
                            # "the families of the Afghan victims": the national modifier of the group
                            c = next((self._country_of_span(m) for g in t.children if g.dep_ in ("amod", "compound")
                                      and g.i < t.i and (m := self.span_at.get(g.i)) is not None
                                      and m.label_ in (COUNTRY, DEMONYM)), None)
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
        outlet_tokens: set[int] = {i for i in self.dateline_tokens if sent.start <= i < sent.end}
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
                if s.end < len(doc) and doc[s.end].lower_ in ("-", "–") and s.end + 1 < len(doc) and doc[s.end + 1].lower_ in self.words.sponsor_words:
                    continue  # "US-backed militants": the sponsor, not the group's country
                if s.root.head.lower_ in self.words.sponsor_words and s.root.dep_ in ("npadvmod", "compound", "amod"):
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
                    head.lemma_.lower() in self.words.thing_nouns or head.lemma_.lower() in self.words.act_head_nouns):
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
            igo_owner = None if countries else self._possessor_igo(s.root, mentions)
            if igo_owner is not None:
                via = "coref"  # "Guterres ... his Spokesperson": the Secretary-General's, IGOUNO (rule mentions.possessor_igo)
            elif not countries:
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
            fixed_code = igo_owner.fixed_code if igo_owner is not None else None
            if not countries and fixed_code is None:
                owner = self._first_person_owner(head, speaker)
                if owner is not None:  # "my Special Envoy" in the Secretary-General's statement
                    countries = (owner.country,) if owner.country else ()
                    fixed_code = owner.fixed_code
                    via = "issuer"
            org = next((m for m in mods if m.label_ == ACTOR), None)
            if org is None and not countries:
                org = self._of_actor(head)  # "leaders of ECOWAS": the body's code (rule mentions.of_actor)
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
            if not countries and fixed_code is None:
                grp = self._group(head)  # "the two delegations", "both leaders": the latest event's parties
                if grp is not None:
                    mentions.append(replace(grp, start=start, end=end, text=doc[start:end].text))
                    continue
            if not countries and _is_pair(head):
                countries = self._pair(head, spans, mentions)
                via = "coref"
                if not countries:
                    continue  # "the two delegations" with no pair to point to: not one country's
            if not countries and agent.kind != "channel":
                # short reference: nearest earlier compatible actor
                ref = self._recent(
                    lambda m, role=role, person=agent.person: m.country is not None and not m.modifier
                    and m.role == role and (m.person == person or not person)
                )
                if ref is None and s.root.dep_ not in ("compound",) and self._has_definite(s):
                    ref = None
                holder = self._title_holder(s) if agent.person and self._has_definite(s) and not mods else None
                if holder is not None:
                    # "the president": the person named earlier who holds that title (rule registry.title)
                    ref = holder
                    fixed_code = holder.fixed_code
                if ref is not None and self._has_definite(s) and agent.person and s.root.tag_ in ("NN", "NNP"):
                    countries = (ref.country,) if ref.country else ()
                    via = "coref"
                if not countries and not agent.person and role in ARMED_ROLES and self._has_definite(s) \
                        and not mods and not titles:
                    # "the militants", "the rebels": the armed group named last (rule registry.group_reference)
                    named = self._recent(lambda m, role=role: m.fixed_code is not None and not m.person
                                         and m.role == role and m.kind == "actor")
                    if named is not None:
                        countries = (named.country,) if named.country else ()
                        fixed_code = named.fixed_code
                        via = "coref"
            named_org = any(
                t.is_title and t.i not in self.span_at and t.i != t.sent.start and t.pos_ in ("PROPN", "ADJ", "NOUN")
                for t in doc[head.left_edge.i : s.start]
            ) and s.text[:1].isupper()  # "National Liberation Army": an unknown organisation's name
            if not countries and fixed_code is None and not agent.person and role in RESIDENT_ROLES \
                    and not named_org and (own := self._own_place(head, sent)):
                # "rebels in Ivory Coast", "gunmen in Kano": residents take the place they are in (rule
                # mentions.own_place; not refugees, aid groups or foreign troops, who come from elsewhere)
                countries = (own,)
                via = "compose"
            if not countries and fixed_code is None and not agent.person and any(
                    c.dep_ == "det" and c.lower_ in ("that", "this") for c in head.children):
                # "Malaysia's role ... gratitude to that Government": the country just named in the sentence
                # (rule mentions.demonstrative)
                near = next((c for sp in reversed(self.spans) if sent.start <= sp.start and sp.end <= start
                             and sp.label_ in (COUNTRY, CAPITAL) and (c := self._country_of_span(sp))), None)
                if near is not None:
                    countries, via = (near,), "coref"
            generic = head.tag_ in ("NNS", "NNPS") and role in ("GOV", "NGO", "IGO", "BUS") and not any(
                c.dep_ in ("det", "poss", "amod", "compound", "nummod", "prep") for c in head.children)
            if not countries and fixed_code is None and role in STATE_ROLES and not named_org and not generic and (
                role not in ARMED_ROLES or self._has_definite(s)
            ):
                # (not "governments and NGOs are coordinating ...": a bare plural names no one in particular,
                # rule candidates.generic_plural)
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
            home = (self._residence(root, s, sent) or s.id_) if people else s.id_
            mentions.append(
                Mention(s.start, s.end, root.i, home, "CVL" if people else None, s.text, s.label_.lower(),
                        metonym=not people, modifier=modifier, countries=(home,))
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
            if tok.lemma_.lower() in self.words.pair_nouns and _is_pair(tok):
                pair = self._pair(tok, spans, mentions)
                if pair:
                    lo = tok.left_edge.i
                    mentions.append(Mention(lo, tok.i + 1, tok.i, pair[0], None, doc[lo : tok.i + 1].text, "country",
                                            metonym=True, via="coref", countries=pair))
                    continue
            if tok.lemma_.lower() in self.words.country_nouns and tok.pos_ == "NOUN" and tok.tag_ == "NN":
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
        if not subs and root.pos_ in ("PROPN", "NOUN") and any(c.dep_ == "acl" and c.pos_ == "VERB" for c in root.children):
            subs = [root]  # "Moldova, which lies ..., applied ..." parsed with the name as the root
        if subs:
            group = [sa.at(t) or sa.at(nominal_head(t)) or _of_phrase(t, sa) for t in (subs[0], *subs[0].conjuncts)]
            found = [g for g in group if g is not None and g.identified]
            if found:
                self.state.last_subjects = found
                self.state.last_subject_plural = subs[0].tag_ in ("NNS", "NNPS") and not subs[0].conjuncts
        return sa


    def _of_actor(self, head: Token) -> Span | None:
        """A named actor in an "of" phrase of a group noun ("leaders of ECOWAS", "members of the Council"),
        or in the "for" phrase of a speaker noun ("a spokesman for the coast guard")."""
        preps = ("of", "for") if head.lemma_.lower() in self.words.speaker_nouns else ("of",)
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in preps:
                for pobj in prep.children:
                    sp = self.span_at.get(pobj.i)
                    if pobj.dep_ == "pobj" and sp is not None and sp.label_ == ACTOR:
                        return sp
        return None

    def _residence(self, root: Token, s: Span, sent: Span) -> str | None:
        """The country an ethnic group lives in (rule mentions.residence): a country modifier ("Bosnian
        Serbs" -> BIH), an of-phrase ("the Albanians of Serbia"), or for an explicit minority ("ethnic
        Albanians") the other country its sentence names. "Syrians in Turkey" keep their own country:
        they may be migrants."""
        for c in root.children:
            sp = self.span_at.get(c.i)
            if c.dep_ in ("amod", "compound") and c.i < s.start and sp is not None \
                    and sp.label_ in (COUNTRY, DEMONYM) and sp.id_ != s.id_:
                return sp.id_
        of = [c for c in self._countries_from_preps(root) if c != s.id_]
        if of:
            return of[0]
        if any(t.lower_ == "ethnic" for t in root.doc[max(sent.start, s.start - 2) : s.start]):
            for t in sent:
                sp = self.span_at.get(t.i)
                if sp is not None and sp.label_ in (COUNTRY, CAPITAL) and sp.id_ != s.id_:
                    return sp.id_
        return None

    def _own_place(self, head: Token, sent: Span) -> str | None:
        """The country of an "in <country or capital>" attached to a group noun ("police in Bogota")."""
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ == "in":
                for pobj in prep.children:
                    sp = self.span_at.get(pobj.i)
                    if pobj.dep_ == "pobj" and sp is not None and sp.label_ in (COUNTRY, CAPITAL):
                        return sp.id_
        return None


    @staticmethod
    def _has_definite(s: Span) -> bool:
        head = nominal_head(s.root)
        return any(c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these", "those") for c in head.children) or any(
            t.lower_ in ("the", "this", "that", "these", "those") for t in s.doc[max(s.start - 2, s.sent.start) : s.start]
        )


