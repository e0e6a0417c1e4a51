"""CAMEO -> ACLED classification: event_type, sub_event_type and the interaction code.

Built once from three seeds (read through dyadflow.seeds.read_seed_table) into a frozen
`AcledCrosswalk`; classifying an event reads no files:

    crosswalk = load_crosswalk(settings.seeds_dir, settings.schemas_dir)
    event_type, sub_event_type, interaction = crosswalk.classify(event)

Rules (seeds/cameo_acled_crosswalk.csv): a row matches when its cameo_code is a prefix of the
event's code and its optional source_inter / target_inter conditions hold and every signal word
list it names (`signals`, '|'-separated) occurs in the event's words; the longest prefix wins, then
the row with more signal lists (the words name the instrument or setting: a suicide bomb that kills
civilians is a Suicide bomb), then the row with more inter conditions, then the earlier row.
Signal word lists (seeds/acled_signal_words.csv) follow ACLED's sub-event definitions: the
instrument ("a grenade was hurled" -> Grenade), the object and act ("seized a weapons cache" ->
Disrupted weapons use), the setting ("police fired tear gas at protesters" -> Protest with
intervention). A term matches whole words of the event's sentence (the back-off's whole text),
case-folded, '*' ending a term matches any word ending, a space or hyphen any run of spaces and
hyphens; a term with scope 'trigger' matches only the event's trigger word (the sentence when the
event has none); a term written '!term' excludes its matches ('!stun grenade*': a stun grenade is
no grenade attack). Non-violent CAMEO codes that ACLED has no category for (most of roots 01-13,
16, 17) are "Strategic developments" with sub_event_type None; the
`acled_export` view writes "Other" for those so every exported row has a valid ACLED pair.

Actor types (seeds/acled_actor_roles.csv): an actor's ACLED inter code comes from its role
(source_role / target_role) or, when absent, from the 3-letter segments of its CAMEO code
(TURMIL -> MIL -> 1); the segment with the best (lowest) priority wins. A bare 3-letter code
(a country: "Turkey said") counts as State forces (1); any other unrecognised code as
External/Other (8). A violent event (roots 18-20) whose perpetrator is unnamed (no source) has
ACLED's "Unidentified Armed Group" as actor1: Political militia (3). Protest events (root 14)
make the source Protesters (6), riots (145x) Rioters (5), unless the source is State forces;
peaceful protests are one-sided (60).
interaction = the two inter codes, lower first ("17"); a one-sided event is X0 ("60").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from dyadflow.records import Event
from dyadflow.seeds import SeedError, read_seed_table, split_list

STATE, REBEL, MILITIA, PROTESTERS, RIOTERS, CIVILIANS, OTHER = 1, 2, 3, 6, 5, 7, 8
# CAMEO roots of political violence: an unnamed perpetrator is ACLED's "Unidentified Armed Group"
VIOLENT_ROOTS = ("18", "19", "20")

Classification = tuple[str | None, str | None, int | None]


@dataclass(frozen=True, slots=True)
class CrosswalkRule:
    """One row of seeds/cameo_acled_crosswalk.csv."""

    cameo_code: str
    source_inter: int | None
    target_inter: int | None
    event_type: str
    sub_event_type: str | None
    signals: tuple[str, ...] = ()  # signal word lists that must all occur in the event's words

    def matches(self, code: str, source_inter: int | None, target_inter: int | None,
                present: frozenset[str] = frozenset()) -> bool:
        return (
            code.startswith(self.cameo_code)
            and (self.source_inter is None or self.source_inter == source_inter)
            and (self.target_inter is None or self.target_inter == target_inter)
            and all(s in present for s in self.signals)
        )

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Longest code prefix, then more signal lists (the words name the act), then more inter codes."""
        return (
            len(self.cameo_code),
            len(self.signals),
            (self.source_inter is not None) + (self.target_inter is not None),
        )


def _term_regex(term: str) -> str:
    """A signal term as a regex over case-folded text from a word start: whole words, '*' = any
    word ending (the word-start check is shared by all of a list's terms: `_alternation`)."""
    stem, wild = (term[:-1], True) if term.endswith("*") else (term, False)
    words = [re.escape(w) for w in re.split(r"[\s\-]+", stem.strip()) if w]
    return r"[\s\-]+".join(words) + (r"\w*" if wild else r"(?!\w)")


def _alternation(terms: list[str]) -> re.Pattern[str] | None:
    """One regex for a list's terms, longest first, each starting at a word start."""
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(_term_regex(t) for t in sorted(terms, key=len, reverse=True)) + ")")


@dataclass(frozen=True, slots=True)
class SignalList:
    """One named signal word list (seeds/acled_signal_words.csv), compiled once."""

    name: str
    sentence: re.Pattern[str] | None  # terms matched in the event's sentence
    trigger: re.Pattern[str] | None  # terms matched in the event's trigger (its sentence if none)
    exclude: re.Pattern[str] | None  # '!' terms: their matches hide the terms they contain

    @classmethod
    def build(cls, name: str, terms: list[tuple[str, str]]) -> SignalList:
        return cls(
            name,
            _alternation([t for t, sc in terms if not t.startswith("!") and sc != "trigger"]),
            _alternation([t for t, sc in terms if not t.startswith("!") and sc == "trigger"]),
            _alternation([t[1:] for t, _ in terms if t.startswith("!")]),
        )

    def occurs(self, sentence: str, trigger: str | None) -> bool:
        """Whether a term occurs in the (case-folded) sentence or trigger, outside excluded phrases."""
        for pattern, text in ((self.sentence, sentence), (self.trigger, sentence if trigger is None else trigger)):
            if pattern is None or not text:
                continue
            hidden = [m.span() for m in self.exclude.finditer(text)] if self.exclude is not None else []
            for m in pattern.finditer(text):
                if not any(a <= m.start() and m.end() <= b for a, b in hidden):
                    return True
        return False


@dataclass(frozen=True, slots=True)
class RoleInter:
    """A CAMEO role segment's ACLED inter code and its priority (lower wins)."""

    inter_code: int
    priority: int


@dataclass(frozen=True)
class AcledCrosswalk:
    """The CAMEO -> ACLED crosswalk and actor-role table, frozen; `classify` is pure."""

    rules: tuple[CrosswalkRule, ...]
    roles: Mapping[str, RoleInter]
    signals: Mapping[str, SignalList] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        # rule positions by cameo_code, built once: `rule_for` looks only at the code's prefixes
        by_prefix: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            by_prefix.setdefault(rule.cameo_code, []).append(i)
        object.__setattr__(self, "_by_prefix", {k: tuple(v) for k, v in by_prefix.items()})  # picklable

    def actor_inter(self, code: str | None, role: str | None) -> int | None:
        """ACLED inter code (1-8) of one actor, None when there is no actor."""
        if not code and not role:
            return None
        found: list[RoleInter] = []
        if role and role.upper() in self.roles:
            found.append(self.roles[role.upper()])
        if code:
            up = code.upper()
            found.extend(self.roles[up[i : i + 3]] for i in range(0, len(up) - 2, 3) if up[i : i + 3] in self.roles)
        if found:
            return min(found, key=lambda r: (r.priority, r.inter_code)).inter_code
        if code and len(code) == 3:
            return STATE
        return OTHER

    def inters(self, event: Event) -> tuple[int | None, int]:
        """(inter1, inter2) of an event with ACLED's conventions; inter2 = 0 when one-sided."""
        inter1 = self.actor_inter(event.source_code, event.source_role)
        inter2 = self.actor_inter(event.target_code, event.target_role) or 0
        code = event.cameo_code
        if inter1 is None and code.startswith(VIOLENT_ROOTS):
            inter1 = MILITIA  # ACLED's "Unidentified Armed Group"
        if code.startswith("14") and inter1 != STATE:
            inter1 = RIOTERS if code.startswith("145") else PROTESTERS
            if not code.startswith("145"):
                inter2 = 0
        return inter1, inter2

    def rule_for(self, code: str, source_inter: int | None, target_inter: int | None,
                 event: Event | None = None) -> CrosswalkRule | None:
        """The best rule for a code and inter codes; rules with signal words need the `event`
        (its sentence and trigger) and never match without it."""
        best: CrosswalkRule | None = None
        by_prefix: Mapping[str, tuple[int, ...]] = self._by_prefix  # type: ignore[attr-defined]
        found = sorted(i for n in range(len(code) + 1) for i in by_prefix.get(code[:n], ()))
        candidates = [self.rules[i] for i in found]  # in table order, as a scan of all rules
        present = self.signals_present(event, {s for r in candidates for s in r.signals})
        for rule in candidates:
            if rule.matches(code, source_inter, target_inter, present) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best

    def signals_present(self, event: Event | None, names: set[str]) -> frozenset[str]:
        """Which of the named signal word lists occur in the event's sentence or trigger."""
        if event is None or not names:
            return frozenset()
        sentence = (event.sentence or "").casefold()
        trig = (event.extras or {}).get("trigger")
        trigger = str(trig).casefold() if trig else None
        return frozenset(n for n in names if n in self.signals and self.signals[n].occurs(sentence, trigger))

    def classify(self, event: Event) -> Classification:
        """(event_type, sub_event_type, interaction) of one coded event."""
        inter1, inter2 = self.inters(event)
        rule = self.rule_for(event.cameo_code, inter1, inter2, event)
        return (
            rule.event_type if rule else None,
            rule.sub_event_type if rule else None,
            interaction_code(inter1, inter2),
        )


def interaction_code(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED interaction: both inter codes, lower first; X0 for one-sided; None without actor1."""
    if inter1 is None:
        return None
    if not inter2:
        return inter1 * 10
    low, high = sorted((inter1, inter2))
    return low * 10 + high


def load_crosswalk(seeds_dir: Path, schemas_dir: Path) -> AcledCrosswalk:
    """Build the frozen crosswalk from the seeds (validated; sub-event pairs checked against ACLED's)."""
    valid_pairs = {
        (r["event_type"], r["sub_event_type"]) for r in read_seed_table(seeds_dir, schemas_dir, "acled_event_types")
    }
    rules = []
    for r in read_seed_table(seeds_dir, schemas_dir, "cameo_acled_crosswalk"):
        if r["sub_event_type"] is not None and (r["event_type"], r["sub_event_type"]) not in valid_pairs:
            raise SeedError(
                f"cameo_acled_crosswalk: {r['cameo_code']}: ({r['event_type']!r}, {r['sub_event_type']!r}) "
                "is not an ACLED event/sub-event pair (seeds/acled_event_types.csv)"
            )
        rules.append(
            CrosswalkRule(r["cameo_code"], r["source_inter"], r["target_inter"], r["event_type"], r["sub_event_type"],
                          split_list(r.get("signals")))
        )
    roles = {
        r["role"]: RoleInter(r["inter_code"], r["priority"])
        for r in read_seed_table(seeds_dir, schemas_dir, "acled_actor_roles")
    }
    named = {s for rule in rules for s in rule.signals}
    terms: dict[str, list[tuple[str, str]]] = {}
    if named:
        for r in read_seed_table(seeds_dir, schemas_dir, "acled_signal_words"):
            terms.setdefault(r["signal"], []).append((r["term"].casefold(), r.get("scope") or "sentence"))
    unknown = sorted(named - set(terms))
    if unknown:
        raise SeedError(f"cameo_acled_crosswalk: signal lists {unknown} are not in seeds/acled_signal_words.csv")
    signals = {name: SignalList.build(name, ts) for name, ts in terms.items()}
    return AcledCrosswalk(rules=tuple(rules), roles=MappingProxyType(roles), signals=MappingProxyType(signals))


def classify(event: Event, crosswalk: AcledCrosswalk) -> Classification:
    """Functional form of AcledCrosswalk.classify."""
    return crosswalk.classify(event)
