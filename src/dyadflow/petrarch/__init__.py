"""PETRARCH/TABARI dictionary compatibility: readers, conversion to the Lexicon, a PETRARCH-style coder."""

from dyadflow.petrarch.dictionaries import Diagnostic, PetrarchDictionaries, read_dictionary_folder
from dyadflow.petrarch.lexicon import PetrarchLexicon, load_petrarch_lexicon

__all__ = [
    "Diagnostic",
    "PetrarchDictionaries",
    "PetrarchLexicon",
    "code_article_petrarch",
    "load_petrarch_lexicon",
    "read_dictionary_folder",
]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name == "code_article_petrarch":  # lazy: the coder imports spaCy
        from dyadflow.petrarch.coder import code_article_petrarch

        return code_article_petrarch
    raise AttributeError(name)
