"""Fatality counts from one parsed sentence: the number of people reported dead, with the text
that gave it. Pure: a spaCy Span and the word lists (seeds/fatality_terms.csv) in, a record out.

    extract(sent, lexicon.fatality_terms)  ->  FatalityCount(count=23, text="killing at least 23 civilians", ...)

What counts (each rule has an id, kept in `FatalityCount.rule`):
- verb.subj / verb.obj / verb.of_obj: the argument of a death verb that names the dead ("three
  soldiers died", "killing 23 civilians", "dozens were killed", "12 people lost their lives",
  "claimed the lives of 14", "left 5 dead", "shot dead two officers"); coordinated victims add up
  ("killing 3 soldiers and 2 civilians" = 5);
- noun: a counted death noun ("17 deaths", "30 dead", "22 bodies");
- toll: the figure of a toll ("a death toll of 40", "the toll rose to 52", "the toll reached 60");
- zero: only where the text says no one died ("no one was killed", "nobody died", "no deaths",
  "no casualties were reported", "without casualties", "did not kill anyone").

Conventions:
- the stated figure is the count whatever its modifier ("at least 23", "more than 20", "some 40",
  "nearly 50" -> 23, 20, 40, 50); the modifier stays in the text span;
- vague quantifiers give the lower bound in the seed (ACLED's convention where it has one: tens
  10, dozens 12, hundreds 100, thousands 1000; ours: several 3, a few / many / some 2);
  a multiplied one multiplies ("two dozen" = 24);
- one person: a singular noun that is not collective ("a soldier", "the driver", not "a
  family"), a singular personal pronoun or a person's name counts 1;
- several mentions in one sentence: the largest (a toll usually includes the counts told before
  it, and the largest is still a lower bound); a zero never hides a positive count;
- never counted: figures of the injured, arrested, missing... (excluded lemmas), and dates, ages,
  times, percentages and money (spaCy entity types), ordinals;
- unknown is None, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Span, Token
from text_to_num import text2num

from dyadflow.lexicon.model import DeathVerb, FatalityTerms

__all__ = ["FatalityCount", "extract", "mentions"]

# entity types whose numbers are never counts of people
_NOT_COUNTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "ORDINAL", "QUANTITY"})
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_ONE_DET = frozenset({"a", "an", "one", "the", "this", "that"})
_ONE_PRON = frozenset({"he", "she", "him", "her"})
_NOBODY = frozenset({"nobody", "none", "noone"})
_ANYBODY = frozenset({"anyone", "anybody"})
_MAX_COUNT = 10_000_000


@dataclass(frozen=True, slots=True)
class FatalityCount:
    """A count of the dead (a lower bound for vague quantities) and the text that gave it."""

    count: int
    text: str
    start: int  # character offsets in the document
    end: int
    rule: str


def extract(sent: Span, terms: FatalityTerms | None) -> FatalityCount | None:
    """The sentence's fatality count (the largest mention), None when it tells none."""
    if terms is None:
        return None
    best: FatalityCount | None = None
    for m in mentions(sent, terms):
        if best is None or (m.count, -m.start) > (best.count, -best.start):
            best = m
    return best


def mentions(sent: Span, terms: FatalityTerms) -> Iterator[FatalityCount]:
    """Every fatality count told in the sentence, left to right by trigger."""
    for tok in sent:
        lemma = tok.lemma_.lower()
        got: FatalityCount | None = None
        if lemma in terms.verbs and tok.pos_ in ("VERB", "AUX"):
            got = _from_verb(tok, terms.verbs[lemma], terms)
        elif lemma in terms.toll_nouns and tok.pos_ == "NOUN":
            got = _from_toll(tok, terms)
        elif lemma in terms.death_nouns and tok.pos_ in ("NOUN", "ADJ", "PROPN"):
            got = _from_noun(tok, terms, zero_only=False)
        elif lemma in terms.zero_nouns and tok.pos_ == "NOUN":
            got = _from_noun(tok, terms, zero_only=True)
        if got is not None:
            yield got


# ----------------------------------------------------------------------------------------------
# triggers


def _from_verb(verb: Token, entry: DeathVerb, terms: FatalityTerms) -> FatalityCount | None:
    required = _near(verb, entry.requires) if entry.requires else verb
    if required is None:
        return None
    victims = _victims(verb, entry)
    if not victims:
        return None
    if _negated(verb) and victims[0].lower_ in _ANYBODY:
        return _record(0, [verb, victims[0]], f"verb.{entry.slot}.zero")
    return _count_victims([verb, required], victims[0], terms, f"verb.{entry.slot}")


def _victims(verb: Token, entry: DeathVerb) -> list[Token]:
    """The token(s) naming the dead for a death verb's slot."""
    kids = list(verb.children)
    if entry.slot == "subj":
        found = [c for c in kids if c.dep_ in ("nsubj", "nsubjpass")]
        if not found and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
            found = [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    elif entry.slot == "obj":
        found = [c for c in kids if c.dep_ in ("dobj", "nsubjpass")]
    else:  # of_obj: "claimed the lives of 14 people" (or "claimed 14 lives")
        objs = [c for c in kids if c.dep_ in ("dobj", "nsubjpass")]
        found = [p for o in objs for prep in o.children if prep.dep_ == "prep" and prep.lower_ == "of"
                 for p in prep.children if p.dep_ == "pobj"] or objs
    if not found and verb.dep_ in ("acl", "relcl") and (entry.slot != "subj" or verb.dep_ == "relcl"):
        # "23 people killed in the raid", "the civilians who were killed", "soldiers who died"
        if entry.slot != "obj" or verb.tag_ == "VBN" or any(c.dep_ == "auxpass" for c in kids):
            found = [verb.head]
    return found


def _from_toll(toll: Token, terms: FatalityTerms) -> FatalityCount | None:
    """"a death toll of 40", "the toll rose to 52", "the toll reached 60", "the toll was 12"."""
    cands = [p for prep in toll.children if prep.dep_ == "prep" and prep.lower_ == "of"
             for p in prep.children if p.dep_ == "pobj"]
    head = toll.head
    if not cands and toll.dep_ in ("nsubj", "nsubjpass", "dobj") and head.pos_ in ("VERB", "AUX"):
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in ("to", "at", "of"):
                cands += [p for p in c.children if p.dep_ == "pobj"]
            elif c.dep_ in ("dobj", "attr") and c.i != toll.i:
                cands.append(c)
    for c in cands:
        n = _number_value(c, terms)
        if n is not None:
            start = toll.left_edge if toll.left_edge.i <= toll.i else toll
            return _record(n[0], [start, toll, *n[1]], "toll")
    return None


def _from_noun(noun: Token, terms: FatalityTerms, *, zero_only: bool) -> FatalityCount | None:
    """"17 deaths", "30 dead", "no deaths", "no casualties", "without casualties"."""
    if _says_none(noun) or (noun.dep_ == "pobj" and noun.head.lower_ == "without"):
        start = noun.head if noun.dep_ == "pobj" and noun.head.lower_ == "without" else noun.left_edge
        return _record(0, [start, noun], "noun.zero")
    if zero_only:
        return None
    target = noun
    if noun.pos_ == "ADJ":  # "30 people dead", "five dead"
        if noun.dep_ == "amod" and noun.head.pos_ in ("NOUN", "NUM"):
            target = noun.head
        elif not any(c.dep_ in ("nummod", "nsubj", "npadvmod") for c in noun.children):
            return None
    got = _quantity(target, terms, allow_one=False)
    if got is None:
        return None
    return _record(got[0], [noun, *got[1]], "noun")


# ----------------------------------------------------------------------------------------------
# counting


def _count_victims(trigger: list[Token], first: Token, terms: FatalityTerms, rule: str) -> FatalityCount | None:
    """Sum of the counts of the victim and its coordinated victims ("3 soldiers and 2 civilians")."""
    total, used, zero = 0, list(trigger), False
    for v in _conj_chain(first, terms):
        if _says_none(v):
            zero = True
            used.extend((v.left_edge, v))
            continue
        got = _quantity(v, terms, allow_one=True)
        if got is None:
            continue
        total += got[0]
        used.extend(got[1])
    if len(used) == len(trigger):
        return None
    if total == 0 and not zero:
        return None
    return _record(total, used, rule + (".zero" if total == 0 else ""))


def _conj_chain(first: Token, terms: FatalityTerms) -> Iterator[Token]:
    yield first
    for c in first.conjuncts:
        if c.i > first.i and not _excluded_near(c, terms):
            yield c


def _quantity(v: Token, terms: FatalityTerms, *, allow_one: bool) -> tuple[int, list[Token]] | None:
    """(count, tokens that gave it) of a noun phrase naming people, None when it has no figure."""
    n = _number_value(v, terms)
    if n is not None:
        return n
    if _excluded_near(v, terms):
        return None
    for c in v.children:
        if c.dep_ in ("nummod", "amod", "det", "quantmod", "advmod", "compound") and c.i < v.i:
            got = _number_value(c, terms)
            if got is not None:
                return got[0], [*got[1], v]
    lemma = v.lemma_.lower()
    if allow_one and lemma not in terms.collective and lemma not in terms.death_nouns:
        if v.pos_ == "PRON" and v.lower_ in _ONE_PRON:
            return 1, [v]
        if v.pos_ == "PROPN" and v.ent_type_ == "PERSON":
            return 1, [v.left_edge, v]
        if v.tag_ == "NN" and any(c.dep_ in ("det", "nummod") and c.lower_ in _ONE_DET for c in v.children):
            return 1, [v.left_edge, v]
    return None


def _number_value(tok: Token, terms: FatalityTerms) -> tuple[int, list[Token]] | None:
    """The number a token stands for: digits, spelled-out words, or a vague quantifier."""
    if tok.ent_type_ in _NOT_COUNTS or _age_or_unit(tok):
        return None
    word = tok.lower_
    value = _plain_number(tok)
    if value is None and word in terms.vague and tok.dep_ not in ("quantmod", "advmod"):
        if word == "some" and tok.dep_ not in ("det", "nsubj", "nsubjpass", "dobj"):
            return None
        base = terms.vague[word]
        mult = next((m for c in tok.children if c.dep_ in ("nummod", "compound")
                     for m in [_plain_number(c)] if m is not None), None)
        # "tens of thousands", "hundreds of thousands": the scale of the 'of' phrase multiplies
        scale = next((p for prep in tok.children if prep.dep_ == "prep" and prep.lower_ == "of"
                      for p in prep.children if p.dep_ == "pobj" and terms.vague.get(p.lower_, 0) >= 1000), None)
        toks = [tok.left_edge if tok.left_edge.i < tok.i else tok, tok]
        if scale is not None:
            return base * terms.vague[scale.lower_], [*toks, scale]
        if base >= 1000:  # parsed the other way round: "Tens (of) thousands"
            by = next((c for c in tok.children if c.dep_ == "quantmod" and c.lower_ in terms.vague), None)
            if by is not None:
                return base * terms.vague[by.lower_], toks
        return (base * mult if mult else base), toks
    if value is None:
        return None
    if tok.head.lower_ in terms.vague and tok.head.i > tok.i and tok.dep_ in ("nummod", "compound"):
        value *= terms.vague[tok.head.lower_]  # "two dozen"
    return value, [tok.left_edge if tok.left_edge.i < tok.i else tok, tok]


def _plain_number(tok: Token) -> int | None:
    """Digits ("23", "1,200") or a spelled-out cardinal ("twenty-three", "three hundred")."""
    if tok.ent_type_ in _NOT_COUNTS or not (tok.like_num and (tok.tag_ == "CD" or tok.is_digit)):
        return None
    if _DIGITS.fullmatch(tok.text):
        value = int(tok.text.replace(",", ""))
        return value if 0 < value <= _MAX_COUNT else None
    doc, lo, hi = tok.doc, tok.i, tok.i
    while lo > tok.sent.start and (doc[lo - 1].like_num and doc[lo - 1].tag_ == "CD" or doc[lo - 1].text == "-"):
        lo -= 1
    while hi + 1 < tok.sent.end and (doc[hi + 1].like_num and doc[hi + 1].tag_ == "CD" or doc[hi + 1].text == "-"):
        hi += 1
    words = doc[lo : hi + 1].text.lower().replace(" - ", "-")
    if any(ch.isdigit() for ch in words):
        return None
    try:
        value = int(text2num(words, "en"))
    except (ValueError, TypeError):
        return None
    return value if 0 < value <= _MAX_COUNT else None


def _age_or_unit(tok: Token) -> bool:
    """"45-year-old", "45 years old", "a 45-year-old", "10 km", "aged 45"."""
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    after = tok.doc[tok.i + 2] if tok.i + 2 < len(tok.doc) else None
    if nxt is not None and (nxt.lower_ in ("year", "years", "%", "percent")
                            or nxt.text == "-" and after is not None and after.lower_ in ("year", "years")):
        return True
    return tok.head.lemma_.lower() == "age" or tok.head.lower_ == "aged"


def _says_none(v: Token) -> bool:
    """"nobody", "none", "no one", "no deaths", "no soldiers"."""
    if v.lower_ in _NOBODY:
        return True
    return any(c.dep_ == "det" and c.lower_ == "no" for c in v.children)


def _negated(verb: Token) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _near(verb: Token, lemma: str) -> Token | None:
    """The verb's child or grandchild with `lemma` ("shot dead", "lost their lives"), if any."""
    for c in verb.children:
        if c.lemma_.lower() == lemma:
            return c
        for g in c.children:
            if g.lemma_.lower() == lemma:
                return g
    return None


def _excluded_near(v: Token, terms: FatalityTerms) -> bool:
    """A count tied to an excluded lemma ("30 injured", "12 missing", "arrested 30")."""
    if v.lemma_.lower() in terms.excluded:
        return True
    if any(c.lemma_.lower() in terms.excluded for c in v.children if c.dep_ in ("amod", "acl", "relcl", "conj")):
        return True
    return v.dep_ in ("nsubj", "nsubjpass", "dobj") and v.head.lemma_.lower() in terms.excluded


def _record(count: int, toks: list[Token], rule: str) -> FatalityCount:
    lo, hi = min(t.i for t in toks), max(t.i for t in toks)
    span = toks[0].doc[lo : hi + 1]
    return FatalityCount(count, span.text, span.start_char, span.end_char, rule)
