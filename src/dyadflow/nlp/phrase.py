"""The noun phrase of an actor mention: the span a reader would mark as "the actor" (issue 11).

The coder's mention is the dictionary match ("Romanian officials", "Serbian" in "Serbian forces");
annotated corpora such as ConfliBERT's CAMEO source/target spans mark the whole noun phrase
("Senior Hungarian and Romanian officials", "Up to 1,000 ethnic Turks", "Demonstrators in
Baghdad"). The convention, over the dependency parse:

* a modifier (amod, compound, nmod, poss, nummod) stands for the noun it modifies ("Serbian" in
  "Serbian forces" -> "Serbian forces"); that noun then keeps only its left dependents ("an Indian
  proposal", not "an Indian proposal for signing ..."), and a named apposition ("the space agency
  Glavkosmos"); so does the second of two coordinated modifiers ("Greek" in "the Turkish and Greek
  sides"), and a name in close apposition stands for the noun it names ("its closest ally the UK");
* a partitive head takes over its "of" phrase ("Dozens of journalists", "a group of diplomats"); so does
  any common noun that is a predicate's argument, unless it names an act ("killed the deputy chief of X",
  "the offices of X", not "the withdrawal of X"), and a proposal its author ("rejected calls by X");
* a named person or a posted official leaves out where they are ("the ambassador in Paris"), a group
  keeps it ("demonstrators in Baghdad"); a place leaves out its apposition ("Idlib, the last enclave"),
  any phrase a participle or an indefinite description set off by a comma ("attacks, occurring weekly,",
  "the mayor of X, a member of Y"); "both" belongs to the coordination, not to one conjunct;
* whatever the parse, the phrase holds the whole mention ("Sudan People’s Liberation Army");
* the phrase is the head with its dependents and appositions ("A member of the parliament, X"),
  without relative and adverbial clauses, coordinated conjuncts, punctuation and dates at its edges
  ("on Monday", "Tuesday"); a parenthesised acronym right after it belongs to it ("the Palestine
  Liberation Organization (PLO)");
* a verb has no phrase (an implied party, e.g. the government a protest is against); a pronoun is
  itself, or (`reported_subject`) the speaker whose clause it is the subject of or the subject of the
  clause whose argument it possesses ("Sylvania mounted its invasion"); an object "him"/"her" the person
  named before it.

The conventions were read off ConfliBERT's CAMEO training file (cameo_ner_train.txt), not its test file.

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
# of those, the ones that only locate: left out after a person who is only visiting or posted there
# ("President Dale in Paris", "the Sylvanian ambassador in Paris"); groups keep them ("police in X")
LOCATING_PREPS = PHRASE_PREPS - {"of", "from"}
# the phrase of a mention hanging from a common noun by one of these belongs to that noun's phrase when the
# noun is a predicate's argument: "killed [the deputy chief of] X", "rejected [calls by] X"
ARGUMENT_PREPS = frozenset({"of", "by", "from", "in", "at", "near"})
LOCATIVE_PREPS = frozenset({"in", "at", "near"})
# groups that are in a place without being of it: "its forces in X", "the peacekeeping mission in X" keep X alone
VISITING_GROUPS = frozenset({"force", "troop", "peacekeeper", "mission", "rebel", "militant", "fighter", "soldier",
                             "business", "company", "result", "reform", "ceasefire", "state"})
ARGUMENT_DEPS = frozenset({"dobj", "nsubj", "nsubjpass"})
# a verb that only carries its noun ("held talks with X"): that noun is the predicate, not its argument
LIGHT_VERBS = frozenset({"hold", "have", "conduct", "resume", "renew", "begin", "open", "start", "continue"})
NOMINAL_POS = frozenset({"NOUN", "PROPN"})
# an act is not the actor: "the withdrawal of X", "sanctions on X" keep X alone (ConfliBERT's gold mostly does)
EVENT_SUFFIXES = ("tion", "sion", "ment", "al", "ance", "ence", "ing", "ure", "ade", "ion")
EVENT_NOUNS = frozenset({"sanctions", "sanction", "ban", "siege", "boycott", "attack", "attacks", "strike", "strikes",
                         "raid", "raids", "visit", "talks", "war", "crimes", "abuse", "abuses", "support", "positions",
                         "position", "policy", "policies", "release", "arrest", "return", "trial", "death", "killing"})
# bodies and groups whose names end like acts
BODY_NOUNS = frozenset({"organization", "organisation", "nation", "population", "delegation", "administration",
                        "coalition", "federation", "association", "foundation", "institution", "opposition",
                        "union", "station", "faction", "legion", "region", "government", "parliament",
                        "tribunal", "council", "general", "official", "rival", "national", "settlement"})
# proposals name their author with "by"/"from": "calls by X", "a demand from X"
PROPOSAL_NOUNS = frozenset({"call", "demand", "request", "offer", "proposal", "appeal", "invitation", "plea", "bid"})
POSTED_TITLES = frozenset({"ambassador", "envoy", "consul", "diplomat", "premier", "president", "king"})


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
        elif tok.dep_ == "conj" and head.dep_ in MODIFIER_DEPS and head.head.pos_ in NOMINAL_POS \
                and head.head.i > tok.i:
            tok, modified = head.head, True  # "Greek" in "the Turkish and Greek sides"
        elif tok.dep_ == "appos" and head.pos_ in NOMINAL_POS and head.i < tok.i and head.ent_type_ not in ("GPE", "LOC"):
            tok, modified = head, False  # "its closest ally the UK", "the head of X, Anton Vell"
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


def _visiting(head: Token) -> bool:
    """A person whose place in the sentence is where they are, not who they are: a named person or a
    posted official ("President Dale in Paris", "the Sylvanian ambassador in Paris"). Groups keep their
    place ("Sylvanian police in Port Vell", "students throughout Sylvania")."""
    return head.ent_type_ == "PERSON" or head.lemma_.lower() in POSTED_TITLES


def _argument(head: Token) -> Token | None:
    """The common noun the phrase of `head` hangs from by a preposition, when that noun is a predicate's
    argument (subject, object, or object of the predicate's preposition): "the withdrawal" in "demanded the
    withdrawal of Sylvanian forces". None otherwise, and for the noun of a light verb ("held talks with")."""
    prep = head.head
    if head.dep_ != "pobj" or prep.dep_ != "prep" or prep.lower_ not in ARGUMENT_PREPS:
        return None
    noun = prep.head
    if noun.pos_ != "NOUN" or noun.i > prep.i:
        return None
    act = (noun.lower_.endswith(EVENT_SUFFIXES) and noun.lemma_.lower() not in BODY_NOUNS) or noun.lower_ in EVENT_NOUNS
    if prep.lower_ == "of":  # "the deputy chief of X", "the offices of X"; not an act ("the withdrawal of X")
        if act:
            return None
    elif prep.lower_ in LOCATIVE_PREPS:  # "a village in X", "the settlements in X": a place in a country
        if act or head.ent_type_ not in ("GPE", "LOC", "FAC") or noun.lemma_.lower() in VISITING_GROUPS:
            return None
    elif not (prep.lower_ in ("by", "from") and noun.lemma_.lower() in PROPOSAL_NOUNS):
        return None  # but "calls by X", "a demand from X": the proposal is the argument
    gov = noun.head
    if noun.dep_ == "dobj" and gov.lemma_.lower() in LIGHT_VERBS:
        return None
    if noun.dep_ in ARGUMENT_DEPS or (noun.dep_ == "pobj" and gov.dep_ == "prep" and gov.head.pos_ in ("VERB", "AUX")):
        return noun
    return None


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
    if root.pos_ == "PRON":
        return (root.i, root.i + 1)  # "its" in "its invasion": the pronoun, not what it possesses
    head, modified = _climb(root)
    lo = hi = head.i
    arg = _argument(head)
    visiting = _visiting(head) and arg is None
    place = head.ent_type_ in ("GPE", "LOC")
    for child in head.children:
        if child.dep_ in LEFT_OUT_DEPS or _dated(child):
            continue
        if child.i < head.i:
            lo = min(lo, child.left_edge.i)
        elif child.dep_ == "prep" and (child.lower_ not in PHRASE_PREPS or visiting and child.lower_ in LOCATING_PREPS):
            continue
        elif child.dep_ == "appos" and place or child.dep_ == "acl" and doc[child.left_edge.i - 1].text == ",":
            continue  # "Idlib, the last enclave", "attacks, occurring weekly,": a comment, not the actor
        elif not modified or _names(child) or child.dep_ == "appos" and child.pos_ == "PROPN":
            hi = max(hi, child.right_edge.i)
    described = next((t.left_edge.i for t in doc[head.i + 1:hi + 1] if t.dep_ == "appos"
                      and doc[t.left_edge.i].lower_ in ("a", "an") and doc[t.left_edge.i - 1].text == ","), None)
    if described is not None:
        hi = described - 2  # "the mayor of X, a member of Y": a description, not the actor's name
    if arg is not None:  # "demanded [the withdrawal of] Sylvanian forces": the predicate's argument
        lo = min([lo, arg.i, *(c.left_edge.i for c in arg.children
                               if c.i < arg.i and c.dep_ not in LEFT_OUT_DEPS and not _dated(c))])
    if root.i >= start:  # a phrase holds its whole mention, however the parser split a name
        lo, hi = min(lo, root.i, *(t.i for t in doc[start:end] if t.dep_ != "det" and not t.is_punct)), max(hi, end - 1)
    while lo < hi and (doc[lo].is_punct or doc[lo].lower_ in ("both", "either", "neither") and head.conjuncts):
        lo += 1  # "both" belongs to the coordination ("both India and Pakistan"), not to one conjunct
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
    if lo > 0 and doc[lo - 1].lower_ in ("both", "either", "neither"):
        lo -= 1  # "Both Sylvania and Freedonia"
    return (lo, hi), frozenset(c.i for c in conjuncts)


REPORTING_DEPS = frozenset({"ccomp", "xcomp", "conj", "advcl", "pcomp", "prep"})
SAY_LEMMAS = frozenset({"say", "tell", "announce", "state", "add", "insist", "warn", "claim", "declare"})
# what may stand between a reporting verb and its clause's pronoun ("said Friday he", "said that he")
BETWEEN_DEPS = frozenset({"npadvmod", "mark", "punct", "advmod"})


def _subject_phrase(verb: Token, before: int) -> tuple[int, int] | None | bool:
    """The phrase of `verb`'s subject when it is a noun before token `before`; False when the verb has a
    pronoun subject or none before it (the search stops), None when it has no subject (it goes on)."""
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None:
        return None
    if subj.pos_ == "PRON" or subj.i > before:
        return False
    return actor_phrase(doc=verb.doc, start=subj.i, end=subj.i + 1)


def reported_subject(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The noun phrase a personal pronoun stands for in its own sentence: the speaker of the clause it is
    the subject of ("Turkey said it had asked ...", "X was quoted as saying he would ...", also when the
    parser hangs the clause elsewhere: "X said Friday he ..., a radio reported"), the subject of the
    clause whose argument it possesses ("Sylvania mounted its invasion" -> Sylvania), for an object "him"
    or "her" the nearest person named before it; else None."""
    tok = doc[start:end].root
    if end - start != 1 or tok.pos_ != "PRON":
        return None
    if tok.dep_ == "poss" and tok.lower_ in ("its", "their", "his", "her"):
        cur = tok.head
        for _ in range(6):  # up the noun phrase to the verb whose argument it is
            if cur.pos_ in ("VERB", "AUX") or cur.head == cur:
                break
            cur = cur.head
        found = _subject_phrase(cur, tok.i) if cur.pos_ in ("VERB", "AUX") else None
        return found or None
    if tok.lower_ in ("him", "her") and tok.dep_ in ("dobj", "pobj", "dative"):
        # "wrote to President Dale urging him": the nearest person named before it
        named = next((t for t in reversed(doc[tok.sent.start:tok.i]) if t.ent_type_ == "PERSON" and t.dep_ != "compound"),
                     None)
        return actor_phrase(doc, named.i, named.i + 1) if named is not None else None
    if tok.dep_ not in ("nsubj", "nsubjpass"):
        return None
    j = tok.i - 1
    while j > tok.sent.start and (doc[j].dep_ in BETWEEN_DEPS or doc[j].ent_type_ == "DATE"):
        j -= 1
    if doc[j].pos_ == "VERB" and doc[j].lemma_.lower() in SAY_LEMMAS:  # "X said (Friday) (that) he ..."
        found = _subject_phrase(doc[j], tok.i)
        if found:
            return found
    clause = tok.head
    for _ in range(5):
        if clause.dep_ not in REPORTING_DEPS or clause.head == clause:
            return None
        clause = clause.head
        found = _subject_phrase(clause, tok.i)
        if found is not None:
            return found or None
    return None
