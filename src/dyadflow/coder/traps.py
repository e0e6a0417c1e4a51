"""Word-sense traps (seeds/sense_traps.csv): a trigger lemma in a non-event sense ("demonstrates
that", "strike a balance", "an attack on his character"). Pure: reads only the parse."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from dyadflow.lexicon.model import SenseTrap

_OBJ_DEPS = {
    "VERB": ("dobj", "attr", "oprd", "acomp", "nsubjpass"),
    "NOUN": ("compound", "amod", "nmod"),
    "ADJ": ("prep",),
}
_SKIP_FOLLOWING = ("DET", "NUM", "ADJ", "PART")  # "hit [a] [new] record", "hit [all-time] highs"


def _pos(tok: Token) -> str | None:
    return {"VERB": "VERB", "AUX": "VERB", "NOUN": "NOUN", "PROPN": "NOUN", "ADJ": "ADJ"}.get(tok.pos_)


def _forms(tok: Token) -> set[str]:
    return {tok.lemma_.lower(), tok.lower_}


def _context_words(tok: Token, context: str, pos: str) -> list[Token]:
    """The tokens that stand in `context` around the trigger."""
    kids = list(tok.children)
    if context == "obj":
        objs = [c for c in kids if c.dep_ in _OBJ_DEPS[pos]]
        return objs + [g for o in objs for g in o.children if g.dep_ in ("compound", "amod")]
    if context == "pobj":
        return [o for c in kids if c.dep_ in ("prep", "agent") for o in c.children if o.dep_ in ("pobj", "pcomp")]
    if context == "prep":
        return [c for c in kids if c.dep_ in ("prep", "agent")]
    if context == "mark":
        return [g for c in kids if c.dep_ in ("ccomp", "advcl") for g in c.children if g.dep_ in ("mark", "advmod")
                and g.i < c.i] + [c for c in kids if c.dep_ == "mark"]
    if context == "particle":
        return [c for c in kids if c.dep_ == "prt"]
    if context == "complement":  # an object predicate: "called the vote a threat", "called the poll illegal"
        if any(c.dep_ in ("prep", "prt") and c.lower_ in ("on", "upon", "for") for c in kids):
            return []  # "called on all parties, in particular X, to ...": a phrasal verb, X misparsed as a predicate
        return [c for c in kids if c.dep_ == "oprd"]
    if context == "following":
        for nxt in tok.doc[tok.i + 1: tok.i + 4]:
            if nxt.pos_ not in _SKIP_FOLLOWING:
                return [nxt]
        return []
    return []


def trap_for(token: Token, traps: Iterable[SenseTrap]) -> str | None:
    """The id of the first trap whose lemma, part of speech and context match the token, else None."""
    pos = _pos(token)
    if pos is None:
        return None
    lemma = token.lemma_.lower()
    for trap in traps:
        if trap.lemma != lemma or trap.pos != pos:
            continue
        words = set(trap.words)
        if any("*" in words or _forms(t) & words for t in _context_words(token, trap.context, pos)):
            return trap.id
    return None
