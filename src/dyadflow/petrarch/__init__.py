"""PETRARCH/TABARI dictionary compatibility: readers, conversion to the Lexicon, a PETRARCH-style coder."""

from dyadflow.petrarch.dictionaries import Diagnostic, PetrarchDictionaries, read_dictionary_folder
from dyadflow.petrarch.lexicon import PetrarchLexicon, load_petrarch_lexicon

__all__ = [
    "Diagnostic",
    "PetrarchCoder",
    "PetrarchDictionaries",
    "PetrarchLexicon",
    "code_article_petrarch",
    "load_petrarch_lexicon",
    "read_dictionary_folder",
]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name in ("code_article_petrarch", "PetrarchCoder"):  # lazy: the coder imports spaCy
        from dyadflow.petrarch import coder

        return getattr(coder, name)
    raise AttributeError(name)
