"""Input sources: each yields Articles or Rejects; nothing is dropped silently."""

from dyadflow.sources.base import ExtractResult, Source, SourceItem
from dyadflow.sources.local import LocalFileSource, SUPPORTED_SUFFIXES

__all__ = ["ExtractResult", "LocalFileSource", "SUPPORTED_SUFFIXES", "Source", "SourceItem"]
