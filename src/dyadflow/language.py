"""The language of an article: declared (front matter / JSON `language`) or detected with py3langid.

The coder has an English model only (settings.languages lists the languages with a configured
model); an article in another language would be coded with the wrong model and give nothing, so
the extract step rejects it with a reason instead. Detection is used only when nothing is
declared, and only a confident result on enough text counts: short or mixed text stays English.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DEFAULT_LANGUAGE = "en"
MIN_DETECT_CHARS = 60  # shorter texts are not judged (a headline-sized text is too little evidence)
MIN_PROBABILITY = 0.9
SAMPLE_CHARS = 3000  # the start of the text is enough to tell the language


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language code and how it was found ("declared", "detected" or "default")."""

    code: str
    how: str
    probability: float | None = None


def normalise_language(value: str) -> str:
    """The primary subtag in lower case: 'EN-gb' -> 'en', 'pt_BR' -> 'pt'."""
    return value.strip().replace("_", "-").split("-", 1)[0].lower()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier with its bundled model (loaded once per process, no download)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> LanguageGuess:
    """The detected language of a text, or the default when the text is too short or unclear."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_DETECT_CHARS:
        return LanguageGuess(DEFAULT_LANGUAGE, "default")
    code, prob = _identifier().classify(sample)
    if prob < MIN_PROBABILITY:
        return LanguageGuess(DEFAULT_LANGUAGE, "default", float(prob))
    return LanguageGuess(str(code), "detected", float(prob))


def article_language(declared: str | None, text: str) -> LanguageGuess:
    """The declared language when there is one, else the detected one."""
    if declared and declared.strip():
        return LanguageGuess(normalise_language(declared), "declared")
    return detect_language(text)


def unsupported_reason(guess: LanguageGuess, languages: tuple[str, ...]) -> str | None:
    """The reject reason for an article whose language has no configured model, else None."""
    if guess.code in languages:
        return None
    how = "declared" if guess.how == "declared" else f"detected, p={guess.probability:.2f}"
    return (f"language {guess.code!r} ({how}) has no model configured (configured: {', '.join(languages)}; "
            "set DYADFLOW_LANGUAGES to add one)")
