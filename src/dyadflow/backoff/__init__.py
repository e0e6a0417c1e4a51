"""Learned back-off for the event vocabulary: a CAMEO code by similarity to the project's examples.

    from dyadflow.backoff import Backoff
    backoff = Backoff.load(settings.seeds_dir, settings.schemas_dir)   # built once, then injected
    backoff.classify(["the two navies held joint manoeuvres"])         # [Prediction(...) | None]
"""

from dyadflow.backoff.classifier import (
    Backoff,
    Calibration,
    Example,
    Prediction,
    SoftmaxModel,
    calibrate,
    held_out_probabilities,
    load_examples,
)
from dyadflow.backoff.encoder import Encoder, EncoderUnavailable, MiniLMEncoder

__all__ = [
    "Backoff",
    "Calibration",
    "Encoder",
    "EncoderUnavailable",
    "Example",
    "MiniLMEncoder",
    "Prediction",
    "calibrate",
    "SoftmaxModel",
    "held_out_probabilities",
    "load_examples",
]
