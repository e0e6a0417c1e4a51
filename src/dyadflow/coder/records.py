"""Typed records the coder's stages pass along: actor mentions, the mentions of a sentence,
predicate candidates and the events stage's decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from spacy.tokens import Token

from dyadflow.lexicon.model import VerbPattern
from dyadflow.records import Modality

if TYPE_CHECKING:  # pragma: no cover
    pass


@dataclass(frozen=True, slots=True)
class Mention:
    """One actor mention: token span in the doc, composed CAMEO code and how it was found."""

    start: int
    end: int
    head: int
    country: str | None
    role: str | None
    text: str
    kind: str  # actor | agent | country | capital | demonym | pronoun | name
    person: bool = False
    metonym: bool = False  # a bare country/capital/demonym: role depends on the event
    modifier: bool = False  # only a modifier of another noun ("Syrian land")
    via: str = "lexicon"  # lexicon | compose | coref | name
    actor_id: str | None = None
    fixed_code: str | None = None  # a complete code from the lexicon (IGOUNO, KURREB)
    countries: tuple[str, ...] = ()  # several countries for "ministers of A, B and C"
    members: tuple[Mention, ...] = ()  # the referents of a group ("the parties", "both sides")

    def code(self, military: bool = False, territorial: bool = False) -> str | None:
        """The CAMEO actor code; a metonym is GOV, or MIL in a military event."""
        if self.fixed_code:
            return self.fixed_code
        role = self.role
        if self.metonym and role is None:
            if territorial:
                role = ""
            else:
                role = "MIL" if military else "GOV"
        if self.country and role is not None:
            return f"{self.country}{role}"
        if self.country:
            return self.country
        return role or None

    @property
    def identified(self) -> bool:
        """The mention denotes a codable actor: it has a country or a complete dictionary code."""
        return self.country is not None or self.fixed_code is not None

    def expand(self) -> list[Mention]:
        """One mention per referent: a group's members, or one per country when it names several."""
        if self.members:
            return [replace(m, start=self.start, end=self.end, head=self.head, text=self.text, via="group",
                            modifier=False, members=()) for m in self.members]
        if len(self.countries) <= 1:
            return [self]
        return [replace(self, country=c, countries=(c,)) for c in self.countries]


class SentenceActors:
    """The mentions of one sentence, indexed by token."""

    def __init__(self, mentions: list[Mention], outlet_tokens: set[int], speaker: Mention | None) -> None:
        self.mentions = mentions
        self.by_token: dict[int, Mention] = {}
        for m in mentions:
            for i in range(m.start, m.end):
                self.by_token.setdefault(i, m)
            self.by_token[m.head] = m
        self.outlet_tokens = outlet_tokens
        self.speaker = speaker

    def at(self, tok: Token) -> Mention | None:
        return self.by_token.get(tok.i)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One matched pattern with its actors (before expansion into directed events)."""

    trigger: Token
    pattern: VerbPattern
    code: str
    sources: tuple[Mention, ...]
    targets: tuple[Mention, ...]
    modality: Modality = Modality.ASSERTED
    rule_suffix: str = ""
    confidence: float = 0.8
    clause: Token | None = None  # the verb whose clause dates the event
    place_country: str | None = None  # the sentence's locative country ("met in Moscow" -> RUS)
    territorial_targets: frozenset[int] = frozenset()  # target heads reached via in/into
    speakers: tuple[Mention, ...] = ()  # who claims a claimed act
    claim_verb: Token | None = None  # the verb of the claim ("claimed", "alleged")
