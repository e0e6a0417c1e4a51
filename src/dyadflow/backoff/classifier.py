"""The learned back-off: a CAMEO code for a clause no vocabulary entry matched.

Reference examples are the project's own: the `example` of every seeds/event_vocabulary.jsonl
entry and the texts of seeds/backoff_examples.jsonl, whose rows with no code are counter-
examples (sentences that report no event). Each is embedded once with the sentence encoder. A
small linear classifier (softmax regression over the embeddings, classes = CAMEO roots plus
"no event", class-balanced) is trained on them when the back-off is built; a clause gets the
root it predicts, with its probability, and the code and id of the nearest example of that
root, with their cosine similarity. The back-off abstains (None) when "no event" wins, when the
probability is below the calibrated threshold, or when even that nearest example is less
similar than MIN_SIMILARITY. (Sentence embeddings are topical: "imposed a blockade" and "eased
the blockade" are close, so the single nearest example is a weak signal; the classifier learns
which directions of the embedding separate the roots.)

Calibration uses the examples alone: a k-fold cross-validation in which all examples of one
group (a vocabulary lemma, a paraphrase set) fall in the same fold gives every example a held-out
prediction; the threshold is the lowest probability at which the held-out predictions at or above
it reach `target_precision` at the root level (a counter-example given a code counts as wrong).
Training is deterministic (zero start, full batches, folds by a hash of the group). Nothing is
fitted to evaluation data.

    backoff = Backoff.load(settings.seeds_dir, settings.schemas_dir)   # once, then inject it
    backoff.classify(["the two navies held joint manoeuvres off the coast"])
    # [Prediction(cameo_code='062', similarity=0.71, example_id='backoff_examples:062.2',
    #             example_text=..., probability=0.93)]
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from dyadflow.backoff.encoder import Encoder, MiniLMEncoder
from dyadflow.seeds import SeedError, read_seed_table

RULE_PREFIX = "backoff"
DEFAULT_TARGET_PRECISION = 0.90
DEFAULT_FOLDS = 5
MIN_SIMILARITY = 0.30  # abstain when even the nearest example of the predicted root is less similar
NO_EVENT = "none"
EXAMPLE_SEEDS = ("backoff_examples", "event_vocabulary")


@dataclass(frozen=True, slots=True)
class Example:
    """One reference text; `code` None marks a counter-example (no event)."""

    example_id: str
    code: str | None
    text: str
    group: str

    @property
    def root(self) -> str:
        return self.code[:2] if self.code else NO_EVENT


@dataclass(frozen=True, slots=True)
class Prediction:
    """The back-off's answer for one clause: the predicted root's nearest example."""

    cameo_code: str
    similarity: float  # cosine similarity to that example
    example_id: str
    example_text: str
    probability: float  # the classifier's probability of the root

    @property
    def rule_id(self) -> str:
        """What an event coded from this prediction names in its `rule_id`."""
        return f"{RULE_PREFIX}:{self.example_id}"


@dataclass(frozen=True, slots=True)
class Calibration:
    """How the probability threshold was chosen (grouped cross-validation over the examples)."""

    threshold: float  # minimum probability
    target_precision: float
    precision: float  # root-level precision of held-out predictions at or above the threshold
    coverage: float  # share of held-out event examples given a code at or above it
    accuracy: float  # held-out root accuracy with no threshold (counter-examples included)
    n_examples: int
    n_counter_examples: int
    folds: int


@dataclass(frozen=True)
class SoftmaxModel:
    """Softmax regression over unit-length embeddings: p = softmax(scale * x @ weights + bias)."""

    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    scale: float = 10.0

    @classmethod
    def fit(cls, x: np.ndarray, labels: Sequence[str], *, l2: float = 1e-3, steps: int = 200,
            learning_rate: float = 0.08) -> SoftmaxModel:
        """Class-balanced cross-entropy + L2, full-batch Adam from zero (deterministic)."""
        classes = tuple(sorted(set(labels)))
        x = np.asarray(x, dtype=np.float64)
        x_t = np.ascontiguousarray(x.T)
        y = np.array([classes.index(lab) for lab in labels])
        n, n_classes = len(y), len(classes)
        onehot = np.eye(n_classes)[y]
        counts = np.bincount(y, minlength=n_classes)
        sample_w = (n / (n_classes * counts))[y][:, None] / n
        model = cls(classes, np.zeros((x.shape[1], n_classes)), np.zeros(n_classes))
        params = [model.weights, model.bias]
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        for t in range(1, steps + 1):
            grad_logits = (model.proba(x) - onehot) * sample_w
            grads = [model.scale * x_t @ grad_logits + l2 * model.weights, grad_logits.sum(axis=0)]
            for p, g, m_i, v_i in zip(params, grads, m, v, strict=True):
                m_i *= 0.9
                m_i += 0.1 * g
                v_i *= 0.999
                v_i += 0.001 * g * g
                p -= learning_rate * (m_i / (1 - 0.9**t)) / (np.sqrt(v_i / (1 - 0.999**t)) + 1e-8)
        return model

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = self.scale * x @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


class Backoff:
    """CAMEO root classifier over sentence embeddings with nearest-example codes and calibrated abstention."""

    def __init__(self, encoder: Encoder, examples: Sequence[Example], matrix: np.ndarray,
                 model: SoftmaxModel, calibration: Calibration) -> None:
        self.encoder = encoder
        self.examples = tuple(examples)
        self.matrix = matrix
        self.model = model
        self.calibration = calibration
        roots = np.array([e.root for e in self.examples], dtype=object)
        self._members = {c: np.flatnonzero(roots == c) for c in model.classes}

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    @classmethod
    def load(cls, seeds_dir: Path, schemas_dir: Path, *, encoder: Encoder | None = None,
             threshold: float | None = None, target_precision: float = DEFAULT_TARGET_PRECISION,
             cache_dir: Path | None = None) -> Backoff:
        """Build from the project's example seeds; the encoder defaults to MiniLMEncoder.load().

        With `cache_dir`, the examples' embeddings, the trained classifier and its calibration are
        kept there (one .npz file named by a hash of the encoder, the examples and the settings), so
        that later loads only read it.
        """
        examples = load_examples(seeds_dir, schemas_dir)
        return cls.from_examples(examples, encoder or MiniLMEncoder.load(), threshold=threshold,
                                 target_precision=target_precision, cache_dir=cache_dir)

    @classmethod
    def from_examples(cls, examples: Iterable[Example], encoder: Encoder, *, threshold: float | None = None,
                      target_precision: float = DEFAULT_TARGET_PRECISION, folds: int = DEFAULT_FOLDS,
                      cache_dir: Path | None = None) -> Backoff:
        """Embed the examples, train the classifier, calibrate the threshold (or take the one given)."""
        exs = _dedupe(examples)
        if not any(e.code for e in exs):
            raise ValueError("the back-off needs at least one example with a CAMEO code")
        key = _cache_key(encoder.model_id, exs, target_precision, folds)
        built = _read_cache(cache_dir, key, len(exs)) if cache_dir is not None else None
        if built is None:
            matrix = encoder.encode([e.text for e in exs])
            with one_blas_thread():
                model = SoftmaxModel.fit(matrix, [e.root for e in exs])
                built = matrix, model, calibrate(exs, matrix, target_precision=target_precision, folds=folds)
            if cache_dir is not None:
                _write_cache(cache_dir, key, *built)
        matrix, model, cal = built
        if threshold is not None:
            cal = replace(cal, threshold=threshold)
        return cls(encoder, exs, matrix, model, cal)

    def nearest(self, texts: list[str]) -> list[Prediction | None]:
        """The predicted root's nearest example for each text, whatever the probability
        (None where "no event" is predicted)."""
        if not texts:
            return []
        vecs = self.encoder.encode(texts)
        with one_blas_thread():
            probs = self.model.proba(vecs)
            sims = vecs @ self.matrix.T
        out: list[Prediction | None] = []
        for row, p in enumerate(probs):
            root = self.model.classes[int(p.argmax())]
            if root == NO_EVENT:
                out.append(None)
                continue
            members = self._members[root]
            best = int(members[int(sims[row, members].argmax())])
            ex = self.examples[best]
            assert ex.code is not None
            out.append(Prediction(ex.code, round(float(sims[row, best]), 4), ex.example_id, ex.text,
                                  round(float(p.max()), 4)))
        return out

    def classify(self, texts: list[str]) -> list[Prediction | None]:
        """A prediction per text, or None where the back-off abstains."""
        return [p if p is not None and p.probability >= self.threshold and p.similarity >= MIN_SIMILARITY
                else None for p in self.nearest(texts)]


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()  # finding the loaded BLAS libraries is the slow part: once per process


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS uses one thread: these products are small, and several BLAS
    threads per coder process spin against each other (measured: 30x the CPU time on 2 cores)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def fold_of(group: str, folds: int) -> int:
    """The cross-validation fold of a group (a stable hash, so runs are reproducible)."""
    return int(hashlib.sha1(group.encode("utf-8")).hexdigest(), 16) % folds


def held_out_probabilities(examples: Sequence[Example], matrix: np.ndarray, folds: int = DEFAULT_FOLDS
                           ) -> list[tuple[str, float]]:
    """(predicted root, probability) of each example from a model trained without its fold."""
    fold = np.array([fold_of(e.group, folds) for e in examples])
    labels = [e.root for e in examples]
    out: list[tuple[str, float]] = [(NO_EVENT, 0.0)] * len(examples)
    for k in range(folds):
        test = np.flatnonzero(fold == k)
        train = np.flatnonzero(fold != k)
        if not len(test) or len({labels[i] for i in train}) < 2:
            continue
        model = SoftmaxModel.fit(matrix[train], [labels[i] for i in train])
        probs = model.proba(matrix[test])
        for i, p in zip(test, probs, strict=True):
            out[int(i)] = (model.classes[int(p.argmax())], float(p.max()))
    return out


def calibrate(examples: Sequence[Example], matrix: np.ndarray, *,
              target_precision: float = DEFAULT_TARGET_PRECISION, folds: int = DEFAULT_FOLDS) -> Calibration:
    """The lowest probability threshold whose held-out root-level precision reaches `target_precision`."""
    held = held_out_probabilities(examples, matrix, folds)
    scored = sorted(((prob, root == ex.root) for ex, (root, prob) in zip(examples, held, strict=True)
                     if root != NO_EVENT), key=lambda s: -s[0])
    n_events = sum(1 for e in examples if e.code)
    threshold, precision, covered, correct = 1.0, 1.0, 0, 0
    for n, (prob, ok) in enumerate(scored, start=1):
        correct += ok
        at_tie_end = n == len(scored) or scored[n][0] < prob
        if at_tie_end and correct / n >= target_precision:
            threshold, precision, covered = prob, correct / n, correct
    accuracy = sum(root == ex.root for ex, (root, _) in zip(examples, held, strict=True)) / len(examples)
    return Calibration(
        threshold=math.floor(threshold * 10_000) / 10_000,  # rounded down: never above the chosen example
        target_precision=target_precision, precision=round(precision, 4),
        coverage=round(covered / n_events, 4) if n_events else 0.0, accuracy=round(accuracy, 4),
        n_examples=len(examples), n_counter_examples=len(examples) - n_events, folds=folds,
    )


FIT_VERSION = "softmax-1"  # change when training or calibration changes: old caches are then ignored


def _cache_key(model_id: str, examples: Sequence[Example], target_precision: float, folds: int) -> str:
    parts = [FIT_VERSION, model_id, f"{target_precision}:{folds}",
             *(f"{e.code}\t{e.group}\t{e.text}" for e in examples)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24]


def _read_cache(cache_dir: Path, key: str, n: int) -> tuple[np.ndarray, SoftmaxModel, Calibration] | None:
    path = Path(cache_dir) / f"backoff-{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            matrix, cal_values = z["matrix"], z["calibration"]
            model = SoftmaxModel(tuple(str(c) for c in z["classes"]), z["weights"], z["bias"], float(z["scale"]))
    except (OSError, ValueError, KeyError):
        return None  # unreadable: rebuild and overwrite
    if matrix.shape[0] != n:
        return None
    names = [f for f in Calibration.__dataclass_fields__]
    values = dict(zip(names, cal_values.tolist(), strict=True))
    for name in ("n_examples", "n_counter_examples", "folds"):
        values[name] = int(values[name])
    return matrix, model, Calibration(**values)


def _write_cache(cache_dir: Path, key: str, matrix: np.ndarray, model: SoftmaxModel, cal: Calibration) -> None:
    """Atomic write (temporary file, then rename) of everything `from_examples` builds."""
    path = Path(cache_dir) / f"backoff-{key}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    cal_values = np.array([float(getattr(cal, f)) for f in Calibration.__dataclass_fields__])
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, matrix=matrix, classes=np.array(model.classes), weights=model.weights,
                     bias=model.bias, scale=np.array(model.scale), calibration=cal_values)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _dedupe(examples: Iterable[Example]) -> list[Example]:
    seen: set[str] = set()
    out = []
    for e in examples:
        key = " ".join(e.text.lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(e)
    return out


def load_examples(seeds_dir: Path, schemas_dir: Path, names: Sequence[str] = EXAMPLE_SEEDS) -> list[Example]:
    """The reference examples of the given seeds; a seed that does not exist yet is skipped."""
    out: list[Example] = []
    for name in names:
        try:
            rows = read_seed_table(seeds_dir, schemas_dir, name)
        except SeedError as exc:
            if "not found" in str(exc):
                continue
            raise
        out.extend(_examples_of(name, rows))
    return out


def _examples_of(name: str, rows: Sequence[dict[str, object]]) -> Iterable[Example]:
    for n, row in enumerate(rows, start=1):
        text = row.get("text") if name == "backoff_examples" else row.get("example")
        if not isinstance(text, str) or not text.strip():
            continue
        code = row.get("code") or row.get("cameo_code")
        rid = str(row.get("id") or n)
        # vocabulary entries of one lemma (say "comment on" and "comment about") are near-paraphrases:
        # one group, so calibration never lets one vouch for another
        group = str(row.get("group") or (f"lemma:{row['lemma']}".lower() if row.get("lemma") else rid))
        yield Example(f"{name}:{rid}", str(code) if code else None, text.strip(), f"{name}:{group}")
