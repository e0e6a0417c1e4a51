"""Candidates stage: the argument frame of each predicate — source and target from subjects,
objects, by-agents, of/against/on/with/between phrases, possessives and modifiers, reactions to
named acts, definite references to earlier acts and places — and the candidate record with its
modality (denials, intentions, claims). Building Event records is the events stage's job."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from spacy.tokens import Span, Token

from dyadflow.coder.predicates import (
    ARMED_GROUP_ROLES,
    DEFINITE,
    LOCATIVE_PREPS,
    NOMINAL_DEPS,
    NOT_PLACE_ENTS,
    SUBJ_DEPS,
    TERRITORIAL_PREPS,
    PredicateMixin,
    _governor,
    _intercepts,
    _lemma,
    _party_heads,
    _pobjs,
    _pos_class,
    _preps,
    _swallowed_verb,
    _with_conj,
)
from dyadflow.coder.records import Candidate, Mention, SentenceActors
from dyadflow.coder.registry import nominal_head
from dyadflow.lexicon.model import CoderWords, Lexicon, VerbPattern
from dyadflow.records import Modality


def _owner_clause(t: Token, words: CoderWords) -> bool:
    """"facilities belonging to X", "positions held by X", "bases used by X": a participle naming the
    owner of a thing, whose actor is the thing's party (word list owner_lemmas, rule candidates.owner_clause)."""
    return t.dep_ == "acl" and t.tag_ in ("VBG", "VBN") and t.lemma_.lower() in words.owner_lemmas


DOMESTIC_PARTY_ROLES = frozenset({"REB", "INS", "OPP", "SEP"})


def _domestic_state(ms: list[Mention], other: list[Mention], countries: Any) -> list[Mention]:
    """"The army" given the article's main country, facing rebels or an opposition of another country:
    that country's army ("the ELN accused the army" in a story datelined Havana is Colombia's; rule
    candidates.domestic_state)."""
    home = {o.country for o in other if o.role in DOMESTIC_PARTY_ROLES and not o.modifier
            and getattr(countries.get(o.country or ""), "iso3", None)}  # a state, not an ethnic group (KUR)
    if len(home) != 1:
        return ms
    c = next(iter(home))
    return [replace(m, country=c, countries=(c,), via="context") if m.via == "main" and m.role in ("GOV", "MIL", "COP")
            and m.country != c else m for m in ms]


def _definite(noun: Token) -> bool:
    """"the attack", "its launch", "the missile launch" (the article parsed onto the compound): a definite act."""
    if any(c.dep_ in ("det", "poss") and c.lower_ in DEFINITE for c in noun.children):
        return True
    j = noun.i - 1  # the words just before it, however parsed: "the missile launch"
    while j >= noun.sent.start and noun.i - j <= 3 and noun.doc[j].pos_ in ("NOUN", "PROPN", "ADJ"):
        j -= 1
    return j < noun.i - 1 and j >= noun.sent.start and noun.doc[j].lower_ in DEFINITE


class SentenceCoder(PredicateMixin):
    """Matches patterns in one sentence against its actor mentions."""

    def __init__(self, sent: Span, actors: SentenceActors, lexicon: Lexicon, gazetteer: Any = None,
                 prefer_countries: tuple[str, ...] = (), main_country: str | None = None,
                 earlier: tuple[Candidate, ...] = ()) -> None:
        self.main_country = main_country
        self.earlier = earlier  # candidates of the preceding sentences, most recent last
        self.referenced_place: str | None = None  # the country hit by an earlier act this sentence points back to
        self.sent = sent
        self.actors = actors
        self.lexicon = lexicon
        self.words = lexicon.coder_words
        self.gazetteer = gazetteer
        self.prefer = prefer_countries
        self._question: bool | None = None  # the sentence ends in "?" (computed on first use)

    def place_mention(self, tok: Token) -> Mention | None:
        """A bare country Mention for a place name ("on Odesa" -> UKR) via the gazetteer, if any."""
        if self.gazetteer is None or tok.ent_type_ in NOT_PLACE_ENTS:
            return None  # "in March 2001" is a date, not the town of March
        doc = self.sent.doc
        if tok.pos_ != "PROPN" and not (tok.is_title and tok.i > self.sent.start):  # a capitalised name the tagger missed
            # "the Poonch district", "Kharkiv region": the name modifying a place noun
            names = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN" and c.i < tok.i]
            if _lemma(tok) not in self.words.place_nouns or not names:
                return None
            tok = names[-1]
        lo = min([tok.i] + [c.i for c in tok.children if c.dep_ in ("compound", "amod") and c.i < tok.i])
        spans = [(lo, tok.i + 1)] + ([(lo, tok.i)] if lo < tok.i and doc[tok.i - 1].pos_ == "PROPN" else [])
        if lo < tok.i and doc[tok.i - 1].pos_ != "PROPN":
            spans.append((tok.i, tok.i + 1))  # "Indian-administered Kashmir": the name itself
        for start, end in spans:
            name = doc[start:end].text
            place = self.gazetteer.lookup(name, self.prefer)
            if place is not None and place.country:
                c = self.lexicon.country_by_iso3.get(place.country)
                if c is not None:
                    return Mention(start, end, tok.i, c.code, None, name, "place", metonym=True,
                                   via="gazetteer", countries=(c.code,))
        return None

    def place_back(self, tok: Token) -> Mention | None:
        """"the city", "the town", "the region": the place named last in the preceding sentences, as a
        country mention at tok (rule registry.place_reference)."""
        def definite(t: Token) -> bool:
            return any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in t.children)

        if self.gazetteer is None or _lemma(tok) not in self.words.place_nouns or not (definite(tok) or any(
                c.dep_ == "poss" and _lemma(c) in self.words.place_nouns and definite(c) for c in tok.children)):
            return None  # "the city", "the region's capital"
        doc = self.sent.doc
        lo = max(0, self.sent.start - 150)
        for i in range(self.sent.start - 1, lo - 1, -1):
            t = doc[i]
            if t.dep_ in ("poss", "nsubj", "nsubjpass"):
                continue  # "Moscow's shelling", "Moscow said": a place standing for an actor, not a location
            if t.pos_ == "PROPN" and t.ent_type_ not in NOT_PLACE_ENTS and (i + 1 >= len(doc) or doc[i + 1].pos_ != "PROPN"):
                pm = self.place_mention(t)
                if pm is not None:
                    return replace(pm, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, via="place_reference")
        return None

    # -- actor slots ---------------------------------------------------------------------
    def mentions_at(self, tok: Token, *, deep: int = 2, conj: bool = True) -> list[Mention]:
        """Mentions denoted by the phrase headed by tok (with its conjuncts)."""
        out: list[Mention] = []
        heads = _with_conj(tok) if conj else [tok]
        for t in heads:
            if t.i in self.actors.outlet_tokens:
                continue
            m = self.actors.at(t) or self.actors.at(nominal_head(t))
            if m is not None and not (m.modifier and m.head != t.i and m.kind != "demonym"):
                out.append(m)
                continue
            if deep > 0:
                out.extend(self._search(t, deep))
        # apposition names refer to the same actor
        seen: set[tuple[int, int]] = set()
        uniq = []
        for m in out:
            if (m.start, m.end) not in seen:
                seen.add((m.start, m.end))
                uniq.append(m)
        return uniq

    def _search(self, tok: Token, depth: int) -> list[Mention]:
        """Breadth-first search for the nearest mention inside tok's noun phrase."""
        frontier = [tok]
        for _ in range(depth + 1):
            nxt: list[Token] = []
            found: list[Mention] = []
            for t in frontier:
                for c in t.children:
                    # an apposition names the (unmatched) noun it hangs on: "the group Kataib Hezbollah"
                    if c.dep_ in ("relcl", "advcl", "ccomp", "punct", "cc", "det") or (c.dep_ == "appos" and t.pos_ != "NOUN"):
                        continue
                    if c.dep_ == "prep" and c.lower_ not in ("of", "from", "in", "including", "among", "for", "on", "against", "with", "between") \
                            and not _owner_clause(t, self.words):
                        continue
                    m = self.actors.at(c)
                    if m is not None and c.i not in self.actors.outlet_tokens:
                        found.append(m)
                        for cj in c.conjuncts:
                            mm = self.actors.at(cj)
                            if mm is not None:
                                found.append(mm)
                    else:
                        nxt.append(c)
            if found:
                return found
            frontier = nxt
        return []

    def subject(self, verb: Token) -> tuple[list[Mention], Token, bool]:
        """Source mentions of a verb: its subject, else climbed through xcomp/conj/advcl/relcl.

        Returns (mentions, the clause verb that supplied them, passive flag)."""
        cur = verb
        if _swallowed_verb(verb):
            # a finite verb misparsed as a modifier ("Egypt's President X hosted Jordan's King Y"):
            # the actor just before it is the subject
            before = [m for m in self.actors.mentions if m.end == verb.i and not m.modifier]
            return before[-1:], verb, False
        below: Token | None = None  # the clause just climbed from through xcomp/pcomp (a controlled verb)
        for _ in range(6):
            controlled, below = below, None
            subs = [c for c in cur.children if c.dep_ in SUBJ_DEPS] or [
                g for a in cur.children if a.dep_ == "aux" and a.i < cur.i for g in a.children if g.dep_ in SUBJ_DEPS]
            # ("The UK and France however have opposed": the subject parsed onto the auxiliary)
            if subs and subs[0].tag_ in ("WP", "WDT") and cur.dep_ == "relcl":
                # "the minister, who met X": the antecedent just before the relative pronoun, else the head noun
                rel = subs[0]
                doc = rel.doc
                j = rel.i - 1
                while j >= self.sent.start and doc[j].is_punct:
                    j -= 1
                near = self.actors.at(doc[j]) if j >= self.sent.start else None
                if near is not None and not near.modifier and near.end == j + 1:
                    return [near], cur, False
                ante = cur.head
                if ante.dep_ == "pobj" and ante.head.head.pos_ == "NOUN" and _lemma(ante.head.head) in self.words.act_noun_roots:
                    ante = ante.head.head  # "an attack from X that killed ...", the clause hung on X
                    return self._act_noun_agent(ante), cur, False
                return (self.mentions_at(ante, deep=1, conj=False) or self._act_noun_agent(ante)), cur, False
            if subs:
                found = self.mentions_at(subs[0]) or self.referenced_agents(subs[0])
                if not found and subs[0].i in self.actors.outlet_tokens:
                    # "FREDVILLE, March 3 - Sylvania criticised ...": the parser took the dateline as the
                    # subject; the actor between the dateline and the verb is the real one
                    found = [m for m in self.actors.mentions if subs[0].i < m.start and m.end <= cur.i
                             and not m.modifier][-1:]
                if found and controlled is not None and cur.lemma_ == "join":
                    # "we join the EU in condemning X": whom the source joins acts too (rule candidates.join_in)
                    found = found + [m for c in cur.children if c.dep_ == "dobj" for m in self.mentions_at(c)]
                return found, cur, False
            pas = [c for c in cur.children if c.dep_ == "nsubjpass"]
            if pas and controlled is not None:
                # "X was forced to withdraw", "X has been involved in suppressing Y": the passive verb's
                # subject is the controlled verb's agent, not its victim (rule candidates.passive_control)
                return self.mentions_at(pas[0]), cur, False
            if pas:
                agents = [p for c in cur.children if c.dep_ == "agent" for p in _pobjs(c)]
                return (self.mentions_at(agents[0]) if agents else []), cur, True
            if cur.tag_ in ("VBD", "VBZ", "VBP") or (cur.tag_ == "VBN" and any(
                    c.dep_ == "aux" and c.lemma_ == "have" for c in cur.children)):
                # "USAID deployed teams": a finite verb with no subject whose actor before it was parsed as a
                # modifier (advmod, npadvmod, dep): that actor is the subject (rule candidates.misparsed_subject)
                lost = [m for c in cur.children if c.dep_ in ("advmod", "npadvmod", "dep") and c.i < cur.i
                        for m in self.mentions_at(c) if not m.modifier]
                if lost:
                    return lost[:1], cur, False
            if cur.dep_ == "xcomp" or (cur.dep_ == "ccomp" and cur.head.lemma_ in ("push", "urge", "ask", "help")):
                objs = [c for c in cur.head.children if c.dep_ in ("dobj",)]
                if objs and cur.head.lemma_ not in ("have",) and _pos_class(cur.head) == "VERB" and cur.head.lemma_ not in self.words.intent_lemmas:
                    return self.mentions_at(objs[0]), cur, False
                below = cur if cur.dep_ == "xcomp" else None
                cur = cur.head
            elif cur.dep_ in ("acomp", "oprd") and cur.pos_ == "ADJ":
                cur = cur.head
            elif cur.dep_ == "advcl" and cur.head.lemma_ in self.words.say_lemmas and cur.lemma_ not in self.words.say_lemmas and any(
                c.dep_ == "ccomp" for c in cur.head.children
            ):
                # "X launched missiles, killing five, officials said": X, not the officials
                cur = next(c for c in cur.head.children if c.dep_ == "ccomp")
            elif cur.dep_ in ("conj", "advcl", "pcomp", "acl") and cur.head != cur:
                if cur.dep_ == "acl" and cur.head.pos_ in ("NOUN", "PROPN") and cur.head.lemma_ not in self.words.intent_lemmas:
                    ms = self.mentions_at(cur.head, deep=1)
                    if ms:
                        return ms, cur, False
                pcomp = cur.dep_ == "pcomp"
                if cur.dep_ == "conj" and cur.tag_ in ("VBD", "VBZ", "VBP") and cur.head.pos_ == "VERB":
                    below = cur  # "X was attacked and retaliated": a finite second verb shares the subject
                cur = cur.head
                if cur.pos_ == "ADP":
                    below = cur if pcomp and cur.lower_ != "by" and cur.head.pos_ in ("VERB", "AUX") else None
                    cur = cur.head
                if cur.pos_ in ("NOUN", "PROPN") and cur.dep_ in ("dobj", "pobj", "attr", "nsubj"):
                    cur = cur.head if cur.dep_ != "pobj" else cur.head.head
            elif cur.dep_ == "relcl":
                # "an attack from Gaza that wounded seven": the attack's own agent
                return (self.mentions_at(cur.head, deep=1, conj=False) or self._act_noun_agent(cur.head)), cur, False
            else:
                break
        return [], cur, False

    def noun_source(self, noun: Token, p: VerbPattern) -> tuple[list[Mention], Token | None]:
        """Source of a noun trigger: possessor or national adjective, "by X", else the governing verb's subject."""
        for c in noun.children:
            if c.dep_ == "poss":
                ms = self.mentions_at(c, deep=1)
                if ms:
                    return ms, None
        mods = []
        for c in noun.children:
            if c.dep_ in ("amod", "compound", "nmod") and c.i < noun.i:
                m = self.actors.at(c)
                if m is not None:
                    mods.append(m)
                else:  # "Armenia and Azerbaijan report heavy fighting" parsed as one noun phrase
                    mods.extend(x for g in c.children if g.dep_ in ("nmod", "compound") and g.i < c.i
                                for x in self.mentions_at(g, deep=0))
        if not mods and noun.i >= self.sent.start + 2 and noun.doc[noun.i - 1].text == "-":
            # "the Chadian military counter-attack" split at the hyphen: the actor before the word's first half
            m = self.actors.at(noun.doc[noun.i - 2])
            if m is not None and m.end == noun.i - 1:
                mods.append(replace(m, modifier=False))
        if mods:
            return mods, None
        for o in self._by_objects(noun):
            return self.mentions_at(o), None
        launched = self._launched_from(noun) if self._military(p.code) else []
        if launched:
            return launched, None
        for c in noun.children:  # "attacks carried out / perpetrated / claimed by X"
            if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
                agents = [x for a in c.children if a.dep_ == "agent" for o in _pobjs(a) for x in self.mentions_at(o)]
                if agents:
                    return agents, None
        gov = _governor(noun)
        if gov is not None and gov.pos_ in ("VERB", "AUX") and _lemma(gov) in self.words.reaction_lemmas:
            return [], None  # "France condemned the offensive": France did not launch it
        if gov is not None and _intercepts(gov, self.words) and noun.dep_ == "dobj":
            return [], None  # "X shot down a missile": the missile is not X's (rule candidates.intercepted)
        if gov is not None and gov.pos_ in ("VERB", "AUX"):
            ms, clause, _ = self.subject(gov)
            return ms, clause
        if gov is not None and gov.pos_ in ("NOUN",) and noun.dep_ in ("pobj",):
            # "efforts for rapprochement": the governing noun's own source
            for c in gov.children:
                if c.dep_ == "poss":
                    return self.mentions_at(c, deep=1), None
            g2 = _governor(gov)
            if g2 is not None and g2.pos_ in ("VERB", "AUX"):
                ms, clause, _ = self.subject(g2)
                return ms, clause
        return [], None

    def _breakdowns(self, found: list[Candidate]) -> list[Candidate]:
        """"The new funding includes $8 million for A and $17 million for B": a definite act noun told
        before (its agent, its code) broken down by recipient (rule candidates.aid_breakdown)."""
        out: list[Candidate] = []
        for tok in self.sent:
            if tok.dep_ != "nsubj" or tok.pos_ != "NOUN" or any(c.trigger.i == tok.i for c in found) \
                    or not any(c.dep_ in ("det", "poss") and c.lower_ in DEFINITE for c in tok.children):
                continue
            roots = self.words.act_noun_roots.get(_lemma(tok))
            verb = tok.head
            if not roots or verb.pos_ not in ("VERB", "AUX"):
                continue
            amounts = [x for c in verb.children if c.dep_ == "dobj" and c.like_num for x in self._listed(c)]
            targets = [m for a in amounts for pr in _preps(a) if pr.lower_ in ("for", "to")
                       for o in _pobjs(pr) for m in self.mentions_at(o, deep=0)]
            act = self._earlier_act(_lemma(tok)) if targets else None
            if act is None or act.code[:2] not in roots or self.context(verb, verb)[0] != "asserted":
                continue
            agents = list({x.code(): x for m in act.sources for x in m.expand()}.values())
            sources = [replace(m, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, via="act", modifier=False)
                       for m in agents[:2]]
            out.append(Candidate(tok, act.pattern, act.code, tuple(sources), tuple(targets), Modality.ASSERTED,
                                 ".breakdown", round(act.confidence * 0.9, 3), verb))
        return out

    def _singled_out(self, tok: Token) -> list[Mention]:
        """"Called on all parties, in particular X, to ...", "urged all sides, especially X": the party a
        general addressee singles out, wherever the parser hangs it (rule candidates.singled_out)."""
        heads = [tok] + [o for pr in _preps(tok) for o in _pobjs(pr)] + [c for c in tok.children if c.dep_ == "dobj"]
        for h in heads:
            for c in h.children:
                if c.dep_ not in ("dobj", "oprd", "npadvmod", "appos", "attr") or c.i == tok.i:
                    continue
                marked = any((g.dep_ == "advmod" and g.lower_ in ("especially", "notably", "particularly"))
                             or (g.dep_ == "prep" and g.lower_ == "in" and any(a.lower_ == "particular" for a in g.children))
                             for g in c.children)
                if marked:
                    found = self.mentions_at(c, deep=0)
                    if found:
                        return found
        return []

    @staticmethod
    def _listed(tok: Token) -> list[Token]:
        """tok and the items listed with it ("$5 million to A, $3 million to B and $2 million to C": each
        amount carries its own recipient; rule candidates.amount_list)."""
        out, todo = [tok], [tok]
        while todo and len(out) < 12:
            cur = todo.pop()
            for c in cur.children:
                if c.dep_ in ("conj", "appos") and c.pos_ == tok.pos_ and c not in out:
                    out.append(c)
                    todo.append(c)
        return out

    @staticmethod
    def _by_objects(noun: Token) -> list[Token]:
        """The objects of a noun event's by-phrase, also where the parser hangs it on the of-object
        ("the arrest of two diplomats by the police", rule candidates.noun_by_agent)."""
        out = [o for pr in _preps(noun) if pr.lower_ == "by" for o in _pobjs(pr)]
        if not out:
            out = [o for pr in _preps(noun) if pr.lower_ == "of" for x in _pobjs(pr)
                   for pr2 in _preps(x) if pr2.lower_ == "by" for o in _pobjs(pr2)]
        return out

    def _launched_from(self, tok: Token) -> list[Mention]:
        """"A rocket attack from Gaza", "drones launched from X": a military act's origin place stands
        for its unnamed agent (rule candidates.launched_from; the caller checks the act is military)."""
        heads = [tok] + [c for c in tok.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB"]
        for pr in (x for h in heads for x in _preps(h)):
            if pr.lower_ == "from":
                for o in _pobjs(pr):
                    m = self.actors.at(o)
                    pm = m if m is not None and m.metonym else self.place_mention(o)
                    holder = next((x for t in o.subtree if t.i < o.i and (x := self.actors.at(t)) is not None
                                   and x.kind == "actor" and x.end <= o.i), None)
                    if holder is not None:  # "fired from a Houthi-controlled area": who holds the place
                        return [replace(holder, modifier=False, via="launched_from")]
                    if pm is not None:
                        return [replace(pm, role=None, metonym=True, modifier=False, via="launched_from")]
        return []

    def _purpose_beneficiary(self, tok: Token) -> list[Mention]:
        """Aid whose recipient is named only in its purpose clause ("announced $9 million to assist
        X's recovery", "sent teams to help X"): the purpose verb's object (rule candidates.purpose)."""
        heads = [tok] + ([tok.head] if tok.pos_ == "NOUN" and tok.dep_ == "dobj" else []) \
            + [c for c in tok.children if c.dep_ == "dobj"]  # "$9 million to assist X": the clause hangs on the amount
        for h in heads:
            for c in h.children:
                if c.dep_ in ("advcl", "xcomp", "relcl", "acl") and _lemma(c) in self.words.purpose_lemmas \
                        and any(ch.dep_ == "aux" and ch.lower_ == "to" for ch in c.children):
                    objs = [o for o in c.children if o.dep_ == "dobj"] + [o for pr in _preps(c) if pr.lower_ in ("for", "in") for o in _pobjs(pr)]
                    found = [m for o in objs for m in self.mentions_at(o)]
                    if found:
                        return [replace(m, modifier=False) for m in found]
        return []

    def _judgement(self, tok: Token) -> tuple[Token, Token | None] | None:
        """An evaluative word inside a noun phrase ("unacceptable provocations", "a violation"): the
        judged noun and, in "called X a serious violation", the labelling verb (None otherwise)."""
        n = tok
        while n.dep_ == "conj" and n.head.pos_ == n.pos_ and n.head != n:
            n = n.head  # "serious and unacceptable"
        if n.pos_ == "ADJ":
            if n.dep_ != "amod" or n.head.pos_ not in ("NOUN", "PROPN"):
                return None
            n = n.head
        if n.pos_ not in ("NOUN", "PROPN"):
            return None
        if n.dep_ == "dobj" and n.head.dep_ == "oprd" and n.head.head.pos_ == "VERB":
            return n, n.head.head  # "called [the launch] [a threat]" parsed with the threat as the launch's object
        return n, (n.head if n.dep_ == "oprd" and n.head.pos_ == "VERB" else None)

    def judged(self, tok: Token, sources: list[Mention]) -> list[Mention]:
        """Who an evaluative word inside a noun phrase judges (rule candidates.judged): the object of a
        labelling verb ("called the Sylvanian blockade a violation"), the agent the noun names ("the
        irresponsible Sylvanian strikes"), or the doer of the judged act ("X carried out irresponsible
        provocations, Y said")."""
        frame = self._judgement(tok)
        if frame is None:
            return []
        noun, labeller = frame
        own = {m.code() for m in sources}
        if labeller is not None:
            found = [m for o in labeller.children if o.dep_ in ("dobj", "oprd") and o.i != noun.i
                     for m in (self.mentions_at(o, deep=0 if o.dep_ == "oprd" else 2) or self.act_parties(o, sources))]
            return [m for m in found or self._act_agents(labeller, sources) if m.code() not in own]
        found = self.act_parties(noun, sources)
        verb = noun.head
        if not found and noun.dep_ == "dobj" and verb.pos_ in ("VERB", "AUX") and _lemma(verb) not in self.words.reaction_lemmas \
                and verb.lemma_ not in self.words.say_lemmas:
            found = self.subject(verb)[0]
        return [m for m in found if m.code() not in own]

    def _previous_attacker(self, tok: Token) -> list[Mention]:
        """An agentless passive of a military act ("civilians were abducted") right after a factual military
        act with a named agent in the preceding sentence: that act's agent (rule candidates.previous_attacker)."""
        doc = self.sent.doc
        if self.sent.start == 0:
            return []
        j = self.sent.start - 1
        while j > 0 and doc[j].is_space:
            j -= 1
        previous = doc[j].sent.start
        for c in reversed(self.earlier):
            if c.trigger.i < previous:
                break
            if c.sources and c.modality.factual and c.code[:2] in self.words.military_roots:
                agents = list({x.code(): x for m in c.sources for x in m.expand()}.values())
                return [replace(m, start=tok.i, end=tok.i + 1, head=tok.i, text=tok.text, via="act", modifier=False)
                        for m in agents[:2]]
        return []

    def _crowd_of(self, tok: Token, sources: list[Mention]) -> list[Mention]:
        """"Suppressed the protests", "dispersed a rally": a protest named only by its event noun is its
        unnamed crowd, the civilians of the place, else of the source's country (rule candidates.crowd)."""
        for c in tok.children:
            if c.dep_ not in ("dobj", "nsubjpass") or not any(
                    q.code.startswith("14") for q in self.lexicon.patterns_by_lemma.get((_lemma(c), "NOUN"), ())):
                continue
            if self.mentions_at(c):
                return []  # the protest names its own participants
            country = self.locative_country() or next((m.country for m in sources if m.country), None)
            if country is not None:
                return [Mention(c.i, c.i + 1, c.i, country, "CVL", c.text, "agent", via="context", countries=(country,))]
        return []

    def _military(self, code: str) -> bool:
        """The code's root is one of material conflict (15, 18, 19, 20)."""
        return self.lexicon.code_info(code) is not None and self.lexicon.cameo[code].root in self.words.military_roots

    def _act_noun_agent(self, noun: Token) -> list[Mention]:
        """The agent an act noun names itself: "X's attack", "an Israeli strike", "an attack by X",
        "a rocket attack from Gaza", or the act told before ("the attack")."""
        roots = self.words.act_noun_roots.get(_lemma(noun))
        if not roots:
            return []
        mods = [replace(m, modifier=False) for c in noun.children
                if (c.dep_ == "poss" or (c.dep_ in ("amod", "compound", "nmod") and c.i < noun.i)) and (m := self.actors.at(c)) is not None]
        by = [m for o in self._by_objects(noun) for m in self.mentions_at(o)]
        origin = self._launched_from(noun) if roots & self.words.military_roots else []
        return mods or by or origin or self.referenced_agents(noun)

    def is_event_noun(self, tok: Token) -> bool:
        """A noun naming an act: an event noun of the vocabulary, or an act noun ("the attack")."""
        lem = _lemma(tok)
        return tok.pos_ in ("NOUN", "PROPN") and ((lem, "NOUN") in self.lexicon.patterns_by_lemma or lem in self.words.act_noun_roots)

    def act_parties(self, obj: Token, sources: list[Mention]) -> list[Mention]:
        """The parties of an act named by a noun phrase that a statement reacts to ("welcomed the
        agreement by A and B", "condemned the attacks carried out by X", "the resumption of attacks
        by X", "X's announcement"): its agent (by-phrase, possessor, actor modifier, "carried out by")
        or its parties ("between A and B") (rule candidates.act_parties)."""
        noun = obj
        own = {(m.start, m.end) for m in sources}
        for _ in range(4):
            nxt = [o for pr in _preps(noun) if pr.lower_ == "of" for o in _pobjs(pr)]
            if self.is_event_noun(noun):
                found = self._noun_parties(noun, own)
                if found or not nxt or not self.is_event_noun(nxt[0]):
                    return found
                # "the escalation of attacks perpetrated by X": the act the first noun is a phase of
            if not nxt:
                return []
            noun = nxt[0]
        return []

    def _noun_parties(self, noun: Token, own: set[tuple[int, int]]) -> list[Mention]:
        """The agent or parties an event noun names itself (see act_parties)."""
        found: list[Mention] = []
        for c in noun.children:
            if c.dep_ == "poss" or (c.dep_ in ("compound", "amod", "nmod") and c.i < noun.i):
                m = self.actors.at(c)
                if m is not None:
                    found.append(replace(m, modifier=False))
        for pr in _preps(noun):
            if pr.lower_ == "between":
                found.extend(x for o in _pobjs(pr) for x in self.mentions_at(o))
        found.extend(x for o in self._by_objects(noun) for x in self.mentions_at(o))
        for c in noun.children:  # "the attacks carried out / perpetrated by X"
            if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
                found.extend(x for a in c.children if a.dep_ == "agent" for o in _pobjs(a) for x in self.mentions_at(o))
        # several children of one conjunction ("by A and B") arrive twice: keep the first of each
        uniq: dict[tuple[int, int], Mention] = {}
        for m in found:
            if (m.start, m.end) not in own:
                uniq.setdefault((m.start, m.end), m)
        return list(uniq.values())

    def targets(self, tok: Token, p: VerbPattern, sources: list[Mention]) -> tuple[list[Mention], set[int]]:
        """Target mentions from the pattern's slot hints (defaults by part of speech)."""
        if p.pos == "VERB" and p.code[:2] in self.words.reaction_roots:
            for c in tok.children:
                if c.dep_ in ("dobj", "nsubjpass") or (c.dep_ == "prep" and c.lower_ in ("for", "to", "of")):
                    heads = [c] if c.dep_ in ("dobj", "nsubjpass") else _pobjs(c)
                    parties = [m for h in heads for m in self.act_parties(h, sources)]
                    if not parties and p.code[:2] in ("01", "02", "05"):
                        parties = self._act_agents(tok, sources, parties=True)  # "welcomed the agreement"
                    if parties:
                        return parties, set()
        hints = list(p.target)
        if not hints:
            if p.pos == "VERB":
                hints = ["dobj", "dative"] + [f"prep:{x}" for x in p.prep]
            else:
                hints = [f"prep:{x}" for x in p.prep] or ["prep:with", "prep:against", "prep:on", "prep:to", "prep:between", "prep:toward", "prep:towards"]
        out: list[Mention] = []
        territorial: set[int] = set()
        for h in hints:
            if h == "none":
                return [], territorial
            if h == "tree" and out:
                break
            if h in ("dobj", "dobj!") and _swallowed_verb(tok):
                m = self.actors.at(tok.head)
                if m is not None and m.start > tok.i:
                    out.append(m)  # the noun phrase the misparsed verb "modifies" is its object
                continue
            if h in ("dobj", "dative", "iobj", "dobj!"):
                deps = ("dobj",) if h.startswith("dobj") else ("dative", "iobj")
                for c in tok.children:
                    if c.dep_ in deps and _lemma(c) not in self.words.abstract_objects:
                        # "dobj!": the object itself must be an actor ("received the envoy", not "a letter from X")
                        found = self.mentions_at(c, deep=0 if h == "dobj!" else 2)
                        if c.dep_ == "dobj" and _intercepts(tok, self.words) and (owner := self._launched_from(c)):
                            found = owner  # "shot down a missile fired from X": X's weapon (rule candidates.intercepted)
                        if not found and self.lexicon.code_info(p.code) is not None \
                                and self.lexicon.cameo[p.code].root in self.words.military_roots:
                            # "shelled Kherson", "shelled the city": the place, or the place named before
                            pm = self.place_mention(c) or self.place_back(c)
                            if pm is not None:
                                found = [pm]
                                territorial.add(pm.head)
                        out.extend(found)
                    if h == "dobj" and c.dep_ == "nsubjpass":
                        out.extend(self.mentions_at(c))
                    if h == "dobj" and c.dep_ in ("ccomp", "xcomp", "oprd") and p.obj:
                        # "considers [the Turkish presence] to be illegal"
                        for g in c.children:
                            if g.dep_ in ("nsubj", "nsubjpass"):
                                out.extend(self.mentions_at(g))
            elif h.startswith(("prep:", "prep!:")):
                # "prep!:for": the object itself must be an actor ("support for the rebels", not
                # "support for Israel's war")
                exact = h.startswith("prep!:")
                want = h.split(":", 1)[1]
                heads = [tok] + [x for c in tok.children if c.dep_ == "dobj" and p.obj for x in self._listed(c)]
                if p.pos == "NOUN" and tok.dep_ in ("nsubj", "nsubjpass"):
                    heads.append(tok.head)  # "talks were held with Iran", "clashes erupted in X"
                if p.pos == "NOUN" and tok.dep_ == "dobj" and _lemma(tok.head) in self.words.light_verbs:
                    heads.append(tok.head)  # "carried out airstrikes in Gaza", "held talks with Iran"
                if p.pos == "NOUN":  # "attacks perpetrated by X against Y"
                    heads.extend(c for c in tok.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB")
                if p.pos == "NOUN" and want in TERRITORIAL_PREPS and self._military(p.code):
                    # "attacks by X in Y": the parser hangs the act's place on its agent (rule candidates.agent_place)
                    heads.extend(o for pr in _preps(tok) if pr.lower_ == "by" for o in _pobjs(pr))
                for pr in [x for hd in heads for x in _preps(hd)]:
                    if pr.lower_ == want or (want == "at" and pr.lower_ in ("toward", "towards")):
                        for o in _pobjs(pr):
                            ms = self.mentions_at(o, deep=0 if exact else 2)
                            if not ms and self.lexicon.code_info(p.code) is not None and (
                                    (want in TERRITORIAL_PREPS | {"on", "at"} and self.lexicon.cameo[p.code].root in self.words.military_roots)
                                    or (want == "from" and p.code.startswith("087"))):  # "withdrew from Jenin"
                                pm = self.place_mention(o) or self.place_back(o)
                                ms = [pm] if pm is not None else []
                            out.extend(ms)
                            if want in TERRITORIAL_PREPS or any(m.kind == "place" for m in ms):
                                territorial.update(m.head for m in ms)
            elif h == "tree":
                if p.pos == "VERB" and p.code.startswith(tuple(self.words.event_ref_codes)):
                    out.extend(self._act_agents(tok, sources))  # "condemned the launch": who launched it
                    if out:
                        break
                for c in tok.children:
                    if c.dep_ in ("dobj", "xcomp", "ccomp", "prep", "attr", "oprd", "acomp") and c.lower_ != "as":
                        out.extend(self._deep(c))
            elif h == "mod":
                for c in tok.children:
                    if c.dep_ in ("amod", "compound", "nmod", "poss"):
                        m = self.actors.at(c)
                        if m is not None:
                            out.append(m)
            elif h == "copula_subj" and tok.dep_ in ("attr", "acomp") and tok.head.lemma_ == "be":
                for c in tok.head.children:
                    if c.dep_ == "nsubj":
                        out.extend(self.mentions_at(c))
            elif h == "copula_subj":
                out.extend(self.judged(tok, sources))
            if out and h == "tree":
                break
        if not out and self.gazetteer is not None and self.lexicon.code_info(p.code) is not None \
                and self.lexicon.cameo[p.code].root in self.words.military_roots:
            # "attacked a village in Borno", "shelled areas of Idlib": the place's country
            # "airstrikes hit targets across X": a noun event's impact verb has the objects
            anchor = tok.head if p.pos == "NOUN" and tok.dep_ == "nsubj" and tok.head.pos_ == "VERB" else tok
            objects = [c for c in anchor.children if c.dep_ in ("dobj", "nsubjpass")]
            # "shelled a market in X": the parser may hang the place on the verb rather than the object
            # "died in Russian shelling in the region's capital": a gerund naming the act has its place as its target
            gerund = p.pos == "VERB" and tok.tag_ == "VBG" and not any(c.dep_ in SUBJ_DEPS for c in tok.children)
            where = [o for c in anchor.children if c.dep_ == "prep" and c.lower_ in TERRITORIAL_PREPS for o in _pobjs(c)] \
                if objects or gerund else []
            for c in objects + where:
                for t in c.subtree:
                    if (t.dep_ == "pobj" and t.head.lower_ in TERRITORIAL_PREPS | {"of", "near", "on"}) or t.i == c.i and c in where:
                        pm = self.place_mention(t) or (self.place_back(t) if t.i == c.i and c in where else None)
                        if pm is not None:
                            # the attacked object's place is the target even in the attacker's own country
                            out.append(replace(pm, via="object_place"))
                            territorial.add(pm.head)
                            break
                if out:
                    break
        if not out:
            out = self._singled_out(tok)  # "called on all parties, in particular X, to ...", "its support for ..., in particular X"
        if not out and p.code.startswith("0253"):
            out = self._captors(tok, sources)  # "reiterated its call for their release": whoever holds them
        if not out and p.code[:2] in ("07", "03"):
            out = self._purpose_beneficiary(tok)  # "provided $9 million to assist X"
        if not out and p.pos == "VERB" and p.code[:2] in self.words.domestic_roots:
            out = self._crowd_of(tok, sources)  # "suppressed the protests": the protesters
        if not out and p.code.startswith(tuple(self.words.event_ref_codes)) and p.pos == "VERB":
            out = self._act_agents(tok, sources)
        own_codes = {m.code() for m in sources}
        if not [m for m in out if m.code() not in own_codes] and p.code.startswith(("043", "044", "045", "046")) \
                and p.pos == "VERB":
            # "hosted the talks (in its own capital)", "mediated the negotiations": the parties of that act
            out = self._act_agents(tok, sources, parties=True) or out
        src_keys = {(m.start, m.end) for m in sources}
        out = [m for m in out if (m.start, m.end) not in src_keys]
        if "tree" in hints and sources:
            # the source's own country named in its clause is a place or itself; its own rebels, opposition or
            # civilians are parties ("the government condemned the rebels")
            src_countries = {m.country for m in sources} - {None}  # an IGO source has none: keep country-less groups
            out = [m for m in out if m.country not in src_countries
                   or (m.country is not None and not m.metonym and m.role not in (None, "GOV"))]
        if not out:
            out = [m for m in self._singled_out(tok) if (m.start, m.end) not in src_keys]  # after the source's own
        if "tree" in hints and not self._military(p.code):
            # "denied holding talks with the RSF in Bahrain": the place of a verbal act's content is not a party
            # when a party is named (rule candidates.place_not_party)
            doc = tok.doc
            parties = [m for m in out if not (m.metonym and doc[m.head].dep_ == "pobj"
                                              and doc[m.head].head.lower_ in LOCATIVE_PREPS)]
            out = parties or out
        return out, territorial

    def _act_agents(self, tok: Token, sources: list[Mention], *, parties: bool = False) -> list[Mention]:
        """The agents of an act named by a definite object ("condemned the attack"): the source of the
        latest matching candidate of the preceding sentences, placed at the object noun; with `parties`
        both sides of it ("welcomed the agreement", rule candidates.act_reference)."""
        own = {m.country for m in sources}
        objs = [c for c in tok.children if c.dep_ in ("dobj", "oprd")] + [
            t for t in tok.subtree
            if t.dep_ == "pobj" and 0 < t.i - tok.i <= 8 and not any(a.dep_ in ("relcl", "acl") for a in t.ancestors if a.i > tok.i)
        ]
        for obj in objs:
            lem = _lemma(obj)
            if lem not in self.words.act_noun_roots or not _definite(obj):
                continue
            if any(c.dep_ == "prep" for c in obj.children if c.lower_ in ("by", "on", "against")):
                continue  # the object names its own parties
            if parties and self.words.act_noun_roots[lem] & self.words.military_roots:
                continue  # "welcomed the attack" does not praise the attacker's targets
            c = self._earlier_act(lem)
            if c is None:
                continue
            side = [*c.sources, *c.targets] if parties else list(c.sources)
            own_codes = {m.code() for m in sources}
            agents = [m for m in (x for s in side for x in s.expand())
                      if m.country not in own and m.code() not in own_codes]
            agents = list({m.code(): m for m in agents}.values())
            # none left: the act referred to is the reactor's own
            return [replace(m, start=obj.i, end=obj.i + 1, head=obj.i, via="act", modifier=False) for m in agents[:2]]
        return []

    def _captors(self, tok: Token, sources: list[Mention]) -> list[Mention]:
        """An appeal for a release that names no addressee is addressed to whoever holds the people: the
        source of the latest arrest, detention or abduction told before (rule candidates.captors)."""
        own = {m.code() for m in sources}
        for c in reversed(self.earlier):
            if c.code.startswith(("173", "181")) and c.sources:
                found = [m for s in c.sources for m in s.expand() if m.identified and m.code() not in own]
                if found:
                    return [replace(m, start=tok.i, end=tok.i + 1, head=tok.i, via="act", modifier=False) for m in found[:1]]
        return []

    def _earlier_act(self, lem: str) -> Candidate | None:
        """The act an act noun points back to: the latest earlier candidate with a source whose
        trigger is one of the noun's lemmas ("the strikes" -> "struck"), else whose root it can name."""
        roots, lemmas = self.words.act_noun_roots[lem], self.words.act_noun_lemmas.get(lem, frozenset({lem}))
        known = [c for c in reversed(self.earlier) if c.sources]
        return next((c for c in known if _lemma(c.trigger) in lemmas), None) or next(
            (c for c in known if c.code[:2] in roots), None)

    def referenced_agents(self, noun: Token) -> list[Mention]:
        """"The strikes killed 31 civilians", "the shelling killed ...": a definite act noun without
        its own agent is the act told before; its agents are that act's sources, and its victims are
        in the country it hit (rule candidates.act_reference)."""
        lem = _lemma(noun)
        if lem not in self.words.act_noun_roots or not _definite(noun):
            return []
        c = self._earlier_act(lem)
        if c is None:
            return []
        self.referenced_place = next((m.country for m in c.targets if m.country), None)
        agents = list({x.code(): x for m in c.sources for x in m.expand()}.values())
        return [replace(m, start=noun.i, end=noun.i + 1, head=noun.i, via="act", modifier=False) for m in agents[:2]]

    def locative_country(self) -> str | None:
        """The country of the sentence's place ("in Tehran", "on Kyiv", "in northern Syria")."""
        for m in self.actors.mentions:
            h = self.sent.doc[m.head]
            if m.metonym and m.kind in ("country", "capital") and h.dep_ == "pobj" and h.head.lower_ in LOCATIVE_PREPS:
                return m.country
        if self.gazetteer is not None:
            for tok in self.sent:
                # "in Izium", "in the town of Izium"
                prep = tok.head if tok.dep_ == "pobj" else None
                if prep is not None and prep.lower_ == "of" and _lemma(prep.head) in self.words.place_nouns:
                    prep = prep.head.head if prep.head.dep_ == "pobj" else None
                if prep is not None and prep.lower_ in LOCATIVE_PREPS and self.actors.at(tok) is None:
                    pm = self.place_mention(tok)
                    if pm is not None:
                        return pm.country
        return None

    def _fill_group_countries(
        self, code: str, sources: list[Mention], targets: list[Mention], tok: Token | None = None
    ) -> tuple[list[Mention], list[Mention]]:
        """Groups without a country ("protesters", "civilians", "the government") take the
        sentence's place; in domestic coercion/protest codes, the other side's country."""
        if not any(m.country is None and not m.person and m.kind == "agent" and not m.fixed_code for m in sources + targets):
            return sources, targets
        place = self.locative_country() or self.referenced_place

        military = self._military(code)
        if military and tok is not None and place is not None and not self._place_of_act(tok):
            military = False  # "militants based in northern Syria": where they live, not where they were hit

        def fill(ms: list[Mention], other: list[Mention], hit: bool = False) -> list[Mention]:
            out = []
            for m in ms:
                if m.country is None and not m.person and m.kind == "agent" and not m.fixed_code \
                        and not self._generic_plural(m):
                    # armed groups are often foreign or ethnic: the place does not say whose they are,
                    # except for the militants a military act hits there ("struck militants in Gaza",
                    # rule candidates.armed_target_place)
                    # and for those who attack foreigners there ("militants attacked a French convoy in Mali")
                    foreign = military and not hit and place is not None and bool(other) and all(
                        o.country is not None and o.country != place for o in other)
                    c = place if m.role not in ARMED_GROUP_ROLES or hit or foreign else None
                    if c is None and code[:2] in self.words.domestic_roots:
                        c = next((o.country for o in other if o.country), None)
                    if c is None and m.role not in ARMED_GROUP_ROLES:
                        c = self.main_country
                    if c is not None:
                        m = replace(m, country=c, countries=(c,), via="context")
                out.append(m)
            return out

        return fill(sources, targets), fill(targets, sources, hit=military)

    def _place_of_act(self, tok: Token) -> bool:
        """A place phrase of the act itself ("struck militants in Gaza", "attacks on Gaza"), not one inside a
        modifier clause of a participant ("militants based in Syria")."""
        for t in self.sent:
            if t.dep_ != "pobj" or t.head.lower_ not in LOCATIVE_PREPS:
                continue
            if self.place_mention(t) is None and not ((m := self.actors.at(t)) is not None and m.metonym):
                continue
            hops = list(t.ancestors)
            if tok.dep_ == "relcl" and tok.head.i == t.i:
                return True  # "in Marsh Vale, where X attacked militants"
            if tok in hops:
                between = hops[: hops.index(tok)]
                if not any(a.dep_ in ("acl", "relcl") for a in between):
                    return True
            elif tok.head in hops and tok.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass", "relcl"):
                between = hops[: hops.index(tok.head)]
                if not any(a.dep_ in ("acl", "relcl") for a in between):
                    # "launched airstrikes in Gaza": the place hangs on the light verb; "strikes on Gaza, in
                    # which X targeted militants": on the act the relative clause tells
                    return True
        return False

    def _generic_plural(self, m: Mention) -> bool:
        """"governments and NGOs", "donors": a bare plural of states or organisations names no one in
        particular, so it takes no country from the context (rule candidates.generic_plural)."""
        head = self.sent.doc[m.head]
        return (head.tag_ in ("NNS", "NNPS") and m.role in ("GOV", "NGO", "IGO", "BUS")
                and not any(c.dep_ in ("det", "poss", "amod", "compound", "nummod") for c in head.children))

    def _agent_of_attack_noun(self, verb: Token) -> list[Mention]:
        """"were killed in an attack by X" / "in an Israeli airstrike": the attack's agent."""
        for pr in _preps(verb):
            if pr.lower_ not in ("in", "during", "by"):
                continue
            for o in _pobjs(pr):
                roots = self.words.act_noun_roots.get(_lemma(o))
                if not roots or not roots & self.words.military_roots:
                    continue
                for c in o.children:
                    if c.dep_ == "prep" and c.lower_ == "by":
                        ms = [m for x in _pobjs(c) for m in self.mentions_at(x)]
                        if ms:
                            return ms
                mods = [m for c in o.children if c.dep_ in ("amod", "compound", "poss", "nmod") and c.i < o.i
                        and (m := self.actors.at(c)) is not None]
                if mods:
                    return [replace(m, modifier=False) for m in mods]
        return []

    def _one_sided_protest(self, tok: Token, p: VerbPattern, sources: list[Mention]) -> tuple[list[Mention], list[Mention]]:
        """Protest without a named target: civilians protest their own government (the place's
        country); an unnamed crowd ("thousands marched in X") is the place's civilians."""
        if not sources and p.pos == "VERB":
            place = self.locative_country()
            subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if place is not None and subj is not None and subj.pos_ in ("NOUN", "NUM", "PRON") and \
                    self.actors.at(subj) is None and subj.lower_ not in ("it", "he", "she", "i", "we", "you"):
                sources = [Mention(subj.i, subj.i + 1, subj.i, place, "CVL", subj.text, "agent", via="place",
                                   countries=(place,))]
        elif not sources and p.pos == "NOUN" and p.code.startswith("14") and tok.dep_ in ("nsubj", "nsubjpass"):
            # "rallies broke out in X", "protests spread to X": an unnamed crowd of the place
            place = self.locative_country()
            if place is not None:
                sources = [Mention(tok.i, tok.i + 1, tok.i, place, "CVL", tok.text, "agent", via="place",
                                   countries=(place,))]
        civic = [m for m in sources if m.role in self.words.protest_roles and m.country and not m.fixed_code]
        if not civic or len(civic) != len(sources):
            return sources, []
        gov = [Mention(tok.i, tok.i + 1, tok.i, c, "GOV", tok.text, "agent", via="protest", countries=(c,))
               for c in dict.fromkeys(m.country for m in civic)]
        return sources, gov[:1]

    def _agreed_by_parties(self, tok: Token, sources: list[Mention], targets: list[Mention]) -> list[Mention]:
        """The parties when the act is governed by "agree" with two or more parties as subjects."""
        for anc in list(tok.ancestors)[:3]:
            if anc.lemma_ == "agree":
                parties = [x for m in sources for x in m.expand()]
                codes = list(dict.fromkeys(m.code() for m in parties))
                if len(codes) >= 2:
                    return [next(m for m in parties if m.code() == c) for c in codes]
                return []
        return []


    def _deep(self, tok: Token) -> list[Mention]:
        """All mentions in a complement subtree (document order), excluding outlets."""
        seen: list[Mention] = []
        skip: set[int] = set()
        unnamed = self.words.unnamed_party_nouns  # "perpetrators behind the killing of X": X is no party
        for t in tok.subtree:
            if t.i in skip or (t.dep_ in ("relcl", "advcl", "parataxis", "acl") and t.i != tok.i and not _owner_clause(t, self.words)) \
                    or (t.lemma_.lower() in unnamed and self.actors.at(t) is None):
                skip.update(x.i for x in t.subtree)
                continue
            m = self.actors.at(t)
            if m is not None and t.i == m.head and m not in seen and t.i not in self.actors.outlet_tokens:
                seen.append(m)
        full = [m for m in seen if not m.modifier]
        return full or seen

    # -- context: negation, modality, denial ------------------------------------------------

    # -- matching ----------------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:  # type: ignore[no-redef]
        """Matched candidates; a support/appeal verb whose object is itself a coded event noun
        ("supporting a rapprochement between A and B") yields to the noun."""
        found = list(self._iter_candidates())
        found += self._breakdowns(found)
        cands = [self._threat_code(c, found) for c in found]
        cands += [d for c in cands if (d := self._accusation(c)) is not None]
        coded_nouns = {c.trigger.i for c in cands if c.pattern.pos == "NOUN" and c.targets and c.modality.factual}
        triggers = {c.trigger.i for c in cands}
        out = []
        for c in cands:
            t = c.trigger
            if c.pattern.id.startswith("057.agree") and c.pattern.pos == "VERB" and any(
                    x is not c and x.trigger.i in {d.i for d in t.subtree} and x.trigger.i != t.i for x in cands):
                continue  # "agreed to share intelligence": the agreed act is coded (as intended), not a bare 057
            if _lemma(t) in self.words.purpose_lemmas and t.dep_ in ("advcl", "xcomp") and t.head.i in triggers \
                    and any(ch.dep_ == "aux" and ch.lower_ == "to" for ch in t.children):
                continue  # "provided $5 million to support X": the purpose of the aid, not a second event
            if c.pattern.pos == "VERB" and c.code[:2] in ("02", "05", "07") and _lemma(c.trigger) not in self.words.reaction_lemmas and any(
                ch.dep_ == "dobj" and ch.i in coded_nouns for ch in c.trigger.children
            ):
                continue
            if c.pattern.pos == "NOUN" and c.code.startswith("14") and t.dep_ == "dobj" and any(
                    x.trigger.i == t.head.i and x.code[:2] in self.words.domestic_roots for x in cands if x is not c):
                continue  # "suppressed the protests": the protest is the repression's object, not the suppressor's act
            out.append(c)
        return out

    def _threat_code(self, c: Candidate, cands: list[Candidate]) -> Candidate:
        """"Threatened to bomb X": the threat's code follows the threatened act's root (138 for force,
        seeds/coder_maps.csv threat_by_root; rule candidates.threat)."""
        if c.code != "130" or _lemma(c.trigger) not in self.words.threat_lemmas:
            return c
        below = {t.i for t in c.trigger.subtree}
        act = next((d for d in cands if d.modality == Modality.THREATENED and d.trigger.i in below and d is not c), None)
        code = self.words.threat_by_root.get(act.code[:2]) if act is not None else None
        if code is None or self.lexicon.code_info(code) is None:
            return c
        targets = c.targets or act.targets
        return replace(c, code=code, targets=targets, rule_suffix=f"{c.rule_suffix}.threat")

    def _accusation(self, c: Candidate) -> Candidate | None:
        """A claim that another party acted is an accusation by the claimer (112, rule candidates.claim)."""
        if c.modality != Modality.CLAIMED or not c.speakers or not c.sources or c.claim_verb is None:
            return None
        pattern = VerbPattern(id="112.claim", lemma=c.claim_verb.lemma_, code="112", note="derived from a claimed act")
        return Candidate(c.claim_verb, pattern, "112", c.speakers, c.sources, Modality.ASSERTED, f".of.{c.code}",
                         round(c.confidence, 3), c.claim_verb)

    def _candidate(self, tok: Token, p: VerbPattern) -> Candidate | None:
        clause: Token | None = None
        passive = False
        hints = p.source or (("subj",) if p.pos in ("VERB", "ADJ") else ("noun",))
        sources: list[Mention] = []
        for h in hints:
            if h == "subj" and p.pos == "VERB" and tok.tag_ == "VBG" and tok.dep_ in NOMINAL_DEPS:
                # a gerund used as a noun ("died in Russian shelling"): its modifiers are its agent
                sources, clause = self.noun_source(tok, p)
            elif h == "subj":
                if p.pos in ("VERB", "ADJ"):
                    sources, clause, passive = self.subject(tok)
                else:
                    sources, clause = self.noun_source(tok, p)
            elif h == "noun":
                sources, clause = self.noun_source(tok, p)
            elif h == "between":
                sources = []
            elif h == "speaker":
                # "X said (that) Y is an obstacle": the reporting verb's subject
                # ("... said in a statement that Y is ...": up through the statement noun)
                for say in list(tok.ancestors)[:5]:
                    if say.lemma_ in self.words.say_lemmas and say.pos_ == "VERB":
                        sources, clause, _ = self.subject(say)
                        break
            elif h == "gov":
                g = _governor(tok)
                if g is not None and _intercepts(g, self.words) and tok.dep_ == "dobj":
                    sources = self._launched_from(tok)  # "shot down a missile fired from X": X's, not the shooter's
                elif g is not None:
                    sources, clause, passive = self.subject(g) if g.pos_ in ("VERB", "AUX") else (self.noun_source(g, p)[0], None, False)
            if sources:
                break
        if not sources and "copula_subj" in p.target:
            frame = self._judgement(tok)
            if frame is not None and frame[1] is not None:
                sources, clause, _ = self.subject(frame[1])  # "X called the attack a violation": X judges
        if not sources and p.pos == "VERB" and tok.tag_ == "VBG" and tok.i > self.sent.start:
            # "in Russian shelling" misparsed as a clause: the national adjective just before the gerund
            prev = self.actors.at(tok.doc[tok.i - 1])
            if prev is not None and prev.end == tok.i and prev.kind in ("demonym", "country", "actor"):
                sources = [replace(prev, modifier=False)]
        if not sources and p.pos == "VERB" and p.code[:2] in self.words.military_roots:
            sources = self._agent_of_attack_noun(clause or tok)
            passive = passive or any(c.dep_ == "nsubjpass" for c in (clause or tok).children)
            if not sources and passive:
                sources = self._previous_attacker(tok)  # "X attacked the town. Civilians were abducted."
        targets, territorial = self.targets(tok, p, sources)
        if p.pos == "VERB" and passive and not any(h.startswith("prep:") for h in p.target):
            # passive: the grammatical subject is the target
            pas = [c for c in (clause or tok).children if c.dep_ == "nsubjpass"]
            if pas:
                targets = self.mentions_at(pas[0])
        # "between A and B": the parties
        parties: list[Mention] = []
        for o in _party_heads(tok) + (_party_heads(tok.head) if p.pos == "NOUN" and tok.dep_ in ("nsubj", "nsubjpass") else []):
            parties.extend(self.mentions_at(o))
        if parties:
            # one party per country, in mention order ("between Russian, Syrian and Turkish
            # ministers, Lavrov, Mekdad and Cavusoglu" -> RUS, SYR, TUR)
            uniq: dict[str | None, Mention] = {}
            for m in (x for pm in parties for x in pm.expand()):
                key = m.code()
                if m.country is not None and key not in uniq:
                    uniq[key] = m
            parties = list(uniq.values())
        if parties and not p.code.startswith("045") and (p.symmetric or not sources):
            # "talks between A and B": the parties, whoever reports or welcomes the talks
            if p.pos == "NOUN" or not sources or all(s.country in {x.country for x in parties} for s in sources):
                sources, targets = parties[:1], parties[1:]
        elif parties and p.code.startswith("045"):
            targets = parties
        sources, targets = self._fill_group_countries(p.code, sources, targets, tok)
        countries = self.lexicon.country_by_code
        sources, targets = _domestic_state(sources, targets, countries), _domestic_state(targets, sources, countries)
        if p.code.startswith("14") and not targets:
            sources, targets = self._one_sided_protest(tok, p, sources)
        if p.code.startswith("045") and not targets:
            return None  # mediation needs the parties
        ctx, denier = self.context(tok, clause)
        code = p.code
        suffix = ""
        conf = p.confidence
        if ctx in ("negated", "hypothetical", "conditional", "threatened"):
            # kept with its modality: the events stage drops it and says why (explain, evaluate --errors)
            return Candidate(tok, p, code, tuple(sources), tuple(targets), Modality(ctx), suffix, conf, clause)
        if ctx == "claimed" and denier is not None:
            claimers = self.subject(denier)[0]
            own = {m.code() for m in claimers}
            if any(m.code() in own for m in sources):
                ctx = "asserted"  # "X claimed that it had struck Y": X's own act, asserted by X
            else:
                return Candidate(tok, p, code, tuple(sources), tuple(targets), Modality.CLAIMED, ".claimed",
                                 round(conf * 0.7, 3), clause, speakers=tuple(claimers), claim_verb=denier)
        if ctx == "denied":
            # "X denied (that) Y met Z": X denies; the target is whoever else the denied act names
            deniers: list[Mention] = []
            if denier is not None and denier.pos_ in ("VERB", "AUX"):
                deniers, clause, _ = self.subject(denier)
                if not deniers and any(c.dep_ in SUBJ_DEPS for c in denier.children):
                    return None  # an unresolved denier ("the minister denied ..."): nothing to code
            deniers = deniers or sources
            # the other parties of the denied act: not the deniers themselves (by code: "the army denied talks
            # with the RSF" keeps the RSF) and not the place it would have happened in ("in Bahrain")
            own_codes = {m.code() for x in deniers for m in x.expand()}
            own = {m.country for m in deniers}
            doc = tok.doc
            others = [m for m in [*sources, *targets] if m.code() not in own_codes
                      and (m.country not in own or (m.role not in (None, "GOV") and not m.metonym))
                      and not (m.metonym and doc[m.head].dep_ == "pobj" and doc[m.head].head.lower_ in LOCATIVE_PREPS)]
            return Candidate(tok, p, "016", tuple(deniers), tuple(others), Modality.DENIED, ".denied", conf * 0.9, clause)
        if ctx == "intended":
            root = "045" if code.startswith("045") else code[:2]
            icode = self.words.intent_by_root.get(root)
            agreed = self._agreed_by_parties(tok, sources, targets)
            if agreed and not code.startswith("04"):
                # "A and B agreed to release detainees": an agreement between them
                code, suffix, conf = "057", ".agreed", conf * 0.85
                sources, targets = agreed[:1], agreed[1:]
            elif code.startswith("03"):
                pass
            elif icode is not None:
                code, suffix, conf = icode, ".intent", conf * 0.85
                if agreed:
                    sources, targets = agreed[:1], agreed[1:]
            elif root in self.words.announced_roots and self._future_only(tok):
                suffix, conf = ".future", conf * 0.8  # "Georgia will suspend talks with the EU"
            else:
                return None
        if any(m.via == "coref" for m in sources + targets):
            conf *= 0.85
        place = self.locative_country() if code in ("040", "043") else None
        return Candidate(tok, p, code, tuple(sources), tuple(targets),
                         Modality.INTENDED if ctx == "intended" else Modality.ASSERTED,
                         suffix, round(min(conf, 1.0), 3), clause, place_country=place,
                         territorial_targets=frozenset(territorial))
