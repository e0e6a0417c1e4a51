"""The noun phrase of an actor mention: the span a reader would mark as "the actor" (issue 11).

The coder's mention is the dictionary match ("Romanian officials", "Serbian" in "Serbian forces");
annotated corpora such as ConfliBERT's CAMEO source/target spans mark the whole noun phrase
("Senior Hungarian and Romanian officials", "Up to 1,000 ethnic Turks", "Demonstrators in
Baghdad"). The convention, over the dependency parse:

* a modifier (amod, compound, nmod, poss, nummod) stands for the noun it modifies ("Serbian" in
  "Serbian forces" -> "Serbian forces"); that noun then keeps only its left dependents ("an Indian
  proposal", not "an Indian proposal for signing ...");
* a partitive head takes over its "of" phrase ("Dozens of journalists", "a group of diplomats");
* the phrase is the head with its dependents and appositions ("A member of the parliament, X"),
  without relative and adverbial clauses, coordinated conjuncts, punctuation and dates at its edges
  ("on Monday", "Tuesday"); a parenthesised acronym right after it belongs to it ("the Palestine
  Liberation Organization (PLO)");
* a verb has no phrase (an implied party, e.g. the government a protest is against).

`coordination` gives the whole coordination a phrase belongs to ("Israel and Lebanon"), which
marks the two sides of a reciprocal event as one span.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

MODIFIER_DEPS = frozenset({"amod", "compound", "nmod", "poss", "nummod"})
# partitive heads: "dozens of X", "a group of X", "members of X" mark X's phrase from the head
PARTITIVE_HEADS = frozenset({
    "group", "groups", "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "tens", "millions",
    "scores", "member", "members", "number", "batch", "contingent", "handful", "majority", "band", "unit",
    "units", "some", "many", "most", "all", "several", "each", "both", "none", "rest", "couple", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten",
})
LEFT_OUT_DEPS = frozenset({"relcl", "advcl", "punct", "conj", "cc", "preconj", "npadvmod"})
# prepositions that locate or identify the actor ("protesters in X", "dissidents from X", "students at X");
# others ("forces against X", "aid for X") start a new argument
PHRASE_PREPS = frozenset({"of", "in", "from", "at", "throughout", "across", "inside", "within", "near", "along"})
NOMINAL_POS = frozenset({"NOUN", "PROPN"})


def _root(doc: Doc, start: int, end: int) -> Token:
    """The mention's syntactic root, not its article ("the Taliban" in "the Taliban faction": Taliban)."""
    root = doc[start:end].root
    if root.dep_ in ("det", "punct"):
        words = [t for t in doc[start:end] if t.dep_ not in ("det", "punct")]
        return words[-1] if words else root
    return root


def _climb(tok: Token) -> tuple[Token, bool]:
    """The head of the phrase a mention's root belongs to, and whether it was reached from a modifier."""
    modified = False
    for _ in range(8):
        head = tok.head
        if tok.dep_ in MODIFIER_DEPS and head.pos_ in NOMINAL_POS and head.i > tok.i:
            tok, modified = head, True
        elif (tok.dep_ == "pobj" and head.lower_ == "of" and head.head.lower_ in PARTITIVE_HEADS
              and head.head.i < head.i):
            tok = head.head
        else:
            break
    return tok, modified


def phrase_head(doc: Doc, start: int, end: int) -> Token:
    """The head token of the noun phrase of the mention doc[start:end]."""
    return _climb(_root(doc, start, end))[0]


def _names(prep: Token) -> bool:
    """An "of" phrase that names the head ("the town of Gorazde")."""
    return prep.lower_ == "of" and any(c.dep_ == "pobj" and c.pos_ == "PROPN" for c in prep.children)


def _dated(tok: Token) -> bool:
    """A date or time dependent ("Tuesday", "on Monday")."""
    if tok.ent_type_ in ("DATE", "TIME"):
        return True
    return tok.dep_ == "prep" and any(c.dep_ == "pobj" and c.ent_type_ in ("DATE", "TIME") for c in tok.children)


def _balanced(doc: Doc, lo: int, hi: int) -> int:
    """The phrase's last token with parentheses balanced: close an open one, else cut before it."""
    texts = [t.text for t in doc[lo:hi + 1]]
    if texts.count("(") <= texts.count(")"):
        return hi
    if hi + 1 < len(doc) and doc[hi + 1].text == ")":
        return hi + 1
    return lo + max(i for i, t in enumerate(texts) if t == "(") - 1


def actor_phrase(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Token bounds [start, end) of the noun phrase of the mention doc[start:end]; None for a verb."""
    if end <= start:
        return None
    root = _root(doc, start, end)
    if root.pos_ in ("VERB", "AUX"):
        return None
    head, modified = _climb(root)
    lo = hi = head.i
    for child in head.children:
        if child.dep_ in LEFT_OUT_DEPS or _dated(child):
            continue
        if child.i < head.i:
            lo = min(lo, child.left_edge.i)
        elif child.dep_ == "prep" and child.lower_ not in PHRASE_PREPS:
            continue
        elif not modified or _names(child):
            hi = max(hi, child.right_edge.i)
    while lo < hi and doc[lo].is_punct:
        lo += 1
    while hi > lo and (doc[hi].is_punct and doc[hi].text != ")" or doc[hi].ent_type_ in ("DATE", "TIME")):
        hi -= 1
    hi = _balanced(doc, lo, hi)
    if hi + 3 < len(doc) and doc[hi + 1].text == "(" and doc[hi + 3].text == ")" and doc[hi + 2].text.isupper():
        hi += 3  # "the Palestine Liberation Organization (PLO)"
    return (lo, hi + 1) if hi >= lo else None


def coordination(doc: Doc, start: int, end: int) -> tuple[tuple[int, int], frozenset[int]] | None:
    """The whole coordination the mention's phrase head is a conjunct of ("Israel and Lebanon"), with the
    conjuncts' head tokens; None when it is not coordinated."""
    if end <= start:
        return None
    head, _ = _climb(_root(doc, start, end))
    first = head
    while first.dep_ == "conj" and first.head.i < first.i:
        first = first.head
    conjuncts = [first, *first.conjuncts]
    if len(conjuncts) < 2:
        return None
    lo = min(actor_phrase(doc, c.i, c.i + 1) or (c.i, c.i + 1) for c in conjuncts)[0]
    hi = max((actor_phrase(doc, c.i, c.i + 1) or (c.i, c.i + 1))[1] for c in conjuncts)
    return (lo, hi), frozenset(c.i for c in conjuncts)


REPORTING_DEPS = frozenset({"ccomp", "xcomp", "conj", "advcl"})


def reported_subject(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """For a personal pronoun that is the subject of a clause reported by its own sentence's speaker
    ("Turkey said it had asked ..."), the noun phrase of that speaker; else None."""
    tok = doc[start:end].root
    if end - start != 1 or tok.pos_ != "PRON" or tok.dep_ not in ("nsubj", "nsubjpass"):
        return None
    clause = tok.head
    for _ in range(4):
        if clause.dep_ not in REPORTING_DEPS or clause.head == clause:
            return None
        clause = clause.head
        subj = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            return None if subj.pos_ == "PRON" else actor_phrase(doc, subj.i, subj.i + 1)
    return None
