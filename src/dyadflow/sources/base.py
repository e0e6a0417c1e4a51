"""The source protocol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from dyadflow.records import Article, Reject

SourceItem = Article | Reject


class Source(Protocol):
    """Anything that produces articles (or rejects with reasons) for one run."""

    def items(self, run_id: str) -> Iterator[SourceItem]:
        """Yield every input as an Article or a Reject."""
        ...


@dataclass
class ExtractResult:
    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
