"""Plain-text explanation of the coder's stages (`dyadflow code --explain`): for each sentence the
mentions, the registry's resolutions, the predicates with their modality, and why each candidate
became an event or not."""

from __future__ import annotations

from collections.abc import Iterable

from dyadflow.coder import SentenceTrace
from dyadflow.coder.records import Mention


def _mention(m: Mention) -> str:
    code = m.code() or "?"
    extra = f" members={[x.code() for x in m.members]}" if m.members else ""
    return f"{m.text!r} -> {code} ({m.kind}, via {m.via}{', modifier' if m.modifier else ''}){extra}"


def explain_lines(traces: Iterable[SentenceTrace], *, issuer: Mention | None = None) -> list[str]:
    """One block of lines per sentence; sentences without mentions or predicates are summarised."""
    lines: list[str] = []
    if issuer is not None:
        lines.append(f"issuer (first person outside quotes): {issuer.text!r} -> {issuer.code()}")
    for t in traces:
        lines.append(f"[{t.index}] {t.sentence.text.strip()}")
        if not t.actors.mentions and not t.candidates:
            lines.append("    (no actor, no predicate)")
            continue
        lines.extend(f"    mention    {_mention(m)}" for m in t.actors.mentions)
        if t.actors.speaker is not None:
            lines.append(f"    speaker    {_mention(t.actors.speaker)}")
        for c in t.candidates:
            src = [x.code() for m in c.sources for x in m.expand()]
            tgt = [x.code() for m in c.targets for x in m.expand()]
            lines.append(f"    predicate  {c.trigger.text!r} [{c.pattern.id}{c.rule_suffix}] code {c.code} "
                         f"modality {c.modality.value} sources {src} targets {tgt}")
        for d in t.decisions:
            lines.append(f"    {d.outcome:<10} {d.code} {d.source or '-'} -> {d.target or '-'}: {d.reason}")
        for e in t.events:
            lines.append(f"    EVENT      {e.source_code or '(unattributed)'} -> {e.target_code or '(none)'} {e.cameo_code} "
                         f"{e.cameo_label or ''} [{e.rule_id}] {e.event_date or ''}")
    return lines
