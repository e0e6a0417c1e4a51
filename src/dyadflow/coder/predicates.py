"""Predicates stage: vocabulary entries (verbal, nominal, light-verb and adjectival patterns) matched
over the dependency parse, and the modality of each predicate (asserted, negated, denied, intended,
hypothetical, conditional, threatened, claimed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Span, Token

from dyadflow.coder.records import Candidate, SentenceActors
from dyadflow.coder.traps import trap_for
from dyadflow.lexicon.model import CoderWords, Lexicon, VerbPattern, fold

SUBJ_DEPS = ("nsubj", "csubj")
NOMINAL_DEPS = frozenset({"pobj", "dobj", "nsubj", "nsubjpass"})
NOT_PLACE_ENTS = frozenset({"DATE", "TIME", "NORP", "EVENT", "WORK_OF_ART", "CARDINAL", "ORDINAL", "MONEY", "QUANTITY"})
MODAL_HYPOTHETICAL = frozenset({"could", "may", "might", "would", "should", "must", "can"})
MODAL_FUTURE = frozenset({"will", "shall", "'ll"})
COND_MARKS = frozenset({"if", "unless", "whether"})
LOCATIVE_PREPS = frozenset({"in", "inside", "near", "across", "on", "at", "into", "throughout"})
ARMED_GROUP_ROLES = frozenset({"REB", "INS", "SEP"})
TERRITORIAL_PREPS = frozenset({"in", "into", "inside", "across", "over"})
DEFINITE = frozenset({"the", "this", "that", "these", "those", "its", "their"})


def _pos_class(tok: Token) -> str | None:
    pos = tok.pos_
    if pos in ("VERB", "AUX"):
        return "VERB"
    if pos in ("NOUN", "PROPN"):
        return "NOUN"
    if pos == "ADJ":
        # a word tagged adjective in an argument slot is a noun ("launched a counter-offensive")
        return "NOUN" if tok.dep_ in ("dobj", "nsubj", "nsubjpass", "pobj") and tok.tag_ == "JJ" else "ADJ"
    return None


def _lemma(tok: Token) -> str:
    lem = tok.lemma_.lower()
    if tok.tag_ in ("NNS", "NNPS") and tok.pos_ in ("NOUN", "PROPN") and lem == tok.lower_ and lem.endswith("s"):
        lem = lem[:-1]
    return fold(lem)


def _forms(tok: Token) -> frozenset[str]:
    """The lemma and the verb's own base forms: the tagger's lemma can be wrong ("hopes", "hoped" -> "hop")."""
    low = tok.lower_
    base = low[:-1] if tok.tag_ == "VBZ" and low.endswith("es") else low
    return frozenset({low, base}) | _verb_forms(tok)  # and a past form's bases ("hoped" -> "hop": "hope")


def _preps(tok: Token) -> list[Token]:
    out = []
    for c in tok.children:
        if c.dep_ in ("prep", "agent", "dative") or (c.dep_ == "prt" and c.pos_ == "ADP"):
            out.append(c)
            # "to the families and to the Government": a coordinated second preposition
            out.extend(g for g in c.children if g.dep_ == "conj" and g.pos_ == "ADP")
            # "along with", "together with", "away from", "out of"
            out.extend(g for g in c.children if g.dep_ == "prep")
        elif c.dep_ in ("advcl", "ccomp") and c.i > tok.i:
            # "called for the military to exercise restraint" parsed as a clause marked by "for"
            out.extend(g for g in c.children if g.dep_ == "mark" and g.lower_ == "for")
    return out


def _pobjs(prep: Token) -> list[Token]:
    if prep.dep_ == "mark":  # "for X to do Y": X
        return [c for c in prep.head.children if c.dep_ == "nsubj"]
    return [c for c in prep.children if c.dep_ in ("pobj", "pcomp")]


def _intercepts(verb: Token, words: CoderWords) -> bool:
    """"shot down", "intercepted", "downed": air defence, whose object is someone else's weapon (word list
    intercept_lemmas)."""
    lem = _lemma(verb)
    return lem in words.intercept_lemmas or (
        lem == "shoot" and any(c.dep_ == "prt" and c.lower_ == "down" for c in verb.children))


PARTY_PREPS = frozenset({"between", "among", "amongst"})


def _party_heads(tok: Token) -> list[Token]:
    """The heads naming an act's parties: "talks between A and B", "among A, B and C", "the agreement
    involving A, B and C" (rule candidates.parties)."""
    heads = [o for pr in _preps(tok) if pr.lower_ in PARTY_PREPS for o in _pobjs(pr)]
    heads.extend(o for c in tok.children if c.dep_ == "acl" and c.lemma_.lower() == "involve"
                 for o in c.children if o.dep_ in ("dobj", "pobj"))
    return heads


def _with_conj(tok: Token) -> list[Token]:
    return [tok, *tok.conjuncts]


def _object_words(tok: Token, pos: str) -> frozenset[str]:
    """Lemmas and forms of the words a pattern's `obj` may name: a noun's modifiers, a verb's
    objects and complements (with their compounds)."""
    if pos == "NOUN":
        objs = [c for c in tok.children if c.dep_ in ("compound", "amod")]
    else:
        objs = [c for c in tok.children if c.dep_ in ("dobj", "attr", "nsubjpass", "oprd", "acomp")]
        for c in tok.children:
            if c.dep_ in ("xcomp", "oprd", "ccomp") or (c.dep_ == "prep" and c.lower_ == "as"):
                objs.extend(t for t in c.subtree if abs(t.i - c.i) <= 6)
        objs.extend(g for o in list(objs) for g in o.children if g.dep_ in ("compound",))
    return frozenset(w for o in objs for w in (_lemma(o), o.lower_))


_PREP_KEY = "prep:"  # the key of the token's preposition forms in `_pattern_ok`'s per-token dict


def _pattern_ok(tok: Token, p: VerbPattern, objects: dict[str, frozenset[str]] | None = None) -> bool:
    """The pattern's particle, preposition, object and governor constraints hold at tok
    (`objects`: the token's object words by part of speech and its prepositions, computed once
    for all its patterns)."""
    if p.particle and not any(c.dep_ == "prt" and c.lower_ == p.particle for c in tok.children):
        # particle may be parsed as prep ("cut off relations")
        if not any(c.lower_ == p.particle and c.i == tok.i + 1 for c in tok.children):
            return False
    if objects is None:
        objects = {}
    if p.prep:
        preps = objects.get(_PREP_KEY)
        if preps is None:
            preps = objects[_PREP_KEY] = frozenset(pr.lower_ for pr in _preps(tok)) | (
                {"between"} if tok.pos_ == "NOUN" and _party_heads(tok) else set())
        if not any(w in p.prep for w in preps):
            return False
    if p.obj:
        if p.pos not in objects:
            objects[p.pos] = _object_words(tok, p.pos)
        if objects[p.pos].isdisjoint(p.obj):
            return False
    if p.gov:
        g = _governor(tok)
        if g is None or _verb_forms(g).isdisjoint(p.gov):
            return False
    return True


def _verb_forms(tok: Token) -> frozenset[str]:
    """The lemma of a governing word and, for a past form, its bases less -d, -ed or a doubled consonant
    + -ed: the tagger's lemma can be wrong ("staged a protest" -> "stag")."""
    lem = _lemma(tok)
    low = tok.lower_
    if tok.tag_ not in ("VBD", "VBN") or not low.endswith("ed") or len(low) < 5:
        return frozenset({lem})
    return frozenset({lem, fold(low[:-1]), fold(low[:-2])} | ({fold(low[:-3])} if low[-3] == low[-4] else set()))


def _swallowed_verb(tok: Token) -> bool:
    """A finite verb the parser attached as a noun modifier, with a proper-noun phrase on both sides."""
    return (tok.pos_ == "VERB" and tok.tag_ in ("VBD", "VBZ", "VBN") and tok.dep_ in ("amod", "compound")
            and tok.head.i > tok.i and tok.i > tok.sent.start and tok.doc[tok.i - 1].pos_ == "PROPN"
            and tok.head.pos_ == "PROPN")


def _governor(tok: Token) -> Token | None:
    """The content word governing a noun trigger (through prepositions); a compound modifier's is its
    head noun's ("sent a condolence message": sent)."""
    cur = tok
    if cur.dep_ == "compound" and cur.head.pos_ == "NOUN" and cur.head.i > cur.i:
        cur = cur.head
    for _ in range(3):
        if cur.dep_ in ("dobj", "nsubjpass", "attr", "xcomp", "ccomp", "oprd", "conj", "appos"):
            return cur.head if cur.dep_ != "conj" else _governor(cur.head)
        if cur.dep_ in ("pobj", "pcomp"):
            cur = cur.head  # the preposition
            if cur.head == cur:
                return None
            cur = cur.head
            if cur.pos_ in ("VERB", "NOUN", "ADJ"):
                return cur
            continue
        return None
    return None


class PredicateMixin:
    """Pattern matching and modality over one sentence (mixed into the candidate builder, which owns
    `sent`, `actors`, `lexicon` and `_question`)."""

    sent: Span
    actors: SentenceActors
    lexicon: Lexicon
    words: CoderWords
    _question: bool | None

    if TYPE_CHECKING:  # pragma: no cover
        def _candidate(self, tok: Token, p: VerbPattern) -> Candidate | None: ...

    def _misparsed_lemma(self, tok: Token, pc: str) -> tuple[VerbPattern, ...]:
        """The patterns of a past form whose lemma the tagger got wrong ("staged" -> "stag", "fined" ->
        "fin", "cordoned", "teargassed"): the form less -d, -ed or a doubled consonant + -ed."""
        low = tok.lower_
        if pc != "VERB" or tok.tag_ not in ("VBD", "VBN") or not low.endswith("ed") or len(low) < 5:
            return ()
        for base in sorted(_verb_forms(tok) - {_lemma(tok)}, key=len, reverse=True):
            if pats := self.lexicon.patterns_by_lemma.get((base, pc)):
                return pats
        return ()

    def _iter_candidates(self) -> Iterator[Candidate]:
        for tok in self.sent:
            pc = _pos_class(tok)
            if pc is None or tok.i in self.actors.outlet_tokens:
                continue
            m = self.actors.at(tok)
            if m is not None and m.kind in ("actor", "name") and m.start <= tok.i < m.end:
                continue  # a word inside a name ("Rapid Support Forces")
            pats = self.lexicon.patterns_by_lemma.get((_lemma(tok), pc)) or self._misparsed_lemma(tok, pc)
            if not pats:
                continue
            objects: dict[str, frozenset[str]] = {}
            p = next((p for p in pats if _pattern_ok(tok, p, objects)), None)
            if p is None:
                continue
            if self.lexicon.traps and trap_for(tok, self.lexicon.traps) is not None:
                continue  # a word-sense trap ("strike a balance", "meet the needs"): not an event
            cand = self._candidate(tok, p)
            if cand is not None:
                yield cand

    def context(self, tok: Token, clause: Token | None) -> tuple[str, Token | None]:
        """('asserted'|'negated'|'hypothetical'|'intended'|'denied', the denying word if denied)."""
        chain: list[Token] = []
        cur = tok
        for _ in range(6):
            chain.append(cur)
            if clause is not None and cur == clause:
                break
            if cur.dep_ in ("ROOT",) or cur.head == cur:
                break
            if cur.dep_ in ("ccomp", "parataxis", "relcl") and cur != tok:
                break
            if cur.dep_ == "ccomp" and cur.head.lemma_ in self.words.say_lemmas:
                break
            if cur.dep_ in ("conj",) and cur.pos_ in ("VERB", "AUX") and cur != tok:
                break
            nxt = cur.head
            if cur.dep_ == "ccomp" and cur == tok and cur.head.lemma_ not in self.words.deny_lemmas and cur.head.lemma_ not in self.words.intent_lemmas:
                chain.append(nxt)
                break
            cur = nxt
        # a denial anywhere above ("denied reports that X attacked Y", "denied that X met Y")
        anc = tok
        for _ in range(5):
            purpose = anc.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in anc.children)
            if (anc.dep_ not in ("ccomp", "xcomp", "acl", "dobj", "pobj", "prep", "pcomp", "conj", "nsubjpass", "attr")
                    and not purpose) or anc.head == anc:
                break
            if anc.dep_ == "conj" and anc.pos_ in ("VERB", "AUX") and anc.head.pos_ in ("VERB", "AUX") \
                    and anc.head.dep_ in ("ROOT", "ccomp", "conj") and not any(c.dep_ in ("nsubj", "nsubjpass") for c in anc.children) \
                    and not _forms(anc.head).isdisjoint(self.words.allege_lemmas | self.words.appeal_lemmas):
                break  # "accused X of spying and demanded an apology": a second act beside the allegation, not under it
            anc = anc.head
            anc_lemma = _lemma(anc)
            if anc_lemma in self.words.deny_lemmas and anc.pos_ in ("VERB", "NOUN"):
                return "denied", anc
            if anc_lemma in self.words.threat_lemmas and anc.pos_ == "VERB" and anc != tok:
                # "threatened to strike X if ...": the threat is the event (13x), never the act
                return "threatened", anc
            if anc_lemma in self.words.claim_lemmas and anc.pos_ == "VERB" and tok.pos_ == "VERB" and any(
                    a.dep_ == "ccomp" and a.head == anc for a in [tok, *tok.ancestors]):
                # "X claimed that Y shelled Z": X accuses Y (112); Y -> Z only as a claimed event
                return "claimed", anc
            if (anc_lemma in self.words.allege_lemmas or anc_lemma in self.words.appeal_lemmas) and anc.pos_ in ("VERB", "NOUN") and (
                    tok.pos_ == "VERB" or any(a.dep_ in ("xcomp", "pcomp") for a in tok.ancestors if a.i != anc.i and anc in a.ancestors)):
                # "accused X of attacking Y", "urged X to release Y": the act is alleged or wanted
                return "hypothetical", None
            if anc.lemma_ in self.words.say_lemmas and anc.pos_ == "VERB":
                break
        if self._question is None:
            self._question = self.sent.text.rstrip().endswith("?")
        if self._question:
            return "hypothetical", None  # questions assert nothing
        # the head just above the chain (deny/intend verbs governing an xcomp/ccomp/dobj)
        top = chain[-1]
        governors = [top.head] if top.head != top else []
        for t in chain + governors:
            kids = list(t.children)
            if any(c.dep_ == "neg" for c in kids):
                if t in governors and t.lemma_ not in self.words.intent_lemmas and t.lemma_ not in self.words.deny_lemmas:
                    continue
                return "negated", None
            if t.pos_ in ("NOUN", "PROPN") and any(c.lower_ in ("no", "neither") and c.dep_ == "det" for c in kids):
                return "negated", None
            t_lemma = _lemma(t)
            if t_lemma in self.words.deny_lemmas and t != tok:
                return "denied", t
            if t != tok and t_lemma in self.words.negating_lemmas:
                return "negated", None  # "refused to negotiate", "failed to reach"
            planned = t.lemma_ in self.words.plan_lemmas and (t.lemma_ != "hammer" or any(c.dep_ == "prt" and c.lower_ == "out" for c in kids))
            if t != tok and (not _forms(t).isdisjoint(self.words.intent_lemmas) or planned
                             or (t.lemma_ == "expect" and any(c.dep_ == "auxpass" for c in kids))):
                return "intended", None
            if any(c.dep_ == "mark" and c.lower_ in COND_MARKS for c in kids):
                return "conditional", None
            if t != tok and t.lemma_ in self.words.ongoing_lemmas:
                return "asserted", None  # "will continue to discourage": an ongoing act
            auxes = [c.lower_ for c in kids if c.dep_ in ("aux", "auxpass")]
            if "would" in auxes and t.dep_ == "ccomp" and t.head.lemma_ in self.words.say_lemmas:
                auxes = ["will" if a == "would" else a for a in auxes]  # reported future
            if any(a in MODAL_HYPOTHETICAL for a in auxes):
                return "hypothetical", None
            if any(a in MODAL_FUTURE for a in auxes) or (
                "going" in auxes and any(c.lower_ == "to" for c in kids)
            ):
                return "intended", None
        return "asserted", None

    def _future_only(self, tok: Token) -> bool:
        """True when the act is merely in the future tense (will/would/shall), not wanted or planned."""
        cur = tok
        for _ in range(4):
            auxes = {c.lower_ for c in cur.children if c.dep_ in ("aux", "auxpass")}
            if auxes & (MODAL_FUTURE | {"would"}):
                return True
            if cur.dep_ not in ("xcomp", "conj") or cur.head == cur:
                return False
            cur = cur.head
            if _lemma(cur) in self.words.intent_lemmas:
                return False
        return False
