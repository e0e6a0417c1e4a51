"""Events stage: candidates become directed dyads (coordination expands, reciprocal fighting runs
both ways, an empty target where CAMEO allows and the text names none), drafted as typed `Draft`
records; every decision is recorded for `dyadflow code --explain`. `build_event` is the one Event
builder of both coders (native and PETRARCH): CAMEO code, Goldstein score, quad class, date, place
and ACLED/PLOVER types, fatalities."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from spacy.tokens import Doc, Span, Token

from dyadflow.coder import adapters
from dyadflow.coder.predicates import _intercepts
from dyadflow.coder.records import Candidate, Draft, Mention, Party, SentenceActors
from dyadflow.lexicon.model import Lexicon
from dyadflow.records import Event, Modality

CODER_VERSION = "1.3.0"  # 1.3: unknown named sources, stated refusals, party and act-reference fixes; 1.2: unattributed acts
# codes whose dyad is unordered (consult, cooperate): one event per unordered pair
SYMMETRIC_PREFIXES = ("04", "057", "060", "062", "064")
HOST_CODE = "043"
MEETING_CODES = frozenset({"040", "041", "043", "044", "046"})
THIRD_PLACE_CODE = "044"
SEIZE_CODE, OCCUPY_CODE = "171", "192"
NOBODY = frozenset({"nobody", "none", "noone"})


def _is_symmetric(code: str) -> bool:
    return code.startswith(SYMMETRIC_PREFIXES)


def _dyads(c: Candidate, military: bool, untargeted: bool = False) -> list[tuple[Mention, Mention | None, str, str]]:
    """Directed (source, target, code, rule suffix) pairs of one candidate; with `untargeted`, a
    candidate with a source and no target gives events with an empty target."""
    sources = [x for m in c.sources for x in m.expand()]
    targets = [x for m in c.targets for x in m.expand()]
    if military:
        targets = _named_over_territory(c, targets)
    if military and sources:
        # "Taliban attacks in Kunduz": a place of the source's own country is the location, not a
        # target; "airstrikes in Gaza" by a foreign force keep the territory as the target
        own = {m.country for m in sources}
        targets = [t for t in targets if not (t.head in c.territorial_targets and t.metonym and t.country in own
                                              and t.via != "object_place")]
    out: list[tuple[Mention, Mention | None, str, str]] = []
    # fighting is mutual: both directions when the pattern says both parties act ("clashed with",
    # "A and B exchanged fire"); consultations and agreements are unordered and need one row
    # protesters clashing with police is one violent protest (145), not mutual fighting
    reciprocal = c.pattern.symmetric and military and not any(
        m.role in ("CVL", "EDU", "LAB", "OPP", "REF") for m in (*c.sources, *c.targets))
    if sources and targets:
        for s, t in itertools.product(sources, targets):
            out.append((s, t, c.code, ""))
            if reciprocal:
                out.append((t, s, c.code, ".reciprocal"))
        if len(targets) > 1 and (c.code in MEETING_CODES or c.code.startswith("057")):  # "an agreement involving A, B and C"
            pair_code = THIRD_PLACE_CODE if c.code == HOST_CODE else c.code
            for a, b in itertools.combinations(targets, 2):
                if a.country != b.country:
                    out.append((a, b, pair_code, ".pairs"))
        if len(sources) > 1 and (c.code in MEETING_CODES or (_is_symmetric(c.code) and not c.code.startswith("04"))):
            for a, b in itertools.combinations(sources, 2):
                if a.country != b.country:
                    out.append((a, b, c.code, ".pairs"))
    elif len(sources) > 1 and (c.code in MEETING_CODES or (_is_symmetric(c.code) and not c.code.startswith("04"))
                               or (c.pattern.symmetric and not c.code.startswith("045"))):
        # several nations: members of one delegation do not meet each other; one nation: a
        # domestic dyad ("the army and the RSF fought")
        multinational = len({m.country for m in sources}) > 1
        for a, b in itertools.combinations(sources, 2):
            if (a.country != b.country) if multinational else (a.code(military) != b.code(military)):
                out.append((a, b, c.code, ".pairs"))
                if reciprocal:
                    out.append((b, a, c.code, ".pairs.reciprocal"))
    if not out and sources and not targets and untargeted:
        out.extend((s, None, c.code, ".notarget") for s in sources)
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """What the events stage did with one candidate dyad (for `dyadflow code --explain`)."""

    trigger: str
    pattern_id: str
    code: str
    source: str | None
    target: str | None
    outcome: str  # event | dropped
    reason: str


def sentence_drafts(
    doc: Doc, actors: SentenceActors, cands: Sequence[Candidate], lexicon: Lexicon,
) -> tuple[list[Draft], list[Decision]]:
    """The event drafts of one sentence's candidates (one per dyad and root), and why each candidate
    became an event or not."""
    best: dict[tuple[str, ...], Draft] = {}
    decisions: list[Decision] = []

    def drop(c: Candidate, reason: str, s: Mention | None = None, t: Mention | None = None) -> None:
        decisions.append(Decision(c.trigger.text, c.pattern.id, c.code, s.text if s else None, t.text if t else None,
                                  "dropped", reason))

    for c in cands:
        info = lexicon.code_info(c.code)
        if info is None:
            drop(c, f"code {c.code} not in the CAMEO table")
            continue
        if not c.modality.factual:
            refused = _refused(c, lexicon)
            if refused is None:
                drop(c, f"modality {c.modality.value}")
                continue
            c, info = refused
        military = info.root in lexicon.coder_words.military_roots
        untargeted = c.code.startswith(tuple(lexicon.coder_words.untargeted_codes)) and _names_no_other_actor(
            c, actors, lexicon)
        dyads = _dyads(c, military, untargeted=untargeted)
        if _unattributed(c, lexicon):
            for t in _unattributed_targets(c, military):
                t_code = _target_code(c, t, military)
                dr = _draft(doc, c, None, t, None, t_code, c.code, info, ".unattributed", lexicon, military)
                key = ("", t_code or "", c.code)
                if key not in best or best[key].confidence < dr.confidence:
                    best[key] = dr
                decisions.append(Decision(c.trigger.text, c.pattern.id, c.code, dr.source.text or None,
                                          t.text if t else None, "event", dr.rule_id))
            continue
        if not dyads:
            drop(c, "no source" if not c.sources else "no target (and the code needs one)")
        made, target_problem = False, not dyads and bool(c.sources)
        uncoded: list[tuple[Mention, Mention | None]] = []  # a named source with a role but no country
        if not dyads and c.modality.factual:  # "FDA officials said they agree": no target either
            uncoded = [(s, None) for s in _unlinked_candidates(c) if s.role and s.kind != "pronoun"]
        for s, t, code, suffix in dyads:
            info2 = info if code == c.code else lexicon.code_info(code)
            if info2 is None:
                drop(c, f"code {code} not in the CAMEO table", s, t)
                continue
            if t is not None:
                code, info2 = _by_actor_roles(code, info2, s, t, lexicon)
            if code == "040" and t is not None and c.place_country and c.place_country not in (s.country, t.country) \
                    and lexicon.code_info(THIRD_PLACE_CODE) is not None:
                # "Turkish and Syrian ministers met in Moscow": a meeting at a third location
                code, info2 = THIRD_PLACE_CODE, lexicon.code_info(THIRD_PLACE_CODE)
            seized_land = code == SEIZE_CODE and t is not None and t.metonym and t.kind in ("country", "capital", "place") \
                and lexicon.code_info(OCCUPY_CODE) is not None
            if seized_land:
                # "the Houthis seized Sanaa": taking a city or a territory is occupying it (192), not seizing
                # property (171); the territory is the bare country (rule events.seized_territory)
                code, info2, suffix = OCCUPY_CODE, lexicon.code_info(OCCUPY_CODE), f"{suffix}.territory"
            s_code = s.code(military=military or seized_land)
            t_code = _target_code(c, t, military or seized_land)
            if not s_code or not s.identified:
                drop(c, "source has no code", s, t)
                if s.role and s.kind != "pronoun" and (t is None or t.identified):
                    uncoded.append((s, t))
                continue
            if t is not None and (not t_code or not t.identified):
                drop(c, "target has no code", s, t)
                target_problem = True
                continue
            if t is not None and (s_code == t_code or (s.country and s.country == t.country and s.role == t.role)):
                drop(c, "source and target are the same actor", s, t)
                target_problem = True  # the target found is the source itself: the real one was not linked
                continue
            dr = _draft(doc, c, s, t, s_code, t_code, code, info2, suffix, lexicon, military)
            key = (s_code, t_code or "", code) if not _is_symmetric(code) else (*sorted((s_code, t_code or "")), code)
            if key not in best or best[key].confidence < dr.confidence:
                best[key] = dr
            decisions.append(Decision(c.trigger.text, c.pattern.id, code, s.text, t.text if t else None, "event",
                                      dr.rule_id))
            made = True
        if not made and uncoded and not any(m.identified for x in c.sources for m in x.expand()):
            # "FDA officials said they agree with X": the text names the actor but not its country; like an
            # unattributed act, no source code (its words and role kept), rule events.unidentified
            for s, t in uncoded[:1]:
                t_code = _target_code(c, t, military)
                dr = _draft(doc, c, None, t, None, t_code, c.code, info, ".unidentified", lexicon, military)
                best.setdefault(("", t_code or "", c.code), dr)
                decisions.append(Decision(c.trigger.text, c.pattern.id, c.code, s.text, t.text if t else None, "event",
                                          dr.rule_id))
        if not c.sources and not made and c.modality.factual:
            # "Papandreou agreed to resign": a named subject no dictionary knows; its words kept, no code
            # (rule events.unidentified.name), listed by `dyadflow actors --unmatched`
            named = _unknown_subject(c, actors, lexicon)
            if named is not None:
                t = next((x for m in c.targets for x in m.expand() if x.identified), None)
                t_code = _target_code(c, t, military)
                party = Party(text=named.text, code=None, span=(named.start_char, named.end_char))
                dr = _draft(doc, c, None, t, None, t_code, c.code, info, ".unidentified.name", lexicon, military,
                            unnamed=party)
                best.setdefault(("", t_code or "", c.code), dr)
                decisions.append(Decision(c.trigger.text, c.pattern.id, c.code, named.text, t.text if t else None,
                                          "event", dr.rule_id))
        if not made and target_problem:
            for s in _unlinked_sources(c, military):
                s_code = s.code(military=military)
                dr = _draft(doc, c, s, None, s_code, None, c.code, info, ".unlinked", lexicon, military)
                key = (s_code, "", c.code)
                if key not in best:
                    best[key] = dr
                decisions.append(Decision(c.trigger.text, c.pattern.id, c.code, s.text, None, "event", dr.rule_id))
    kept = _protest_demands(_one_per_root(best.values()))
    kept = _drop_untargeted_duplicates(kept)
    kept = _drop_unattributed_duplicates(kept, lexicon)
    kept_keys = {(e.source_text or None, e.target_text, e.cameo_code) for e in kept}
    decisions = [
        Decision(d.trigger, d.pattern_id, d.code, d.source, d.target, "merged",
                 f"merged into another event of the same dyad and root ({d.reason})")
        if d.outcome == "event" and (d.source, d.target, d.code) not in kept_keys else d
        for d in decisions
    ]
    return sorted(kept, key=lambda e: (e.char_start, e.cameo_code, e.source_code or "", e.target_code or "")), decisions


def _is_act_noun(tok: Token, actors: SentenceActors, lexicon: Lexicon) -> bool:
    """An object naming an act, not a party ("condemned the violence", "welcomed the renewal")."""
    return tok.pos_ == "NOUN" and actors.at(tok) is None and (
        tok.lemma_.lower() in lexicon.coder_words.act_noun_roots or (tok.lemma_.lower(), "NOUN") in lexicon.patterns_by_lemma
        or tok.lemma_.lower() in lexicon.coder_words.act_nouns or tok.lemma_.lower().endswith(("tion", "ment", "al", "ence", "ance", "ing")))


def _names_no_other_actor(c: Candidate, actors: SentenceActors, lexicon: Lexicon) -> bool:
    """An event may have an empty target only when its sentence names no actor besides its source
    (and the reporter): otherwise the target is there and was not linked, and coding none would
    be wrong (rule events.untargeted)."""
    tok = c.trigger
    if c.pattern.pos == "NOUN" and c.clause is not None and not c.pattern.gov:
        return False  # a noun's source borrowed from its governing verb: too weak to stand alone
    heads = [tok] + [ch for ch in tok.children if ch.dep_ in ("xcomp", "ccomp")]
    slots = [ch for h in heads for ch in h.children if ch.dep_ in ("dobj", "dative", "nsubjpass")]
    slots += [o for h in heads for ch in h.children
              if ch.dep_ == "prep" and ch.lower_ in ("to", "on", "against", "with", "at", "about", "of")
              for o in ch.children if o.dep_ == "pobj"]
    slots = [o for o in slots if o.lemma_.lower() not in c.pattern.obj  # "claimed responsibility": part of the predicate
             and o.ent_type_ not in ("DATE", "TIME")]  # "on Thursday"
    unnamed = lexicon.coder_words.unnamed_party_nouns
    if any(o.head.i == tok.i or o.head.head.i == tok.i for o in slots if o.lemma_.lower() in unnamed
           and actors.at(o) is None):
        return True  # "called on the perpetrators to release X": the addressee is named by no one (X is content)
    if any(o.pos_ in ("NOUN", "PROPN", "PRON") and not _is_act_noun(o, actors, lexicon) for o in slots):
        return False  # "urged the parties", "condolences to the families": a target unresolved, not absent
    own = {(m.start, m.end) for m in c.sources}
    speaker = actors.speaker
    for m in actors.mentions:
        if (m.start, m.end) in own or m.modifier or not m.identified or m.kind == "pronoun":
            continue
        if speaker is not None and m.code() == speaker.code():
            continue
        if any(m.code() == s.code() for s in c.sources):
            continue
        return False
    return True


def _unattributed(c: Candidate, lexicon: Lexicon) -> bool:
    """A factual act whose perpetrator the text does not name ("gunmen abducted two traders", "a bomb
    exploded", "dozens were arrested") is an unattributed event (rule events.unattributed): ACLED
    records it with an unidentified actor1; a dyadic CAMEO coding has no source for it."""
    words = lexicon.coder_words
    tok = c.trigger
    if not c.code.startswith(tuple(words.unattributed_codes)) and not (
            c.code.startswith(tuple(words.unattributed_passive_codes)) and _agentless_passive(tok, lexicon)):
        return False
    if any(m.identified for s in c.sources for m in s.expand()):
        return False
    if tok.dep_ == "amod" or (tok.dep_ == "acl" and not any(ch.dep_ in ("prep", "agent", "advmod", "npadvmod")
                                                              for ch in tok.children)):
        return False  # "occupied areas", "sympathy to those injured": a state or a reference, not an act
    subjects = [ch for ch in tok.children if ch.dep_ in ("nsubj", "nsubjpass")]
    if not subjects and tok.dep_ == "conj":  # "the package bans imports and targets vessels"
        subjects = [ch for ch in tok.head.children if ch.dep_ in ("nsubj", "nsubjpass")]
    for ch in subjects:
        if ch.dep_ in ("nsubj", "nsubjpass") and (ch.lower_ in NOBODY or any(d.lower_ == "no" for d in ch.children)):
            return False  # "nobody was injured", "no arrests were made"
        if ch.dep_ == "nsubj" and not c.sources and ch.pos_ == "NOUN" and not _act_or_weapon(ch, lexicon):
            return False  # "the package targets vessels": a thing is no perpetrator
        if ch.dep_ == "nsubj" and ch.tag_ == "PRP":
            return False  # "they would expel X": a perpetrator the text names, only unresolved
    return not any(m.kind == "pronoun" for m in c.sources)  # "they attacked": an actor, just unresolved


def _agentless_passive(tok: Token, lexicon: Lexicon) -> bool:
    """A finite passive with no by-agent ("the prisoners were released", "talks were held"), or an act noun
    as the passive subject of a light verb ("arrests were made"): an act the text asserts without its actor."""
    if tok.pos_ == "NOUN":
        return tok.dep_ == "nsubjpass" and tok.head.lemma_.lower() in lexicon.coder_words.light_verbs
    kids = list(tok.children)
    return tok.tag_ == "VBN" and any(c.dep_ == "nsubjpass" for c in kids) and not any(c.dep_ == "agent" for c in kids) \
        and any(c.dep_ == "auxpass" for c in kids)


def _act_or_weapon(tok: Token, lexicon: Lexicon) -> bool:
    """A noun that names an act or a weapon ("the shelling", "two rockets"): a subject that may hit."""
    lemma = tok.lemma_.lower()
    return lemma in lexicon.coder_words.act_nouns or lemma in lexicon.coder_words.act_noun_roots or any(
        lexicon.code_info(p.code) is not None and lexicon.cameo[p.code].root in lexicon.coder_words.military_roots
        for p in lexicon.patterns_by_lemma.get((lemma, "NOUN"), ()))


def _refused(c: Candidate, lexicon: Lexicon) -> tuple[Candidate, Any] | None:
    """A cooperative act under "refused to" / "declined to", or announced as not to happen ("will not
    release"), is the refuser's rejection (12x by the act's code, seeds/coder_maps.csv refusal_by_code; rule
    events.refused): "declined to release the prisoners" is 1243. A plain negation ("did not meet") stays
    no event."""
    tok, words = c.trigger, lexicon.coder_words
    if c.modality is not Modality.NEGATED or not (
            (tok.dep_ == "xcomp" and tok.head.lemma_.lower() in words.refusal_lemmas) or _will_not(tok)):
        return None
    key = max((k for k in words.refusal_by_code if c.code.startswith(k)), key=len, default=None)
    info = lexicon.code_info(words.refusal_by_code[key]) if key is not None else None
    if info is None:
        return None
    return replace(c, code=info.code, modality=Modality.ASSERTED, rule_suffix=f"{c.rule_suffix}.refused"), info


UNKNOWN_NAME_TYPES = frozenset({"PERSON", "ORG", "NORP"})


def _unknown_subject(c: Candidate, actors: SentenceActors, lexicon: Lexicon) -> Span | None:
    """The active subject of a sourceless act when it is a name the dictionaries do not know ("Syms
    pushed for ...", "the Farm Bureau Federation said it is skeptical"): a person, organisation or group
    entity or a proper noun, never a pronoun, a thing or the dateline."""
    verb = c.clause if c.clause is not None else c.trigger
    for _ in range(3):
        subs = [ch for ch in verb.children if ch.dep_ == "nsubj"]
        if subs or verb.dep_ not in ("conj", "xcomp") or verb.head == verb:
            break
        verb = verb.head
    if not subs:
        return None
    head = subs[0]
    if head.tag_ == "PRP" and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in lexicon.coder_words.say_lemmas:
        # "the Federation said it is skeptical": the pronoun is the unknown speaker
        head = next((ch for ch in verb.head.children if ch.dep_ == "nsubj"), head)
    if head.i in actors.outlet_tokens or actors.at(head) is not None or head.tag_ in ("PRP", "WP", "WDT", "EX"):
        return None
    if head.ent_type_ not in UNKNOWN_NAME_TYPES and (head.pos_ != "PROPN" or head.ent_type_):
        return None  # a common noun, or a law, event or work ("the Declaration", "the Jeddah Talks")
    words, lemma = lexicon.coder_words, head.lemma_.lower()
    if _act_or_weapon(head, lexicon) or (lemma, "NOUN") in lexicon.patterns_by_lemma or any(
            lemma in w for w in (words.document_nouns, words.thing_nouns, words.abstract_objects)):
        return None
    ent = next((e for e in head.doc.ents if e.start <= head.i < e.end and e.label_ in UNKNOWN_NAME_TYPES), None)
    lo, hi = head.left_edge.i, head.i + 1  # the name with its compounds ("Marlow Tesk" when NER has "Tesk")
    return head.doc[min(lo, ent.start) if ent else lo: max(hi, ent.end) if ent else hi]


def _will_not(tok: Token) -> bool:
    """"X will not release the prisoners", "X won't lift the ban": a stated refusal of the act (rule
    events.refused), not a plain negation ("did not meet") or a hypothetical ("would not")."""
    if tok.pos_ != "VERB":
        return False
    kids = list(tok.children)
    return any(k.dep_ == "aux" and k.lower_ in ("will", "wo", "shall") for k in kids) and \
        any(k.dep_ == "neg" for k in kids)


def _unlinked_candidates(c: Candidate) -> list[Mention]:
    """The sources of a candidate with no dyad that name no country: unidentified, not unlinked."""
    return [x for m in c.sources for x in m.expand() if not x.identified]


def _unlinked_sources(c: Candidate, military: bool) -> list[Mention]:
    """The named sources of an act whose target the coder could not link ("X imposed a curfew on the
    region", "Y demanded support from the assembly" with the other party unknown to the dictionaries):
    a monadic event (rule events.unlinked), target NULL and half the confidence; it is not a dyad, so
    `dyadflow evaluate` scores it apart from the dyadic events."""
    return [x for m in c.sources for x in m.expand() if x.identified and x.code(military=military)]


def _unattributed_targets(c: Candidate, military: bool) -> list[Mention | None]:
    """The named targets of an unattributed act (its victims or the territory hit), else one empty target."""
    targets = [x for m in c.targets for x in m.expand() if x.identified]
    if military:
        targets = _named_over_territory(c, targets)
    return list(targets) or [None]


def _named_over_territory(c: Candidate, targets: list[Mention]) -> list[Mention]:
    """A named actor target beats the territory of a military act ("strikes on northern Syria against the PKK")."""
    actors = [t for t in targets if t.head not in c.territorial_targets and not (t.metonym and t.kind == "country")]
    return actors or targets


def _target_code(c: Candidate, t: Mention | None, military: bool) -> str | None:
    """A target's code; in a military act a territory hit is the bare country."""
    if t is None:
        return None
    return t.code(military=military, territorial=military and (t.head in c.territorial_targets or t.metonym))


def _drop_unattributed_duplicates(events: list[Draft], lexicon: Lexicon) -> list[Draft]:
    """An unattributed event yields to an attributed one of the same kind in its sentence ("A shelled B,
    killing five": the killing is A's): the same root, or both military. The unattributed military acts
    of one sentence are one act ("a bomb exploded, killing six"): the most specific code is kept, with
    the victims another of them names."""
    military = lexicon.coder_words.military_roots
    named = {e.cameo_root for e in events if e.source.code}
    named_military = any(r in military for r in named)
    # "after days of air strikes on Gaza, in which Israel targeted militants": the named act of the root is
    # the unattributed one's; it takes the weapon the act noun names (rule events.named_takes_weapon)
    specific = {e.cameo_root: e for e in events if not e.source.code and e.cameo_root in military
                and e.trigger.pos_ == "NOUN" and len(e.code) >= 3 and not e.code.endswith("0")}
    events = [replace(e, code=sp.code, info=sp.info, rule_id=f"{e.rule_id}.weapon")
              if e.source.code and e.code == f"{e.cameo_root}0" and (sp := specific.get(e.cameo_root)) is not None
              and sp.info is not None and not _intercepts(e.trigger, lexicon.coder_words) else e for e in events]  # "shot down a missile": 190
    # "A freed the prisoners who had been detained": a relative clause beside a named act is background
    kept = [e for e in events if e.source.code or not (
        e.cameo_root in named or (named_military and e.cameo_root in military) or (named and e.trigger.dep_ == "relcl"))]
    verbal = any(not e.source.code and e.trigger.pos_ != "NOUN" and e.cameo_root in military for e in kept)
    # an act noun stands alone only as the subject of an impact verb ("a bomb exploded", "arrests were
    # made"); elsewhere it refers to an act ("the attack came as ...", "condolences to the victims of
    # the bombing") or names one the clause does not assert ("urged them to cease hostilities")
    kept = [e for e in kept if e.source.code or e.trigger.pos_ != "NOUN" or _occurs(e.trigger, lexicon)
            or (verbal and e.cameo_root in military)]
    acts = [e for e in kept if not e.source.code and e.cameo_root in military]
    if len(acts) < 2:
        return kept
    best = max(acts, key=lambda e: (len(e.code), not e.code.endswith("0"), e.target is not None, e.confidence))
    if best.target is None:
        victim = next((e.target for e in acts if e.target is not None), None)
        best = replace(best, target=victim, rule_id=f"{best.rule_id}.victims") if victim else best
    return [e for e in kept if e not in acts] + [best]


def _occurs(tok: Token, lexicon: Lexicon) -> bool:
    """The act noun is asserted to have happened: subject of an impact verb ("rockets struck a base") or
    passive subject of a light verb ("arrests were made")."""
    head = tok.head
    return (tok.dep_ == "nsubj" and head.lemma_.lower() in lexicon.coder_words.impact_verbs) or (
        tok.dep_ == "nsubjpass" and head.lemma_.lower() in lexicon.coder_words.light_verbs)


def _protest_demands(events: list[Draft]) -> list[Draft]:
    """"Students marched to demand an end to quotas": the demand is what the protest is for, not an act of
    its own (rule events.protest_demand); the protest stays."""
    protests = {(e.source_code, e.trigger.i) for e in events if e.cameo_root == "14"}
    return [e for e in events if not (
        e.cameo_root == "10" and e.trigger.dep_ in ("advcl", "xcomp") and (e.source_code, e.trigger.head.i) in protests
        and any(c.dep_ == "aux" and c.lower_ == "to" for c in e.trigger.children))]


def _drop_untargeted_duplicates(events: list[Draft]) -> list[Draft]:
    """An event without a target yields to an event of the same source and root that has one."""
    targeted = {(e.source_code, e.cameo_root) for e in events if e.target_code}
    return [e for e in events if e.target_code or (e.source_code, e.cameo_root) not in targeted]


def _one_per_root(events: Iterable[Draft]) -> list[Draft]:
    """One event per dyad and root in a sentence ("marched ... to protest": one protest); the most
    confident wins, then the more specific code."""
    best: dict[tuple[str, ...], Draft] = {}
    for ev in events:
        pair = (ev.source_code or "", ev.target_code or "")
        key = (*(sorted(pair) if _is_symmetric(ev.cameo_code) else pair), ev.cameo_root)
        cur = best.get(key)
        if cur is None or (ev.confidence, len(ev.cameo_code)) > (cur.confidence, len(cur.cameo_code)):
            best[key] = ev
    return list(best.values())


def _by_actor_roles(code: str, info: Any, s: Mention, t: Mention, lexicon: Lexicon) -> tuple[str, Any]:
    """Violence by protesters is a violent protest (145); by police against civilians, repression (175)."""
    new = None
    if info.root in ("18", "19") and s.role in ("CVL", "EDU", "LAB") and not s.metonym:
        new = "145"
    elif info.root in ("18", "19") and s.role == "COP" and t.role in ("CVL", "EDU", "LAB", "OPP", "MED"):
        new = "175"
    if new is None or lexicon.code_info(new) is None:
        return code, info
    return new, lexicon.code_info(new)


def _draft(
    doc: Doc, c: Candidate, s: Mention | None, t: Mention | None, s_code: str | None, t_code: str | None, code: str,
    info: Any, suffix: str, lexicon: Lexicon, military: bool, unnamed: Party | None = None,
) -> Draft:
    """One draft; `s` None is an unattributed act (no named source) and suffix ".unlinked" an act whose
    target was not linked: half the confidence, so a complete dyad always ranks first."""
    conf = c.confidence * (0.9 if suffix else 1.0) * (0.9 if (s is not None and s.modifier) or (
        t is not None and t.modifier) else 1.0) * (0.5 if s is None or suffix == ".unlinked" else 1.0)
    return Draft(
        trigger=c.trigger,
        code=code,
        info=info,
        source=_party(doc, s, s_code, lexicon) if s is not None else unnamed or _unnamed_party(doc, c),
        target=_party(doc, t, t_code, lexicon) if t is not None and t_code else None,
        rule_id=_rule_id(c, s, t, suffix),
        confidence=round(max(0.05, min(conf, 1.0)), 3),
        modality=c.modality,
        military=military,
        extras={"source_via": s.via if s else None, "target_via": t.via if t else None},
    )


def _party(doc: Doc, m: Mention, code: str | None, lexicon: Lexicon) -> Party:
    return Party(text=m.text, code=code, country=_iso(lexicon, m.country),
                 role=_role(code, m.country, m.fixed_code) if code else None, span=_char_span(doc, m), metonym=m.metonym)


def _unnamed_party(doc: Doc, c: Candidate) -> Party:
    """The source of an unattributed act: no code; the unnamed agent's words and role when the text
    has them ("gunmen": UAF), else nothing."""
    m = next((x for s in c.sources for x in s.expand()), None)
    if m is None:
        return Party(text="", code=None)
    return Party(text=m.text, code=None, role=m.role, span=_char_span(doc, m))


def build_event(
    doc: Doc, sent: Span, idx: int, d: Draft, ctx: adapters.ArticleContext, lexicon: Any, *, doc_id: str,
    coder_version: str,
) -> Event:
    """The Event of one draft of either coder: evidence span, CAMEO row, date and place read in the
    article's context, then ACLED and PLOVER types and fatalities (adapters.enrich)."""
    tok, s, t, info = d.trigger, d.source, d.target, d.info
    habitual = tok.tag_ in ("VBZ", "VBP") and not any(ch.dep_ in ("aux", "auxpass") for ch in tok.children)
    dres, frame = ctx.date(idx, sent, tok, habitual=habitual)
    place = None
    if ctx.gazetteer is not None:
        # the place implied by the event: the target's territory for military action, the host's
        # country for hosting, the visited country for a visit
        side = t if (d.military or d.code == "042") and t is not None else s if d.code == HOST_CODE else None
        exclude = [(p.span[0] - sent.start_char, p.span[1] - sent.start_char)
                   for p in (s, t) if p is not None and p.span is not None and p.metonym]
        place = ctx.place(idx, sent, tok, d.cameo_root, frame=frame, fallback_country=side.country if side else None,
                          exclude_spans=exclude, countries=(s.country, t.country if t else None))
    ev = Event(
        doc_id=doc_id,
        sentence_index=idx,
        sentence=ctx.sentence_text(sent).strip(),
        char_start=d.char_start,
        char_end=d.char_end,
        source_text=s.text or None,
        source_code=s.code,
        source_country=s.country,
        source_role=s.role,
        target_text=t.text if t else None,
        target_code=t.code if t else None,
        target_country=t.country if t else None,
        target_role=t.role if t else None,
        cameo_code=d.code,
        cameo_root=d.cameo_root,
        cameo_label=info.label if info is not None else None,
        quad_class=info.quad_class if info is not None else 1,
        goldstein=info.goldstein if info is not None else None,
        rule_id=d.rule_id,
        confidence=d.confidence,
        coder_version=coder_version,
        dictionary_version=lexicon.version,
        negated=False,
        modality=d.modality,
        event_date=dres.event_date,
        date_precision=dres.precision,
        date_source=dres.source,
        is_historical=dres.is_historical,
        location_name=place.name if place else None,
        location_country=place.country if place else None,
        admin1=place.admin1 if place else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        geo_precision=place.geo_precision if place else None,
        extras={"source_span": s.span, "target_span": t.span if t else None, "trigger": tok.text, **d.extras},
    )
    return adapters.enrich(ev, sent, lexicon)


def _char_span(doc: Doc, m: Mention | None) -> tuple[int, int] | None:
    if m is None or m.end <= m.start:
        return None
    return (doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1].text))


def _rule_id(c: Candidate, s: Mention | None, t: Mention | None, suffix: str) -> str:
    """The trail of rules behind an event: pattern, candidate rule, dyad rule, and how each actor
    was resolved when not by the dictionary (coref, issuer, ...)."""
    vias = [m.via for m in (s, t) if m is not None]
    extra = "".join(f".{v}" for v in dict.fromkeys(vias) if v in ("coref", "issuer", "act", "context", "group"))
    return f"{c.pattern.id}{c.rule_suffix}{suffix}{extra}"


def _iso(lexicon: Lexicon, code: str | None) -> str | None:
    if not code:
        return None
    c = lexicon.country_by_code.get(code)
    return c.iso3 if c is not None else None


def _role(code: str, country: str | None, fixed: str | None) -> str | None:
    if country and code.startswith(country) and len(code) > len(country):
        return code[len(country) : len(country) + 3]
    if fixed and len(fixed) >= 6:
        return fixed[3:6]
    return None
