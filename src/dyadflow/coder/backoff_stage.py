"""Back-off stage: a CAMEO code for a clause whose verb no vocabulary entry matched (issue 12, item 2).

Runs after the candidates stage, once per article. A slot is a predicate that

- is a finite verb (or one with a tense or modal auxiliary), or the object noun of a light verb
  ("staged a sit-in outside X's embassy");
- no vocabulary pattern matches (its lemma has no entry, or none whose constraints hold), no
  word-sense trap excludes, that is no reporting, intention, denial or claim verb (those govern the
  act, they are not one), and that has no coded candidate below it ("decided to attack X": the
  attack is coded);
- has an identified source (subject, by-agent) and an identified target (object, dative or
  prepositional object), found by the candidates stage's own argument-frame methods.

The slots' clause texts ("SOURCE verb ... TARGET", the verb's core dependants) are classified in one
batch per article by the learned back-off (dyadflow.backoff: sentence encoder + linear classifier,
calibrated abstention). A clause the classifier codes becomes an ordinary candidate of the predicted
code through `SentenceCoder._candidate` — so modality (negation, intention, denial, claims,
questions) applies as for any predicate — with pattern id "backoff.<code>" (every event's rule_id
says it is the back-off) and the nearest example's cosine similarity as confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from spacy.tokens import Token

from dyadflow.coder.candidates import SentenceCoder
from dyadflow.coder.predicates import _lemma, _pattern_ok
from dyadflow.coder.records import Candidate, Mention
from dyadflow.coder.traps import trap_for
from dyadflow.lexicon.model import VerbPattern

RULE_PREFIX = "backoff"
# where the target of an unmatched verb may stand (a place after in/near is not a party)
TARGET_HINTS = ("dobj", "dative", "prep:with", "prep:against", "prep:on", "prep:to", "prep:toward",
                "prep:towards", "prep:for", "prep:at", "prep:into", "prep:from", "prep:over")
CORE_DEPS = frozenset({"dobj", "dative", "iobj", "prep", "agent", "prt", "neg", "aux", "auxpass", "nsubjpass",
                       "acomp", "oprd", "attr", "xcomp", "compound"})
MAX_CLAUSE_TOKENS = 40
FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP"})


class Classifier(Protocol):
    """What the stage needs of dyadflow.backoff.Backoff: a prediction (or None: abstain) per text."""

    def classify(self, texts: list[str]) -> Sequence[Prediction | None]: ...


class Prediction(Protocol):
    """A classifier's answer for one clause (dyadflow.backoff.Prediction)."""

    @property
    def cameo_code(self) -> str: ...

    @property
    def similarity(self) -> float: ...  # cosine similarity to the nearest example: the event's confidence


@dataclass(frozen=True, slots=True)
class Slot:
    """One unmatched verb with an identified source and target, and the clause text to classify."""

    sentence: int  # index into the article's sentence list
    trigger: Token
    pos: str  # VERB | NOUN (the object of a light verb)
    text: str


@dataclass(frozen=True)
class BackoffStage:
    """The back-off stage with its classifier (built once per process: pipeline.load_backoff_stage)."""

    classifier: Classifier

    def extend(self, coders: Sequence[SentenceCoder], candidates: Sequence[list[Candidate]]) -> list[list[Candidate]]:
        """Each sentence's candidates plus the back-off's candidates for its unmatched clauses."""
        slots = [s for i, (coder, cands) in enumerate(zip(coders, candidates, strict=True))
                 for s in sentence_slots(coder, cands, i)]
        out = [list(c) for c in candidates]
        if not slots:
            return out
        for slot, pred in zip(slots, self.classifier.classify([s.text for s in slots]), strict=True):
            if pred is None:
                continue
            cand = backoff_candidate(coders[slot.sentence], slot.trigger, pred.cameo_code, pred.similarity, slot.pos)
            if cand is not None and cand.sources and cand.targets:
                out[slot.sentence].append(cand)
        return out


def _identified(ms: Sequence[Mention]) -> list[Mention]:
    return [m for m in ms if m.identified and not m.modifier]


def _finite(tok: Token) -> bool:
    """A finite verb or one with a tense/modal auxiliary ("has rammed", "was shelled"): not an
    infinitive ("to support"), nor a participle modifying a noun ("a party bearing ties with X")."""
    return tok.tag_ in FINITE_TAGS or any(c.dep_ in ("aux", "auxpass") and c.lower_ != "to" for c in tok.children)


def _matched(coder: SentenceCoder, tok: Token, pos: str) -> bool:
    """A vocabulary entry matches tok as `pos`, or a word-sense trap excludes it."""
    lexicon = coder.lexicon
    objects: dict[str, frozenset[str]] = {}
    if any(_pattern_ok(tok, p, objects) for p in lexicon.patterns_by_lemma.get((_lemma(tok), pos), ())):
        return True
    return bool(lexicon.traps) and trap_for(tok, lexicon.traps) is not None


def _slot_pos(coder: SentenceCoder, tok: Token, coded: set[int]) -> str | None:
    """"VERB" for a finite verb no entry matches that is no modality or light verb, "NOUN" for the
    unmatched object noun of a light verb ("staged a sit-in outside X's embassy"); None otherwise
    (also when the clause governs a coded act: "decided to attack X" is the attack's)."""
    words = coder.words
    if tok.pos_ == "VERB" and _lemma(tok) not in words.light_verbs:
        pos, verb = "VERB", tok
    elif tok.pos_ == "NOUN" and tok.dep_ == "dobj" and _lemma(tok.head) in words.light_verbs:
        pos, verb = "NOUN", tok.head
    else:
        return None
    if not _finite(verb) or verb.i in coded or tok.i in coded or tok.i in coder.actors.outlet_tokens \
            or coder.actors.at(tok) is not None:
        return None
    if _lemma(verb) in (words.say_lemmas | words.intent_lemmas | words.deny_lemmas | words.claim_lemmas
                        | words.plan_lemmas | words.allege_lemmas | words.appeal_lemmas | words.negating_lemmas
                        | words.threat_lemmas | words.ongoing_lemmas):
        return None
    if _matched(coder, tok, pos) or (pos == "NOUN" and _matched(coder, verb, "VERB")):
        return None
    return None if any(t.i in coded for t in verb.subtree) else pos


def sentence_slots(coder: SentenceCoder, candidates: Sequence[Candidate], index: int) -> list[Slot]:
    """The sentence's unmatched predicates with an identified source and target."""
    coded = {c.trigger.i for c in candidates}
    out = []
    for tok in coder.sent:
        pos = _slot_pos(coder, tok, coded)
        if pos is None:
            continue
        verb = tok if pos == "VERB" else tok.head
        sources = _identified(coder.subject(verb)[0])
        if not sources:
            continue
        probe = VerbPattern(id=RULE_PREFIX, lemma=tok.lemma_, code="0", pos=pos, target=TARGET_HINTS)
        own = {m.code() for m in sources}
        targets = [m for m in _identified(coder.targets(tok, probe, sources)[0]) if m.code() not in own]
        if targets:
            out.append(Slot(index, tok, pos, clause_text(verb, sources[0])))
    return out


def clause_text(verb: Token, source: Mention) -> str:
    """"SOURCE verb ... TARGET": the source mention, then the verb with its core dependants (objects,
    prepositional phrases, particles, negation, auxiliaries), without coordinated or subordinate clauses."""
    idx = {verb.i}
    for c in verb.children:
        if c.dep_ in CORE_DEPS:
            idx.update(t.i for t in c.subtree)
    doc = verb.doc
    words = [doc[i].text for i in sorted(idx) if abs(i - verb.i) <= MAX_CLAUSE_TOKENS]
    if not source.start <= verb.i < source.end and source.start not in idx:
        words = [source.text, *words] if source.start < verb.i else [*words, "by", source.text]
    return " ".join(words)


def backoff_candidate(coder: SentenceCoder, tok: Token, code: str, similarity: float,
                      pos: str = "VERB") -> Candidate | None:
    """The candidate of an unmatched verb coded `code` by the back-off (argument frame and modality as
    for a vocabulary pattern of that code)."""
    if coder.lexicon.code_info(code) is None:
        code = code[:2] + "0"  # an example's code the CAMEO table lacks: its root
        if coder.lexicon.code_info(code) is None:
            return None
    pattern = VerbPattern(id=f"{RULE_PREFIX}.{code}", lemma=tok.lemma_, code=code, pos=pos, target=TARGET_HINTS,
                          confidence=round(float(similarity), 4), note="learned back-off")
    return coder._candidate(tok, pattern)
