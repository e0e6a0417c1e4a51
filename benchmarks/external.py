"""Coder accuracy on three public benchmarks (data in ../shared/eval/external, never copied here).

    python benchmarks/external.py plover      [--limit N] [--processes N]
    python benchmarks/external.py conflibert  [--limit N] [--processes N]
    python benchmarks/external.py case2021    [--limit N] [--processes N]
    python benchmarks/external.py all

* plover: the PLOVER gold records (CAMEO-manual sentences, PLOVER 0.5b1 labels). Our CAMEO codes go
  to PLOVER through seeds/cameo_plover_crosswalk.csv; the gold's 0.5b1 names are renamed to the
  current ones (DEMAND->REQUEST, DISAPPROVE->ACCUSE, FIGHT->ASSAULT, INVESTIGATE->ACCUSE). Event-type
  accuracy = share of records whose top PLOVER-mappable event has the gold type; actor F1 compares
  the top event's source/target countries (ISO3; IGO/NGO/IMG generics) with the gold codes.
* conflibert: ConfliBERT's CAMEO pentaclass test set (451 sentences, 0=01-02, 1=03-05, 2=06-08,
  3=09-13, 4=14-20); our class = the root class of our top event.
* case2021: CASE 2021 task 2 (ACLED sub-event types); our label = the ACLED sub-event type of our
  top event that has one, renamed to the task's label strings. Sub-task 1 = the 25 "seen" ACLED
  types (the published 83.9 weighted-F1 anchor); sub-task 3 = all 30 labels (unseen types are
  always wrong for us).

"Top event" = highest confidence, then earliest in the text. A text we code nothing for gets the
label NONE, which is wrong for every gold class. Results: JSON in benchmarks/out/ and a markdown
table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadflow.records import Event  # noqa: E402

SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "eval" / "external"
OUT_DIR = ROOT / "benchmarks" / "out"
NONE = "NONE"  # the label of a text we coded nothing for

# PLOVER 0.5b1 event names (the gold file) -> current PLOVER names (the crosswalk)
PLOVER_OLD_TO_NEW: dict[str, str] = {
    "DEMAND": "REQUEST",
    "DISAPPROVE": "ACCUSE",
    "FIGHT": "ASSAULT",
    "INVESTIGATE": "ACCUSE",
}
# non-ISO codes in the PLOVER gold file that denote an ISO country
PLOVER_GOLD_CODE_FIXES: dict[str, str] = {"JAP": "JPN", "ITL": "ITA", "VTN": "VNM"}
# generic actor prefixes compared as such (gold writes "IGO" for any intergovernmental body)
GENERIC_PREFIXES = ("IGO", "NGO", "IMG")

# ConfliBERT pentaclass: CAMEO root -> class
PENTACLASS_BOUNDS: tuple[tuple[int, int, int], ...] = ((1, 2, 0), (3, 5, 1), (6, 8, 2), (9, 13, 3), (14, 20, 4))

# ACLED sub-event type -> CASE 2021 task 2 label
ACLED_TO_CASE: dict[str, str] = {
    "Government regains territory": "GOV_REGAINS_TERIT",
    "Non-state actor overtakes territory": "NON_STATE_ACTOR_OVERTAKES_TER",
    "Armed clash": "ARMED_CLASH",
    "Excessive force against protesters": "FORCE_AGAINST_PROTEST",
    "Protest with intervention": "PROTEST_WITH_INTER",
    "Peaceful protest": "PEACE_PROTEST",
    "Violent demonstration": "VIOL_DEMONSTR",
    "Mob violence": "MOB_VIOL",
    "Chemical weapon": "CHEM_WEAP",
    "Air/drone strike": "AIR_STRIKE",
    "Suicide bomb": "SUIC_BOMB",
    "Shelling/artillery/missile attack": "ART_MISS_ATTACK",
    "Remote explosive/landmine/IED": "REM_EXPLOS",
    "Grenade": "GRENADE",
    "Sexual violence": "SEX_VIOL",
    "Attack": "ATTACK",
    "Abduction/forced disappearance": "ABDUCT_DISSAP",
    "Agreement": "AGREEMENT",
    "Arrests": "ARREST",
    "Change to group/activity": "CHANGE_TO_GROUP_ACT",
    "Disrupted weapons use": "DISR_WEAP",
    "Headquarters or base established": "HQ_ESTABLISHED",
    "Looting/property destruction": "PROPERTY_DISTRUCT",
    "Non-violent transfer of territory": "NON_VIOL_TERRIT_TRANSFER",
    "Other": "OTHER",
}
CASE_UNSEEN = ("ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB")


# ---- scoring (pure) --------------------------------------------------------------------------
def classification_scores(gold: Sequence[str], pred: Sequence[str | None],
                          labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Accuracy, per-label P/R/F1, macro F1 and support-weighted F1 (sklearn's definitions).

    `labels` (default: the gold labels) are the classes averaged over; a prediction outside them
    (None, NONE) is simply wrong: a false negative for the gold class and no one's false positive.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    labs = sorted(set(gold)) if labels is None else list(labels)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            if p is not None:
                fp[p] += 1
    per: dict[str, dict[str, float]] = {}
    for lab in labs:
        prec = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        rec = tp[lab] / (tp[lab] + fn[lab]) if tp[lab] + fn[lab] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp[lab] + fn[lab]}
    n_support = sum(v["support"] for v in per.values())
    return {
        "n": len(gold),
        "accuracy": sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0,
        "macro_f1": sum(v["f1"] for v in per.values()) / len(per) if per else 0.0,
        "weighted_f1": sum(v["f1"] * v["support"] for v in per.values()) / n_support if n_support else 0.0,
        "per_label": per,
    }


def set_prf(gold: Sequence[set[Any]], pred: Sequence[set[Any]]) -> dict[str, float]:
    """Micro precision/recall/F1 of per-item sets (e.g. actor codes per record)."""
    tp = sum(len(g & p) for g, p in zip(gold, pred, strict=True))
    n_pred = sum(len(p) for p in pred)
    n_gold = sum(len(g) for g in gold)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


def pick_top(events: Iterable[Event], keep: Callable[[Event], bool] | None = None) -> Event | None:
    """The most confident event (ties: earliest in the text), among those `keep` accepts."""
    pool = [e for e in events if keep is None or keep(e)]
    if not pool:
        return None
    return min(pool, key=lambda e: (-e.confidence, e.sentence_index, e.char_start))


def pentaclass(code: str) -> int:
    """ConfliBERT pentaclass of a CAMEO code ("036" -> 1, "190" -> 4)."""
    root = int(code[:2])
    for lo, hi, cls in PENTACLASS_BOUNDS:
        if lo <= root <= hi:
            return cls
    raise ValueError(f"not a CAMEO code: {code!r}")


def plover_type(code: str, crosswalk: Mapping[str, str]) -> str | None:
    """PLOVER type of a CAMEO code: exact code, else its 3-digit base, else its root's x0 code."""
    for key in (code, code[:3], code[:2] + "0"):
        if key in crosswalk:
            return crosswalk[key]
    return None


def normalize_plover(name: str) -> str:
    """A PLOVER 0.5b1 event name in the current vocabulary."""
    return PLOVER_OLD_TO_NEW.get(name, name)


def comparable_actor(code: str | None, country: str | None, iso3: Mapping[str, str]) -> str | None:
    """Our actor as the PLOVER gold writes it: ISO3 country, else IGO/NGO/IMG, else None."""
    if country:
        return iso3.get(country, country)
    if code:
        for prefix in GENERIC_PREFIXES:
            if code.startswith(prefix):
                return prefix
        if len(code) >= 3 and code[:3] in iso3:
            return iso3[code[:3]]
    return None


def gold_actor(code: str | None) -> str | None:
    if not code:
        return None
    code = PLOVER_GOLD_CODE_FIXES.get(code, code)
    for prefix in GENERIC_PREFIXES:
        if code.startswith(prefix):
            return prefix
    return code


def case_label(sub_event_type: str | None) -> str | None:
    """The CASE 2021 label of an ACLED sub-event type (None when not an ACLED sub-type)."""
    return ACLED_TO_CASE.get(sub_event_type) if sub_event_type else None


# ---- running the coder --------------------------------------------------------------------------
def _acled_sub_type(ev: Event) -> str | None:
    if ev.acled_sub_event_type:
        return ev.acled_sub_event_type
    try:
        from dyadflow.acled import classify  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        return classify(ev)[1]
    except Exception:  # noqa: BLE001 - a classifier error is a missing label here
        return None


def code_all(items: Sequence[tuple[str, str, date | None]], processes: int, with_gazetteer: bool
             ) -> tuple[list[list[Event]], list[str | None], dict[str, Any]]:
    """Events per item (errors become no events), the errors, and run metadata."""
    from dyadflow.parallel import CoderPool
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    t0 = time.perf_counter()
    with CoderPool(settings, processes, with_gazetteer=with_gazetteer) as pool:
        pool.warm_up()
        t1 = time.perf_counter()
        coded = pool.code(items)
        t2 = time.perf_counter()
        res = pool.resources if processes == 1 else None
    meta: dict[str, Any] = {"processes": processes, "load_seconds": round(t1 - t0, 2),
                            "code_seconds": round(t2 - t1, 2), "with_gazetteer": with_gazetteer}
    if res is not None:
        meta.update(coder_version=res.coder_version, dictionary_version=res.dictionary_version)
    else:
        versions = {(e.coder_version, e.dictionary_version) for c in coded for e in c.events}
        if versions:
            meta["coder_version"], meta["dictionary_version"] = sorted(versions)[0]
    errors = [c.error for c in coded]
    meta["n_errors"] = sum(1 for e in errors if e)
    return [list(c.events) for c in coded], errors, meta


def _limit(rows: list[Any], limit: int | None) -> list[Any]:
    return rows if limit is None else rows[:limit]


# ---- PLOVER -------------------------------------------------------------------------------------
def load_plover(path: Path) -> list[dict[str, Any]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [r for r in rows if r.get("event") != "DOCUMENT" and r.get("text")]


def _actor_list(rec: Mapping[str, Any], key: str) -> list[str]:
    val = rec.get(key)
    if not isinstance(val, list):
        return []
    return [c for a in val if isinstance(a, dict) and (c := gold_actor(a.get("code")))]


def score_plover(records: Sequence[Mapping[str, Any]], events: Sequence[Sequence[Event]],
                 crosswalk: Mapping[str, str], iso3: Mapping[str, str]) -> dict[str, Any]:
    """Event-type accuracy, coverage and actor F1 of coded records against PLOVER gold."""
    gold_types: list[str] = []
    pred_types: list[str | None] = []
    any_gold, any_pred, src_gold, src_pred, tgt_gold, tgt_pred = [], [], [], [], [], []
    for rec, evs in zip(records, events, strict=True):
        gold_types.append(normalize_plover(str(rec["event"])))
        top = pick_top(evs, keep=lambda e: plover_type(e.cameo_code, crosswalk) is not None)
        pred_types.append(plover_type(top.cameo_code, crosswalk) if top else None)
        gs, gt = set(_actor_list(rec, "source")), set(_actor_list(rec, "target"))
        ps: set[str] = set()
        pt: set[str] = set()
        if top is not None:
            if a := comparable_actor(top.source_code, top.source_country, iso3):
                ps.add(a)
            if a := comparable_actor(top.target_code, top.target_country, iso3):
                pt.add(a)
        any_gold.append(gs | gt)
        any_pred.append(ps | pt)
        src_gold.append(gs)
        src_pred.append(ps)
        tgt_gold.append(gt)
        tgt_pred.append(pt)
    cls = classification_scores(gold_types, pred_types)
    n = len(records)
    return {
        "n": n,
        "coverage_any_event": sum(1 for evs in events if evs) / n if n else 0.0,
        "coverage_plover_event": sum(1 for p in pred_types if p) / n if n else 0.0,
        "event_type_accuracy": cls["accuracy"],
        "event_type_accuracy_on_coded": (
            sum(1 for g, p in zip(gold_types, pred_types, strict=True) if p and g == p)
            / max(1, sum(1 for p in pred_types if p))),
        "event_type_macro_f1": cls["macro_f1"],
        "per_type": cls["per_label"],
        "actor_f1_unordered": set_prf(any_gold, any_pred),
        "actor_f1_source": set_prf(src_gold, src_pred),
        "actor_f1_target": set_prf(tgt_gold, tgt_pred),
    }


def run_plover(limit: int | None, processes: int, with_gazetteer: bool) -> dict[str, Any]:
    from dyadflow.seeds import read_seed_table
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    crosswalk = {r["cameo_code"]: r["plover_event_type"]
                 for r in read_seed_table(settings.seeds_dir, settings.schemas_dir, "cameo_plover_crosswalk")}
    iso3 = {r["code"]: r["iso3"] or r["code"]
            for r in read_seed_table(settings.seeds_dir, settings.schemas_dir, "countries")}
    records = _limit(load_plover(EXTERNAL / "plover-gsr-cameo" / "PLOVER_GSR_CAMEO.txt"), limit)
    items = [(str(r["id"]), str(r["text"]), date.fromisoformat(r["date"]) if r.get("date") else None)
             for r in records]
    events, _errors, meta = code_all(items, processes, with_gazetteer)
    return {"benchmark": "plover", **meta, **score_plover(records, events, crosswalk, iso3)}


# ---- ConfliBERT ---------------------------------------------------------------------------------
def load_tsv_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row[0], row[1].strip()) for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                if len(row) >= 2]


def score_pentaclass(gold: Sequence[str], events: Sequence[Sequence[Event]],
                     fallback: str | None = None) -> dict[str, Any]:
    """Pentaclass scores: all texts (no event = wrong), coded subset, and with a fallback class."""
    pred: list[str | None] = []
    for evs in events:
        top = pick_top(evs)
        pred.append(str(pentaclass(top.cameo_code)) if top else None)
    labels = [str(i) for i in range(5)]
    coded = [i for i, p in enumerate(pred) if p is not None]
    out: dict[str, Any] = {
        "n": len(gold),
        "coverage": len(coded) / len(gold) if gold else 0.0,
        "all": classification_scores(gold, [p if p is not None else NONE for p in pred], labels),
        "coded_subset": classification_scores([gold[i] for i in coded], [pred[i] for i in coded], labels),
    }
    if fallback is not None:
        out["fallback_class"] = fallback
        out["with_fallback"] = classification_scores(gold, [p if p is not None else fallback for p in pred],
                                                     labels)
    out["pred_distribution"] = dict(Counter(p or NONE for p in pred))
    return out


def run_conflibert(limit: int | None, processes: int, with_gazetteer: bool) -> dict[str, Any]:
    folder = EXTERNAL / "conflibert-cameo"
    rows = _limit(load_tsv_pairs(folder / "cameo_class_test.tsv"), limit)
    train_labels = Counter(lab for _, lab in load_tsv_pairs(folder / "cameo_class_train.tsv"))
    fallback = train_labels.most_common(1)[0][0]  # the train set's majority class, not the test's
    items = [(f"conflibert-{i:04d}", text, None) for i, (text, _) in enumerate(rows)]
    events, _errors, meta = code_all(items, processes, with_gazetteer)
    return {"benchmark": "conflibert", **meta, **score_pentaclass([lab for _, lab in rows], events, fallback)}


# ---- CASE 2021 ----------------------------------------------------------------------------------
def load_case(path: Path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["id"], r["EventSnippet"], r["SubType"].strip()) for r in reader if r.get("EventSnippet")]


def score_case(gold: Sequence[str], events: Sequence[Sequence[Event]],
               sub_type: Callable[[Event], str | None] = _acled_sub_type) -> dict[str, Any]:
    """Weighted/macro F1 of our ACLED sub-event labels: sub-task 1 (25 seen types) and all labels."""
    pred: list[str] = []
    for evs in events:
        top = pick_top(evs, keep=lambda e: case_label(sub_type(e)) is not None)
        pred.append(case_label(sub_type(top)) or NONE if top else NONE)
    seen = set(ACLED_TO_CASE.values())
    idx1 = [i for i, g in enumerate(gold) if g in seen]
    g1 = [gold[i] for i in idx1]
    p1 = [pred[i] for i in idx1]
    labels1 = sorted(set(g1))
    return {
        "n": len(gold),
        "coverage_any_event": sum(1 for evs in events if evs) / len(gold) if gold else 0.0,
        "coverage_acled_label": sum(1 for p in pred if p != NONE) / len(gold) if gold else 0.0,
        "subtask1": {**classification_scores(g1, p1, labels1),
                     "coverage": sum(1 for p in p1 if p != NONE) / len(p1) if p1 else 0.0},
        "subtask1_coded_subset": classification_scores([g for g, p in zip(g1, p1, strict=True) if p != NONE],
                                                       [p for p in p1 if p != NONE], labels1),
        "all_labels": classification_scores(list(gold), list(pred), sorted(set(gold))),
        "pred_distribution": dict(Counter(pred)),
    }


def run_case(limit: int | None, processes: int, with_gazetteer: bool) -> dict[str, Any]:
    path = EXTERNAL / "case2021-task2-acled" / "test_set_final_release_with_labels.tsv"
    rows = _limit(load_case(path), limit)
    labels = {lab for _, _, lab in load_case(path)}
    missing = sorted(set(ACLED_TO_CASE.values()) - labels)
    if missing:
        raise SystemExit(f"ACLED->CASE label map names labels absent from the task: {missing}")
    items = [(f"case-{rid}", text, None) for rid, text, _ in rows]
    events, _errors, meta = code_all(items, processes, with_gazetteer)
    return {"benchmark": "case2021", **meta, **score_case([lab for _, _, lab in rows], events)}


# ---- output -------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def markdown(result: Mapping[str, Any]) -> str:
    """A short markdown table of one benchmark result."""
    b = result["benchmark"]
    lines = ["| metric | value |", "|---|---:|"]
    if b == "plover":
        rows = [
            ("records", result["n"]),
            ("coverage: any event (%)", _pct(result["coverage_any_event"])),
            ("coverage: a PLOVER-mappable event (%)", _pct(result["coverage_plover_event"])),
            ("event-type accuracy, all records (%)", _pct(result["event_type_accuracy"])),
            ("event-type accuracy, coded records (%)", _pct(result["event_type_accuracy_on_coded"])),
            ("event-type macro-F1", f"{result['event_type_macro_f1']:.3f}"),
            ("actor F1, unordered (P / R)", "{f1:.3f} ({precision:.3f} / {recall:.3f})".format(
                **result["actor_f1_unordered"])),
            ("actor F1, source", f"{result['actor_f1_source']['f1']:.3f}"),
            ("actor F1, target", f"{result['actor_f1_target']['f1']:.3f}"),
        ]
    elif b == "conflibert":
        rows = [
            ("sentences", result["n"]),
            ("coverage (%)", _pct(result["coverage"])),
            ("macro-F1, all (no event = wrong)", f"{result['all']['macro_f1']:.3f}"),
            ("accuracy, all (%)", _pct(result["all"]["accuracy"])),
            ("macro-F1, coded subset", f"{result['coded_subset']['macro_f1']:.3f}"),
            ("accuracy, coded subset (%)", _pct(result["coded_subset"]["accuracy"])),
        ]
        if "with_fallback" in result:
            rows.append((f"macro-F1, no event -> class {result['fallback_class']} (train majority)",
                         f"{result['with_fallback']['macro_f1']:.3f}"))
        rows.append(("anchor: fine-tuned ConfliBERT macro-F1", "≈0.88"))
    elif b == "case2021":
        s1, sc = result["subtask1"], result["subtask1_coded_subset"]
        rows = [
            ("snippets (all / sub-task 1)", f"{result['n']} / {s1['n']}"),
            ("coverage: an ACLED sub-type, sub-task 1 (%)", _pct(s1["coverage"])),
            ("sub-task 1 weighted F1 (%)", _pct(s1["weighted_f1"])),
            ("sub-task 1 macro F1 (%)", _pct(s1["macro_f1"])),
            ("sub-task 1 accuracy (%)", _pct(s1["accuracy"])),
            ("sub-task 1 weighted F1, coded subset (%)", _pct(sc["weighted_f1"])),
            ("all 30 labels weighted F1 (%)", _pct(result["all_labels"]["weighted_f1"])),
            ("anchor: best CASE 2021 system, sub-task 1 weighted F1", "83.9"),
        ]
    else:
        raise ValueError(b)
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


RUNNERS: dict[str, Callable[[int | None, int, bool], dict[str, Any]]] = {
    "plover": run_plover,
    "conflibert": run_conflibert,
    "case2021": run_case,
}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("benchmark", choices=[*RUNNERS, "all"])
    ap.add_argument("--limit", type=int, default=None, help="only the first N texts")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--no-gazetteer", action="store_true", help="code without the place gazetteer")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    if not EXTERNAL.exists():
        print(f"benchmark data not found: {EXTERNAL}", file=sys.stderr)
        return 2
    names = list(RUNNERS) if args.benchmark == "all" else [args.benchmark]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        result = RUNNERS[name](args.limit, args.processes, not args.no_gazetteer)
        result.update(limit=args.limit, git_commit=_git_commit(), python=platform.python_version(),
                      created=stamp,
                      command=f"python benchmarks/external.py {name}"
                              + (f" --limit {args.limit}" if args.limit else "")
                              + (f" --processes {args.processes}" if args.processes != 1 else ""))
        path = args.out / f"external-{name}-{stamp}.json"
        path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
        print(f"## {name}  ({result['command']}; {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
        print(markdown(result))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
