"""Input sources: each yields Articles or Rejects; nothing is dropped silently."""

from dyadflow.sources.base import ExtractResult, Source, SourceItem
from dyadflow.sources.local import SUPPORTED_SUFFIXES, LocalFileSource

__all__ = ["ExtractResult", "LocalFileSource", "SUPPORTED_SUFFIXES", "Source", "SourceItem"]
