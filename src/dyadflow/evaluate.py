"""Score coded events against a gold JSONL (../shared/dev-gold/README.md convention).

An output event matches a gold row when it is in the same document, its sentence contains the
gold `sentence`, the source and target country prefixes (first three letters of the actor
codes) are equal and the root (or quad class, or exact code) is equal; the dyad is unordered
for consult and cooperation codes (root 04, 057, 060, 062, 064). Precision counts output events
matching any gold row (required or optional); recall counts required rows found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadflow.records import Event

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

    from dyadflow.lexicon.model import Lexicon

LEVELS = ("dyad_root", "dyad_quad", "exact")
UNORDERED_PREFIXES = ("04", "057", "060", "062", "064")


@dataclass(frozen=True)
class PRF:
    tp_pred: int  # output events matching any gold row
    n_pred: int
    tp_gold: int  # required gold rows found
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


@dataclass
class EvalReport:
    levels: dict[str, PRF]
    per_root: dict[str, PRF]
    per_document: dict[str, PRF]
    date_accuracy: float | None
    date_n: int
    place_accuracy: float | None
    place_n: int
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)
    unattributed_n: int = 0  # events with no named source: not scored (see score)
    unlinked_n: int = 0  # events whose target was not linked: not scored as dyads
    unattributed_agree: int = 0  # of those, agreeing with a gold row on target and root
    unlinked_agree: int = 0  # agreeing with a gold row on source and root

    def to_dict(self) -> dict[str, Any]:
        return {
            "levels": {k: v.to_dict() for k, v in self.levels.items()},
            "per_root": {k: v.to_dict() for k, v in self.per_root.items()},
            "per_document": {k: v.to_dict() for k, v in self.per_document.items()},
            "date_accuracy": self.date_accuracy, "date_n": self.date_n,
            "place_accuracy": self.place_accuracy, "place_n": self.place_n,
            "false_positives": self.false_positives, "missed": self.missed,
            "unattributed_n": self.unattributed_n, "unlinked_n": self.unlinked_n,
            "unattributed_agree": self.unattributed_agree, "unlinked_agree": self.unlinked_agree,
        }

    def to_text(self, *, details: bool = False) -> str:
        lines = ["level        P      R      F1     (tp_pred/n_pred, tp_gold/n_gold)"]
        for k, v in self.levels.items():
            lines.append(f"{k:<11} {v.precision:6.3f} {v.recall:6.3f} {v.f1:6.3f}   "
                         f"({v.tp_pred}/{v.n_pred}, {v.tp_gold}/{v.n_gold})")
        lines.append("per root (dyad+root):")
        for k, v in sorted(self.per_root.items()):
            lines.append(f"  {k}  P {v.precision:5.2f} R {v.recall:5.2f} F1 {v.f1:5.2f}  "
                         f"({v.tp_pred}/{v.n_pred}, {v.tp_gold}/{v.n_gold})")
        lines.append("per document (dyad+root):")
        for k, v in sorted(self.per_document.items()):
            lines.append(f"  {k}  P {v.precision:5.2f} R {v.recall:5.2f} F1 {v.f1:5.2f}")
        da = "n/a" if self.date_accuracy is None else f"{self.date_accuracy:.3f}"
        pa = "n/a" if self.place_accuracy is None else f"{self.place_accuracy:.3f}"
        lines.append(f"date accuracy on matched events: {da} (n={self.date_n})")
        lines.append(f"place (country) accuracy on matched events: {pa} (n={self.place_n})")
        lines.append(f"monadic events, not scored as dyads: unattributed (no named source) {self.unattributed_n}, "
                     f"{self.unattributed_agree} agreeing with a gold row on target and root; target not linked "
                     f"{self.unlinked_n}, {self.unlinked_agree} agreeing on source and root")
        if details:
            lines.append("false positives:")
            lines.extend(f"  {fp}" for fp in self.false_positives)
            lines.append("missed required rows:")
            lines.extend(f"  {m}" for m in self.missed)
        return "\n".join(lines)


def _row(ev: Event | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(ev, Event):
        d = ev.to_row()
        d["doc"] = ev.extras.get("doc") if ev.extras else None
        return d
    return dict(ev)


def _prefix(code: Any) -> str:
    """The compared part of an actor code: the country (3 letters), six letters for IGO codes."""
    c = str(code or "")
    return c[:6] if c.startswith("IGO") else c[:3]


def _root(code: str) -> str:
    return code[:2]


def _unordered(code: str) -> bool:
    return str(code).startswith(UNORDERED_PREFIXES)


def _same_dyad(ev: Mapping[str, Any], g: Mapping[str, Any], code_for_order: str) -> bool:
    es, et = _prefix(ev.get("source_code")), _prefix(ev.get("target_code"))
    gs, gt = _prefix(g.get("source")), _prefix(g.get("target"))
    if (es, et) == (gs, gt):
        return True
    return _unordered(code_for_order) and (es, et) == (gt, gs)


def _code_match(level: str, ev: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    ecode = str(ev.get("cameo_code") or "")
    gcode = str(g.get("code") or "")
    if level == "dyad_root":
        return _root(ecode) == str(g.get("root") or _root(gcode))
    if level == "dyad_quad":
        return int(ev.get("quad_class") or 0) == int(g.get("quad") or 0)
    return ecode == gcode


def _matches(level: str, ev: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    if g["sentence"] not in (ev.get("sentence") or ""):
        return False
    if not _code_match(level, ev, g):
        return False
    # unordered when either the gold or the output code is a consult/cooperation code
    order_code = str(g.get("code") or "") if _unordered(str(g.get("code") or "")) else str(ev.get("cameo_code") or "")
    return _same_dyad(ev, g, order_code)


def _date_ok(ev_date: Any, gold: str | None) -> bool:
    if not gold or ev_date is None:
        return False
    s = ev_date.isoformat() if isinstance(ev_date, date) else str(ev_date)
    return s.startswith(gold)


def _doc_of(ev: Mapping[str, Any], docs: Mapping[str, str] | None) -> str | None:
    if ev.get("doc"):
        return str(ev["doc"])
    if docs is not None:
        inv = {v: k for k, v in docs.items()}
        return inv.get(str(ev.get("doc_id")))
    path = ev.get("path")
    return Path(str(path)).name if path else None


def score(
    events: Iterable[Event | Mapping[str, Any]],
    gold_rows: list[dict[str, Any]],
    docs: Mapping[str, str] | None = None,
) -> EvalReport:
    """Precision/recall/F1 at three levels, per root and per document, plus date and place accuracy.

    `docs` maps gold doc names to doc_ids (else events carry `doc` or `path`)."""
    evs = [_row(e) for e in events]
    for e in evs:
        e["doc"] = _doc_of(e, docs)
    gold_docs = {g["doc"] for g in gold_rows}
    evs = [e for e in evs if e["doc"] in gold_docs]
    # monadic events are not dyads: an unattributed act (no named source: the gold codes none, CAMEO
    # needs a source) and an act whose target was not linked (rule .unlinked). They are counted apart,
    # with how many agree with a gold row on their one side and root, and neither matched nor false positives
    unattributed = [e for e in evs if not e.get("source_code")]
    unlinked = [e for e in evs if e.get("source_code") and is_unlinked(e)]
    evs = [e for e in evs if e.get("source_code") and not is_unlinked(e)]
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for g in gold_rows:
        by_doc.setdefault(g["doc"], []).append(g)

    def prf(level: str, ev_sel: list[dict[str, Any]], gold_sel: list[dict[str, Any]]) -> PRF:
        tp_pred = sum(1 for e in ev_sel if any(_matches(level, e, g) for g in by_doc.get(e["doc"], [])))
        req = [g for g in gold_sel if g.get("required", True)]
        tp_gold = sum(1 for g in req if any(_matches(level, e, g) for e in ev_sel if e["doc"] == g["doc"]))
        return PRF(tp_pred, len(ev_sel), tp_gold, len(req))

    levels = {lv: prf(lv, evs, gold_rows) for lv in LEVELS}
    roots = sorted({str(g.get("root") or str(g["code"])[:2]) for g in gold_rows} | {str(e["cameo_code"])[:2] for e in evs})
    per_root = {}
    for r in roots:
        ev_r = [e for e in evs if str(e["cameo_code"])[:2] == r]
        g_r = [g for g in gold_rows if str(g.get("root") or str(g["code"])[:2]) == r]
        # precision within the root still matches against all gold rows of the document
        tp_pred = sum(1 for e in ev_r if any(_matches("dyad_root", e, g) for g in by_doc.get(e["doc"], [])))
        req = [g for g in g_r if g.get("required", True)]
        tp_gold = sum(1 for g in req if any(_matches("dyad_root", e, g) for e in ev_r if e["doc"] == g["doc"]))
        per_root[r] = PRF(tp_pred, len(ev_r), tp_gold, len(req))
    per_document = {d: prf("dyad_root", [e for e in evs if e["doc"] == d], by_doc[d]) for d in sorted(by_doc)}
    # date / place accuracy over matched (event, gold) pairs: best gold row per event
    n_date = ok_date = n_place = ok_place = 0
    fps: list[dict[str, Any]] = []
    for e in evs:
        ms = [g for g in by_doc.get(e["doc"], []) if _matches("dyad_root", e, g)]
        if not ms:
            fps.append({k: e.get(k) for k in ("doc", "source_code", "target_code", "cameo_code", "rule_id", "sentence")})
            continue
        dated = [g for g in ms if g.get("date")]
        if dated:
            n_date += 1
            ok_date += any(_date_ok(e.get("event_date"), g["date"]) for g in dated)
        placed = [g for g in ms if g.get("location_country")]
        if placed:
            n_place += 1
            ok_place += any(e.get("location_country") == g["location_country"] for g in placed)
    missed = [
        {k: g.get(k) for k in ("doc", "source", "target", "code", "sentence")}
        for g in gold_rows
        if g.get("required", True) and not any(_matches("dyad_root", e, g) for e in evs if e["doc"] == g["doc"])
    ]
    return EvalReport(
        levels=levels, per_root=per_root, per_document=per_document,
        date_accuracy=ok_date / n_date if n_date else None, date_n=n_date,
        place_accuracy=ok_place / n_place if n_place else None, place_n=n_place,
        false_positives=fps, missed=missed, unattributed_n=len(unattributed), unlinked_n=len(unlinked),
        unattributed_agree=sum(1 for e in unattributed if _one_side_agrees(e, by_doc, "target")),
        unlinked_agree=sum(1 for e in unlinked if _one_side_agrees(e, by_doc, "source")),
    )


def is_unlinked(ev: Mapping[str, Any]) -> bool:
    """An event whose target the coder could not link (rule events.unlinked): monadic, not a dyad."""
    return "unlinked" in str(ev.get("rule_id") or "").split(".")


def _one_side_agrees(e: Mapping[str, Any], by_doc: Mapping[str, list[dict[str, Any]]], side: str) -> bool:
    """A monadic event agrees with a gold row of its sentence on its one side and its root."""
    gold_side = "target" if side == "target" else "source"
    return any(g["sentence"] in (e.get("sentence") or "") and _code_match("dyad_root", e, g)
               and _prefix(e.get(f"{side}_code")) == _prefix(g.get(gold_side)) for g in by_doc.get(e["doc"], []))


def read_gold(path: Path) -> list[dict[str, Any]]:
    """Gold rows from a JSONL file."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]



def _as_date(v: Any) -> date | None:
    if isinstance(v, date):
        return v
    if v:
        try:
            return date.fromisoformat(str(v)[:10])
        except ValueError:
            return None
    return None


def code_corpus(corpus_dir: Path, nlp: Language, lexicon: Lexicon, gazetteer: Any = None) -> list[Event]:
    """Code every article of a folder or file as the pipeline reads it (dyadflow.pipeline.read_inputs:
    .md/.txt/.jsonl/.html); events carry extras['doc'] = the article path from the source
    ("02-x.md", "13-briefs.jsonl#<id>")."""
    from dyadflow.coder import code_article

    events: list[Event] = []
    for art, doc in _parsed_corpus(corpus_dir, nlp):
        events.extend(_with_doc(ev, art.path) for ev in code_article(
            doc, lexicon, art.published, doc_id=art.doc_id, gazetteer=gazetteer,
            published_inferred=art.published_inferred, source=art.source))
    return events


def _parsed_corpus(corpus_dir: Path, nlp: Language) -> Iterable[tuple[Any, Any]]:
    """(article, parsed doc) for every article of a folder or file, read as the pipeline reads it."""
    from dyadflow.pipeline import read_inputs
    from dyadflow.settings import Settings

    articles, _rejects = read_inputs([Path(corpus_dir)], Settings(), "evaluate")
    return zip(articles, nlp.pipe((a.text for a in articles), batch_size=8), strict=True)


def _with_doc(ev: Event, path: str) -> Event:
    from dataclasses import replace

    return replace(ev, extras={**ev.extras, "doc": path})


def evaluate_corpus(gold_path: Path, corpus_dir: Path, nlp: Language, lexicon: Lexicon, gazetteer: Any = None) -> EvalReport:
    """Code a corpus folder (every format the pipeline reads) and score it against the gold JSONL."""
    events = code_corpus(corpus_dir, nlp, lexicon, gazetteer)
    return score(events, read_gold(gold_path))


# ---- error analysis (`dyadflow evaluate --errors`) ------------------------------------------------

@dataclass(frozen=True)
class ErrorCase:
    """One missed required gold row or one unmatched system event, with its cause and rule trail."""

    kind: str  # missed | spurious | code-missed | code-spurious (matched at dyad+root, exact code differs)
    cause: str
    doc: str
    sentence: str
    gold: str | None = None
    system: str | None = None
    trail: str = ""


def _dy(src: Any, tgt: Any, code: Any) -> str:
    return f"{src or '-'}>{tgt or '-'}:{code}"


def _missed_cause(g: Mapping[str, Any], evs: list[dict[str, Any]], traces: list[Any]) -> tuple[str, str]:
    """Why a required gold row found no matching event: (cause, trail)."""
    root = str(g.get("root") or str(g["code"])[:2])
    gs, gt = _prefix(g.get("source")), _prefix(g.get("target"))
    if not traces:
        return "sentence not found (segmentation)", ""
    same_root = [e for e in evs if str(e["cameo_code"])[:2] == root]
    if same_root:
        src_ok = [e for e in same_root if _prefix(e.get("source_code")) in (gs, gt)]
        if src_ok:
            e = src_ok[0]
            cause = "target missing" if not e.get("target_code") else "target wrong"
            return cause, f"{_dy(e['source_code'], e['target_code'], e['cameo_code'])} [{e['rule_id']}]"
        tgt_ok = [e for e in same_root if _prefix(e.get("target_code")) in (gt, gs) and gt]
        e = (tgt_ok or same_root)[0]
        return ("source wrong" if tgt_ok else "source and target wrong"), \
            f"{_dy(e['source_code'], e['target_code'], e['cameo_code'])} [{e['rule_id']}]"
    dyad = [e for e in evs if {_prefix(e.get("source_code")), _prefix(e.get("target_code"))} == {gs, gt}]
    if dyad:
        e = dyad[0]
        return "wrong root", f"{_dy(e['source_code'], e['target_code'], e['cameo_code'])} [{e['rule_id']}]"
    decisions = [d for t in traces for d in t.decisions if d.code[:2] == root]
    for d in decisions:
        if d.reason.startswith("modality"):
            return f"dropped by {d.reason}", f"{d.pattern_id} '{d.trigger}'"
    for d in decisions:
        if d.outcome == "merged":
            return "merged with another event", f"{d.pattern_id} '{d.trigger}'"
    for d in decisions:
        if d.outcome == "dropped":
            return f"actor missing ({d.reason})", f"{d.pattern_id} '{d.trigger}'"
    cands = [c for t in traces for c in t.candidates]
    if any(c.code[:2] == root for c in cands):
        c = next(c for c in cands if c.code[:2] == root)
        return "actor missing (no dyad)", f"{c.pattern.id} '{c.trigger.text}'"
    if cands:
        return "no predicate found (others in sentence)", ", ".join(f"{c.pattern.id} '{c.trigger.text}'" for c in cands[:3])
    return "no predicate found", ""


def _spurious_cause(e: Mapping[str, Any], golds: list[dict[str, Any]]) -> str:
    if not golds:
        return "no gold event in this sentence"
    es, et = _prefix(e.get("source_code")), _prefix(e.get("target_code"))
    root = str(e["cameo_code"])[:2]
    if any({_prefix(g.get("source")), _prefix(g.get("target"))} == {es, et} for g in golds):
        return "wrong root"
    same = [g for g in golds if str(g.get("root") or str(g["code"])[:2]) == root]
    if same:
        if any(_prefix(g.get("source")) == es for g in same):
            return "target wrong" if et else "target missing"
        return "source wrong"
    return "other event in this sentence"


def error_cases(events: Iterable[Event], gold_rows: list[dict[str, Any]],
                traces_by_doc: Mapping[str, list[Any]]) -> list[ErrorCase]:
    """Every missed required gold row and every unmatched system event, classified by cause."""
    rows = [r for r in (_row(e) for e in events) if r.get("source_code") and not is_unlinked(r)]  # monadic: not scored
    for r in rows:
        r["doc"] = _doc_of(r, None)
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_doc.setdefault(r["doc"], []).append(r)
    out: list[ErrorCase] = []
    for g in gold_rows:
        doc_evs = by_doc.get(g["doc"], [])
        if not g.get("required", True) or any(_matches("dyad_root", e, g) for e in doc_evs):
            continue
        traces = [t for t in traces_by_doc.get(g["doc"], []) if g["sentence"] in t.sentence.text]
        evs = [e for e in doc_evs if g["sentence"] in (e.get("sentence") or "")]
        cause, trail = _missed_cause(g, evs, traces)
        out.append(ErrorCase("missed", cause, g["doc"], g["sentence"], gold=_dy(g.get("source"), g.get("target"), g["code"]),
                             trail=trail))
    gold_by_doc: dict[str, list[dict[str, Any]]] = {}
    for g in gold_rows:
        gold_by_doc.setdefault(g["doc"], []).append(g)
    for e in rows:
        golds = gold_by_doc.get(e["doc"])
        if golds is None or any(_matches("dyad_root", e, g) for g in golds):
            continue
        in_sent = [g for g in golds if g["sentence"] in (e.get("sentence") or "")]
        out.append(ErrorCase("spurious", _spurious_cause(e, in_sent), e["doc"], e.get("sentence") or "",
                             system=_dy(e.get("source_code"), e.get("target_code"), e["cameo_code"]),
                             gold="; ".join(_dy(g.get("source"), g.get("target"), g["code"]) for g in in_sent) or None,
                             trail=str(e.get("rule_id") or "")))
    out.extend(code_cases(rows, gold_rows))
    return out


def code_cases(rows: list[dict[str, Any]], gold_rows: list[dict[str, Any]]) -> list[ErrorCase]:
    """Pairs matched at dyad+root whose exact codes differ: each required gold row with no exact
    match (kind 'code-missed') and each system event with no exact match (kind 'code-spurious'),
    the cause naming 'gold <code> coded <code>'."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_doc.setdefault(r["doc"], []).append(r)
    out: list[ErrorCase] = []
    for g in gold_rows:
        evs = [e for e in by_doc.get(g["doc"], []) if _matches("dyad_root", e, g)]
        if not g.get("required", True) or not evs or any(_matches("exact", e, g) for e in evs):
            continue
        e = evs[0]
        out.append(ErrorCase("code-missed", f"gold {g['code']} coded {e['cameo_code']}", g["doc"], g["sentence"],
                             gold=_dy(g.get("source"), g.get("target"), g["code"]),
                             system=_dy(e.get("source_code"), e.get("target_code"), e["cameo_code"]),
                             trail=str(e.get("rule_id") or "")))
    for e in rows:
        gs = [g for g in gold_rows if g["doc"] == e["doc"] and _matches("dyad_root", e, g)]
        if not gs or any(_matches("exact", e, g) for g in gs):
            continue
        codes = "/".join(sorted({str(g["code"]) for g in gs}))
        out.append(ErrorCase("code-spurious", f"gold {codes} coded {e['cameo_code']}", e["doc"], e.get("sentence") or "",
                             gold="; ".join(_dy(g.get("source"), g.get("target"), g["code"]) for g in gs),
                             system=_dy(e.get("source_code"), e.get("target_code"), e["cameo_code"]),
                             trail=str(e.get("rule_id") or "")))
    return out


def errors_text(cases: list[ErrorCase], *, details: bool = True) -> str:
    """Counts per cause (missed required rows, unmatched system events, exact-code differences at
    dyad+root), then every case."""
    from collections import Counter

    lines = []
    for kind, title in (("missed", "missed required gold rows by cause"), ("spurious", "unmatched system events by cause"),
                        ("code-missed", "required gold rows matched at dyad+root, exact code differs"),
                        ("code-spurious", "system events matched at dyad+root, no exact match")):
        sel = [c for c in cases if c.kind == kind]
        lines.append(f"{title} (n={len(sel)}):")
        for cause, n in Counter(c.cause for c in sel).most_common():
            lines.append(f"  {n:4d}  {cause}")
    if details:
        lines.append("cases:")
        for c in sorted(cases, key=lambda c: (c.kind, c.cause, c.doc)):
            what = f"gold {c.gold}" if c.kind == "missed" else f"system {c.system} (gold here: {c.gold or 'none'})"
            what = f"gold {c.gold} system {c.system}" if c.kind.startswith("code") else what
            lines.append(f"  [{c.kind}: {c.cause}] {c.doc} {what} | {c.trail} | {c.sentence[:140]}")
    return "\n".join(lines)


def trace_corpus(corpus_dir: Path, nlp: Language, lexicon: Lexicon, gazetteer: Any = None
                 ) -> tuple[list[Event], dict[str, list[Any]]]:
    """Code a corpus with the native coder's stage traces (for --errors): events and traces per doc."""
    from dyadflow.coder import trace_article

    events: list[Event] = []
    traces: dict[str, list[Any]] = {}
    for art, doc in _parsed_corpus(corpus_dir, nlp):
        tr = trace_article(doc, lexicon, art.published, doc_id=art.doc_id, gazetteer=gazetteer,
                           published_inferred=art.published_inferred, source=art.source)
        traces[art.path] = tr
        events.extend(_with_doc(ev, art.path) for t in tr for ev in t.events)
    return events, traces
