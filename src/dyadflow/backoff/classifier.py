"""The learned back-off: a CAMEO code for a clause no vocabulary entry matched, by similarity.

Each reference example (the project's own: the `example` of every seeds/event_vocabulary.jsonl
entry and the texts of seeds/backoff_examples.jsonl, whose rows with no code are counter-
examples: sentences that report no event) is embedded once. A clause's `k` nearest examples
vote for a CAMEO root, each with its cosine similarity (counter-examples vote for "no event");
the winning root's share of the vote is the prediction's `agreement`, and the clause gets the
code and id of its nearest example of that root. The back-off abstains (None) when "no event"
wins, when the agreement is below the calibrated threshold, or when even the nearest example is
less similar than MIN_SIMILARITY. (Sentence embeddings are topical: "imposed a blockade" and
"eased the blockade" are close, so one nearest example is a weak signal; the agreement of
several is a much better one.)

The threshold is calibrated when the back-off is built, on the examples alone: each example is
classified by the others (leave-one-out, skipping examples of the same group, i.e. the same
vocabulary entry or paraphrase set), and the threshold is the lowest agreement at which the
held-out predictions at or above it reach `target_precision` at the CAMEO root level (a
counter-example given a code counts as wrong). Nothing is fitted to evaluation data.

    backoff = Backoff.load(settings.seeds_dir, settings.schemas_dir)   # once, then inject it
    backoff.classify(["the two navies held joint manoeuvres off the coast"])
    # [Prediction(cameo_code='062', similarity=0.71, example_id='backoff_examples:062.drill.1', ...)]
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dyadflow.backoff.encoder import Encoder, MiniLMEncoder
from dyadflow.seeds import SeedError, read_seed_table

RULE_PREFIX = "backoff"
DEFAULT_TARGET_PRECISION = 0.80
DEFAULT_K = 10
MIN_SIMILARITY = 0.30  # abstain when even the nearest example is less similar than this
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
    """The back-off's answer for one clause: the nearest example of the winning root."""

    cameo_code: str
    similarity: float  # cosine similarity to that example
    example_id: str
    example_text: str
    agreement: float  # share of the k nearest examples' similarity-weighted vote for this root

    @property
    def rule_id(self) -> str:
        """What an event coded from this prediction names in its `rule_id`."""
        return f"{RULE_PREFIX}:{self.example_id}"


@dataclass(frozen=True, slots=True)
class Calibration:
    """How the agreement threshold was chosen (leave-one-out over the examples)."""

    threshold: float  # minimum agreement
    target_precision: float
    precision: float  # root-level precision of held-out predictions at or above the threshold
    coverage: float  # share of held-out event examples given a code at or above it
    n_examples: int
    n_counter_examples: int
    k: int


class Backoff:
    """k-nearest-example CAMEO classifier over sentence embeddings, with a calibrated threshold."""

    def __init__(self, encoder: Encoder, examples: Sequence[Example], matrix: np.ndarray,
                 calibration: Calibration) -> None:
        self.encoder = encoder
        self.examples = tuple(examples)
        self.matrix = matrix
        self.calibration = calibration
        self._roots = np.array([e.root for e in self.examples], dtype=object)

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    @classmethod
    def load(cls, seeds_dir: Path, schemas_dir: Path, *, encoder: Encoder | None = None,
             threshold: float | None = None, k: int = DEFAULT_K,
             target_precision: float = DEFAULT_TARGET_PRECISION, cache_dir: Path | None = None) -> Backoff:
        """Build from the project's example seeds; the encoder defaults to MiniLMEncoder.load().

        With `cache_dir`, the examples' embeddings are kept there (one .npy file named by a hash of
        the model and the example texts) so that later loads skip encoding them.
        """
        examples = load_examples(seeds_dir, schemas_dir)
        return cls.from_examples(examples, encoder or MiniLMEncoder.load(), threshold=threshold, k=k,
                                 target_precision=target_precision, cache_dir=cache_dir)

    @classmethod
    def from_examples(cls, examples: Iterable[Example], encoder: Encoder, *,
                      threshold: float | None = None, k: int = DEFAULT_K,
                      target_precision: float = DEFAULT_TARGET_PRECISION,
                      cache_dir: Path | None = None) -> Backoff:
        """Embed the examples and calibrate the agreement threshold (or take the one given)."""
        exs = _dedupe(examples)
        if not any(e.code for e in exs):
            raise ValueError("the back-off needs at least one example with a CAMEO code")
        matrix = _embed([e.text for e in exs], encoder, cache_dir)
        cal = calibrate(exs, matrix, k=k, target_precision=target_precision)
        if threshold is not None:
            cal = replace(cal, threshold=threshold)
        return cls(encoder, exs, matrix, cal)

    def nearest(self, texts: list[str]) -> list[Prediction | None]:
        """The vote's winner for each text whatever its agreement (None: "no event" won)."""
        if not texts:
            return []
        sims = self.encoder.encode(texts) @ self.matrix.T
        return [_vote(self.examples, self._roots, row, None, self.calibration.k) for row in sims]

    def classify(self, texts: list[str]) -> list[Prediction | None]:
        """A prediction per text, or None where the back-off abstains."""
        return [p if p is not None and p.agreement >= self.threshold and p.similarity >= MIN_SIMILARITY
                else None for p in self.nearest(texts)]


def _vote(examples: Sequence[Example], roots: np.ndarray, sims: np.ndarray, exclude: np.ndarray | None,
          k: int) -> Prediction | None:
    """Similarity-weighted vote of the k nearest examples (those in `exclude` skipped)."""
    if exclude is not None:
        sims = np.where(exclude, -np.inf, sims)
    k = min(k, int(np.isfinite(sims).sum()))
    if k <= 0:
        return None
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top])]
    votes: dict[str, float] = {}
    for j in top:
        votes[roots[j]] = votes.get(roots[j], 0.0) + max(float(sims[j]), 0.0)
    total = sum(votes.values())
    if total <= 0:
        return None
    root = max(votes, key=lambda r: (votes[r], -min(i for i, j in enumerate(top) if roots[j] == r)))
    if root == NO_EVENT:
        return None
    best = next(int(j) for j in top if roots[j] == root)
    ex = examples[best]
    assert ex.code is not None
    return Prediction(ex.code, round(float(sims[best]), 4), ex.example_id, ex.text, round(votes[root] / total, 4))


def _embed(texts: list[str], encoder: Encoder, cache_dir: Path | None) -> np.ndarray:
    """The texts' embeddings, read from / written to `cache_dir` when given (atomic write)."""
    if cache_dir is None:
        return encoder.encode(texts)
    key = hashlib.sha256("\n".join([encoder.model_id, *texts]).encode("utf-8")).hexdigest()[:24]
    path = Path(cache_dir) / f"backoff-examples-{key}.npy"
    if path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == len(texts):
                return cached
        except (OSError, ValueError):
            pass  # unreadable cache: encode again and overwrite it
    matrix = encoder.encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, matrix, allow_pickle=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return matrix


def _dedupe(examples: Iterable[Example]) -> list[Example]:
    seen: set[str] = set()
    out = []
    for e in examples:
        key = " ".join(e.text.lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(e)
    return out


def held_out_predictions(examples: Sequence[Example], matrix: np.ndarray, k: int = DEFAULT_K
                         ) -> list[Prediction | None]:
    """Each example classified by the others (leave-one-out; its own group left out)."""
    roots = np.array([e.root for e in examples], dtype=object)
    groups = np.array([e.group for e in examples], dtype=object)
    sims = matrix @ matrix.T
    return [_vote(examples, roots, sims[i], groups == groups[i], k) for i in range(len(examples))]


def calibrate(examples: Sequence[Example], matrix: np.ndarray, *, k: int = DEFAULT_K,
              target_precision: float = DEFAULT_TARGET_PRECISION) -> Calibration:
    """The lowest agreement threshold whose held-out root-level precision reaches `target_precision`."""
    scored = []  # (agreement, correct) of held-out examples given a code
    for ex, pred in zip(examples, held_out_predictions(examples, matrix, k), strict=True):
        if pred is not None and pred.similarity >= MIN_SIMILARITY:
            scored.append((pred.agreement, pred.cameo_code[:2] == ex.root))
    scored.sort(key=lambda s: -s[0])
    n_events = sum(1 for e in examples if e.code)
    threshold, precision, covered, correct = 1.0, 1.0, 0, 0
    for n, (agreement, ok) in enumerate(scored, start=1):
        correct += ok
        at_tie_end = n == len(scored) or scored[n][0] < agreement
        if at_tie_end and correct / n >= target_precision:
            threshold, precision, covered = agreement, correct / n, correct
    return Calibration(
        threshold=round(threshold, 4), target_precision=target_precision, precision=round(precision, 4),
        coverage=round(covered / n_events, 4) if n_events else 0.0, n_examples=len(examples),
        n_counter_examples=len(examples) - n_events, k=k,
    )


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
