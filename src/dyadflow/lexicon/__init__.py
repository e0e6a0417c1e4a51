"""The coder's dictionaries: typed records (model) and the seed loader."""

from dyadflow.lexicon.loader import load_lexicon
from dyadflow.lexicon.model import (
    Agent,
    CameoCode,
    Country,
    Lexicon,
    NamedActor,
    Outlet,
    VerbPattern,
    fold,
)

__all__ = [
    "Agent",
    "CameoCode",
    "Country",
    "Lexicon",
    "NamedActor",
    "Outlet",
    "VerbPattern",
    "fold",
    "load_lexicon",
]
