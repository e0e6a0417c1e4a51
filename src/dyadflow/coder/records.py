"""Typed records the coder's stages pass along: actor mentions, the mentions of a sentence,
predicate candidates and the events stage's decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from spacy.tokens import Token

from dyadflow.lexicon.model import CameoCode, VerbPattern
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


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a drafted event: what the shared Event builder needs of an actor."""

    text: str
    code: str | None  # None: an unattributed act's unnamed source
    country: str | None = None  # ISO3
    role: str | None = None
    span: tuple[int, int] | None = None  # document characters of the mention (None: no text of its own)
    metonym: bool = False  # a country or capital standing for its government: not the event's place


@dataclass(frozen=True, slots=True)
class Draft:
    """One directed event a coder decided on (either coder), before the shared builder
    (coder.events.build_event) adds the date, place, PLOVER and ACLED types and fatalities."""

    trigger: Token
    code: str
    info: CameoCode | None  # the code's CAMEO row (None: a dictionary code kept as it is)
    source: Party
    target: Party | None
    rule_id: str
    confidence: float
    modality: Modality = Modality.ASSERTED
    military: bool = False  # material conflict: the target's territory is the fallback place
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def cameo_code(self) -> str:
        return self.code

    @property
    def cameo_root(self) -> str:
        return self.info.root if self.info is not None else self.code[:2]

    @property
    def source_code(self) -> str | None:
        return self.source.code

    @property
    def target_code(self) -> str | None:
        return self.target.code if self.target is not None else None

    @property
    def source_text(self) -> str:
        return self.source.text

    @property
    def target_text(self) -> str | None:
        return self.target.text if self.target is not None else None

    @property
    def char_start(self) -> int:
        """First character of the evidence: the trigger and both parties' mentions."""
        return min([self.trigger.idx] + [p.span[0] for p in (self.source, self.target) if p and p.span])

    @property
    def char_end(self) -> int:
        return max([self.trigger.idx + len(self.trigger.text)]
                   + [p.span[1] for p in (self.source, self.target) if p and p.span])
