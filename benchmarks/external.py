"""Coder accuracy on three public benchmarks (data in ../shared/eval/external, never copied here).

    python benchmarks/external.py plover      [--limit N] [--processes N]
    python benchmarks/external.py conflibert  [--limit N] [--processes N]
    python benchmarks/external.py case2021    [--limit N] [--processes N]
    python benchmarks/external.py conflibert-ner [--limit N] [--processes N]
    python benchmarks/external.py all         [--backoff]

* plover: the PLOVER gold records (CAMEO-manual sentences, PLOVER 0.5b1 labels). Our CAMEO codes go
  to PLOVER through seeds/cameo_plover_crosswalk.csv; the gold's 0.5b1 names are renamed to the
  current ones (DEMAND->REQUEST, DISAPPROVE->ACCUSE, FIGHT->ASSAULT, INVESTIGATE->ACCUSE). Event-type
  accuracy = share of records whose top PLOVER-mappable event has the gold type; actor F1 compares
  the source/target countries (ISO3; IGO/NGO/IMG generics) of the top event and of the other dyads of
  the same act (one trigger and code: compound actors) with the gold codes.
* conflibert: ConfliBERT's CAMEO pentaclass test set (451 sentences, 0=01-02, 1=03-05, 2=06-08,
  3=09-13 and 16, 4=14-15 and 17-20); our class = the root class of our top event. Root 16 (reduce
  relations: sanctions, aid cuts, expulsions of envoys) is class 3 in the set's own labels: of the
  sentences our coder codes 16, 57 of 61 (train 50/54, test 7/7) carry label 3 (issue 12).
* case2021: CASE 2021 task 2 (ACLED sub-event types); our label = the ACLED sub-event type of our
  top event that has one, renamed to the task's label strings. Sub-task 1 = the 25 "seen" ACLED
  types (the published 83.9 weighted-F1 anchor); sub-task 3 = all 30 labels (unseen types are
  always wrong for us).
* conflibert-ner: ConfliBERT's CAMEO source/target span test set (the same 451 sentences, CoNLL
  tokens with BIO tags S = source, T = target, R = reciprocal party). Our spans = the source and
  target texts of every event coded in the sentence; a source matches a gold S or R span, a target
  a gold T or R span, each span at most once. "exact" compares the whole texts ignoring case,
  whitespace and a leading article (close to the anchor's seqeval convention: the whole span);
  "overlap" accepts any shared word other than an article.

--backoff: where the coder codes nothing for a text, the learned back-off (dyadflow.backoff)
classifies the whole text (sentence level) and, unless it abstains, adds one event with its CAMEO
code and no actors (rule_id "backoff:<example id>"). Texts the coder did code are unchanged;
actor and span scores cannot gain from it (it names no actors).

"Top event" = highest confidence, then earliest in the text. A text we code nothing for gets the
label NONE, which is wrong for every gold class. Results: JSON in benchmarks/out/ and a markdown
table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, replace
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
PENTACLASS_BOUNDS: tuple[tuple[int, int, int], ...] = ((1, 2, 0), (3, 5, 1), (6, 8, 2), (9, 13, 3), (14, 15, 4),
                                                      (16, 16, 3), (17, 20, 4))

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


def same_act(top: Event | None, events: Iterable[Event]) -> list[Event]:
    """The top event with the other dyads of the same act: one trigger and code split into one event per
    party ("visited Mauritania and Senegal"), as a PLOVER record lists compound actors in one record."""
    if top is None:
        return []
    key = (top.sentence_index, top.cameo_code, top.extras.get("trigger"), top.rule_id)
    return [top, *(e for e in events if e is not top
                   and (e.sentence_index, e.cameo_code, e.extras.get("trigger"), e.rule_id) == key)]


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


QUAD_BY_ROOT = {**dict.fromkeys(range(1, 6), 1), **dict.fromkeys(range(6, 9), 2),
                **dict.fromkeys(range(9, 14), 3), **dict.fromkeys(range(14, 21), 4)}


def backoff_event(item_id: str, text: str, pred: Any, acled: Any | None = None) -> Event:
    """A sentence-level event from a back-off prediction: its code, no actors, its rule id."""
    ev = Event(
        doc_id=item_id, sentence_index=0, sentence=text, char_start=0, char_end=len(text),
        source_text=None, source_code=None, source_country=None, source_role=None,
        target_text=None, target_code=None, target_country=None, target_role=None,
        cameo_code=pred.cameo_code, cameo_root=pred.cameo_code[:2], cameo_label=None,
        quad_class=QUAD_BY_ROOT[int(pred.cameo_code[:2])], goldstein=None, rule_id=pred.rule_id,
        confidence=pred.similarity, coder_version="backoff", dictionary_version="backoff",
    )
    if acled is not None:
        event_type, sub_type, _ = acled.classify(ev)
        ev = replace(ev, acled_event_type=event_type, acled_sub_event_type=sub_type)
    return ev


def fill_with_backoff(items: Sequence[tuple[str, str, date | None]], events: Sequence[Sequence[Event]],
                      backoff: Any, acled: Any | None = None) -> tuple[list[list[Event]], dict[str, Any]]:
    """Events per item where every item the coder coded nothing for gets the back-off's event, if any."""
    empty = [i for i, evs in enumerate(events) if not evs]
    t0 = time.perf_counter()
    preds = backoff.classify([items[i][1] for i in empty]) if empty else []
    seconds = time.perf_counter() - t0
    out = [list(evs) for evs in events]
    for i, pred in zip(empty, preds, strict=True):
        if pred is not None:
            out[i] = [backoff_event(items[i][0], items[i][1], pred, acled)]
    n_filled = sum(1 for p in preds if p is not None)
    return out, {"level": "sentence: only texts the coder coded nothing for",
                 "n_uncoded": len(empty), "n_filled": n_filled,
                 "threshold": backoff.threshold, "calibration": asdict(backoff.calibration),
                 "classify_seconds": round(seconds, 3),
                 "ms_per_text": round(1000 * seconds / len(empty), 2) if empty else None}


def scored(score: Callable[[Sequence[int], Sequence[Sequence[Event]]], dict[str, Any]],
           events: Sequence[Sequence[Event]], backfilled: Sequence[Sequence[Event]] | None) -> dict[str, Any]:
    """Scores of the coder's events; with the back-off, scores of the back-filled events, and under
    "without_backoff" those of the same coding pass without it (one run, so the two compare exactly)
    and under "backoff_filled_only" those of the texts the back-off filled alone (its own precision).

    `score(indices, events)` scores the items at `indices` given their events.
    """
    every = range(len(events))
    if backfilled is None:
        return score(every, events)
    filled = [i for i in every if not events[i] and backfilled[i]]
    return {**score(every, backfilled), "without_backoff": score(every, events),
            "backoff_filled_only": score(filled, [backfilled[i] for i in filled]) if filled else None}


def code_all(items: Sequence[tuple[str, str, date | None]], processes: int, with_gazetteer: bool,
             backoff: Any | None = None, dyadic_only: bool = False,
             ) -> tuple[list[list[Event]], list[list[Event]] | None, dict[str, Any]]:
    """Events per item (errors become no events), the same back-filled by the back-off (None
    without it), and run metadata. With `dyadic_only`, the monadic events (unattributed: no named
    source; unlinked: target not linked) are left out, as if the coder emitted dyads only."""
    from dyadflow.scaleout import LocalCoder, code_chunk, resource_key, warm_worker
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    t0 = time.perf_counter()
    res = None
    if processes == 1:
        coder = LocalCoder(settings, with_gazetteer=with_gazetteer)
        coder.warm_up()
        t1 = time.perf_counter()
        coded = coder.code(items)
        t2 = time.perf_counter()
        res = coder.resources
    else:  # N Dask worker processes, each with its own coder
        from distributed import Client, LocalCluster

        key = resource_key(settings, with_gazetteer)
        chunks = [list(items[i:i + 16]) for i in range(0, len(items), 16)]
        with LocalCluster(n_workers=processes, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(warm_worker, key)
            t1 = time.perf_counter()
            futures = client.map(code_chunk, chunks, resource=key, pure=False)
            coded = [c for f in futures for c in f.result()]
            t2 = time.perf_counter()
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
    events = [list(c.events) for c in coded]
    if dyadic_only:
        from dyadflow.evaluate import is_unlinked

        events = [[e for e in evs if e.source_code and not is_unlinked({"rule_id": e.rule_id})] for evs in events]
        meta["dyadic_only"] = True
    backfilled = None
    if backoff is not None:
        from dyadflow.acled import load_crosswalk

        acled = load_crosswalk(settings.seeds_dir, settings.schemas_dir)
        backfilled, meta["backoff"] = fill_with_backoff(items, events, backoff, acled)
    return events, backfilled, meta


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
    top_only: list[set[str]] = []  # the top event alone (before compound actors were scored)
    for rec, evs in zip(records, events, strict=True):
        gold_types.append(normalize_plover(str(rec["event"])))
        top = pick_top(evs, keep=lambda e: plover_type(e.cameo_code, crosswalk) is not None)
        pred_types.append(plover_type(top.cameo_code, crosswalk) if top else None)
        gs, gt = set(_actor_list(rec, "source")), set(_actor_list(rec, "target"))
        ps: set[str] = set()
        pt: set[str] = set()
        for e in same_act(top, evs):
            if a := comparable_actor(e.source_code, e.source_country, iso3):
                ps.add(a)
            if a := comparable_actor(e.target_code, e.target_country, iso3):
                pt.add(a)
        any_gold.append(gs | gt)
        any_pred.append(ps | pt)
        top_only.append({a for e in same_act(top, evs)[:1] for a in (
            comparable_actor(e.source_code, e.source_country, iso3),
            comparable_actor(e.target_code, e.target_country, iso3)) if a})
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
        "actor_f1_unordered_top_event_only": set_prf(any_gold, top_only),
        "actor_f1_source": set_prf(src_gold, src_pred),
        "actor_f1_target": set_prf(tgt_gold, tgt_pred),
    }


def run_plover(limit: int | None, processes: int, with_gazetteer: bool,
               backoff: Any | None = None, dyadic_only: bool = False) -> dict[str, Any]:
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
    events, backfilled, meta = code_all(items, processes, with_gazetteer, backoff, dyadic_only)
    return {"benchmark": "plover", **meta,
            **scored(lambda ix, evs: score_plover([records[i] for i in ix], evs, crosswalk, iso3),
                     events, backfilled)}


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


def run_conflibert(limit: int | None, processes: int, with_gazetteer: bool,
                   backoff: Any | None = None, dyadic_only: bool = False) -> dict[str, Any]:
    folder = EXTERNAL / "conflibert-cameo"
    rows = _limit(load_tsv_pairs(folder / "cameo_class_test.tsv"), limit)
    train_labels = Counter(lab for _, lab in load_tsv_pairs(folder / "cameo_class_train.tsv"))
    fallback = train_labels.most_common(1)[0][0]  # the train set's majority class, not the test's
    items = [(f"conflibert-{i:04d}", text, None) for i, (text, _) in enumerate(rows)]
    events, backfilled, meta = code_all(items, processes, with_gazetteer, backoff, dyadic_only)
    gold = [lab for _, lab in rows]
    return {"benchmark": "conflibert", **meta,
            **scored(lambda ix, evs: score_pentaclass([gold[i] for i in ix], evs, fallback), events, backfilled)}


# ---- ConfliBERT source/target spans ------------------------------------------------------------
def load_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of a CoNLL file with one `token tag` pair a line and blank lines between sentences."""
    sents: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if len(parts) >= 2:
            toks.append(parts[0])
            tags.append(parts[-1])
        elif toks:
            sents.append((toks, tags))
            toks, tags = [], []
    return sents


def bio_spans(tokens: Sequence[str], tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(label, start, end) token spans of BIO tags; an I- without its B- starts a span."""
    spans: list[tuple[str, int, int]] = []
    label, start = None, 0
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("I-") and label == tag[2:]:
            continue
        if label is not None:
            spans.append((label, start, i))
            label = None
        if tag.startswith(("B-", "I-")):
            label, start = tag[2:], i
    return spans


_DETOK = [(" 's", "'s"), (" n't", "n't"), (" ,", ","), (" .", "."), (" ;", ";"), (" :", ":"), (" ?", "?"),
          (" !", "!"), ("( ", "("), (" )", ")"), ("$ ", "$"), (" %", "%"), ("`` ", '"'), (" ''", '"')]


_DETOK_RE = [(re.compile(r"(?<=\w) - (?=\w)"), "-"),  # "Damascus - based" -> "Damascus-based"
             (re.compile(r"(?<=\d), (?=\d{3}\b)"), ","),  # "20, 000" -> "20,000"
             (re.compile(r" ([’']) s\b"), r"\1s")]  # "Moscow ’ s" -> "Moscow’s"


def detokenize(tokens: Sequence[str]) -> str:
    """Plain text from CoNLL tokens (spaces before punctuation and clitics removed)."""
    text = " ".join(tokens)
    for old, new in _DETOK:
        text = text.replace(old, new)
    for pattern, repl in _DETOK_RE:
        text = pattern.sub(repl, text)
    return text


_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def _norm_span(text: str) -> str:
    """A span for exact comparison: case, whitespace and a leading article ignored."""
    return "".join(_LEADING_ARTICLE.sub("", text.strip()).lower().split())


def _span_words(text: str) -> set[str]:
    return {w for w in (t.strip(".,;:()'\"").lower() for t in text.split()) if w and w not in {"the", "a", "an"}}


def span_scores(gold: Sequence[Sequence[tuple[str, str]]], pred: Sequence[Sequence[tuple[str, str]]],
                match: Callable[[str, str], bool]) -> dict[str, float]:
    """Micro P/R/F1 of (role, text) spans per sentence; a predicted S (T) matches a gold S (T) or R."""
    tp = n_pred = n_gold = 0
    for g_spans, p_spans in zip(gold, pred, strict=True):
        free = list(g_spans)
        n_gold += len(g_spans)
        n_pred += len(p_spans)
        for role, text in p_spans:
            hit = next((g for g in free if g[0] in (role, "R") and match(text, g[1])), None)
            if hit is not None:
                free.remove(hit)
                tp += 1
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


def exact_span_match(a: str, b: str) -> bool:
    return _norm_span(a) == _norm_span(b)


def overlap_span_match(a: str, b: str) -> bool:
    return bool(_span_words(a) & _span_words(b))


IMPLIED_VIAS = ("protest",)  # a party the coder implies (the government a protest is against): no text of its own


def _tokens(doc: Any, span: Any) -> tuple[int, int] | None:
    if not span:
        return None
    s = doc.char_span(span[0], span[1], alignment_mode="expand")
    return (s.start, s.end) if s is not None and len(s) else None


def event_phrases(e: Event, doc: Any) -> tuple[str | None, str | None]:
    """The source and target noun phrases of an event in its parsed text (dyadflow.nlp.phrase: the
    mention's whole noun phrase; when the two sides are conjuncts of one coordination, "A and B", or one
    phrase, "A and B troops", that phrase once, as the source (gold tags it once, R); a pronoun reporting its sentence's speaker, "X said it ...", the
    speaker's phrase). A party the coder implies (IMPLIED_VIAS) has no text."""
    from dyadflow.nlp.phrase import actor_phrase, coordination, phrase_head, reported_subject

    sides: list[tuple[str | None, tuple[int, int] | None]] = []
    for text, key, via in ((e.source_text, "source_span", "source_via"), (e.target_text, "target_span", "target_via")):
        implied = e.extras.get(via) in IMPLIED_VIAS
        sides.append((None if implied else text, None if implied or not text else _tokens(doc, e.extras.get(key))))
    (_, sb), (_, tb) = sides
    if sb is not None and tb is not None and (c := coordination(doc, *sb)) is not None \
            and phrase_head(doc, *tb).i in c[1]:
        return doc[c[0][0]:c[0][1]].text, None  # one span for both sides, as a reciprocal party
    if sb is not None and tb is not None and (ph := actor_phrase(doc, *sb)) is not None and ph == actor_phrase(doc, *tb):
        return doc[ph[0]:ph[1]].text, None  # both sides one phrase ("Sylvanian and Freedonian troops"): one span
    out: list[str | None] = []
    for text, bounds in sides:
        ph = (reported_subject(doc, *bounds) or actor_phrase(doc, *bounds)) if bounds is not None else None
        out.append(doc[ph[0]:ph[1]].text if ph is not None else None if bounds is not None else text)
    return out[0], out[1]


def predicted_spans(events: Iterable[Event], doc: Any = None) -> list[tuple[str, str]]:
    """The distinct (role, text) spans of the events' sources ("S") and targets ("T"): the mention texts,
    or with the parsed text their noun phrases (event_phrases)."""
    out: list[tuple[str, str]] = []
    for e in events:
        texts = event_phrases(e, doc) if doc is not None else (e.source_text, e.target_text)
        for role, text in zip(("S", "T"), texts, strict=True):
            if text and (role, _norm_span(text)) not in {(r, _norm_span(t)) for r, t in out}:
                out.append((role, text))
    return out


def score_spans(gold: Sequence[Sequence[tuple[str, str]]], events: Sequence[Sequence[Event]],
                docs: Sequence[Any] | None = None) -> dict[str, Any]:
    """Exact and overlap span P/R/F1 of the coded events' source/target phrases (with `docs`, the parsed
    texts; else the mention texts) against gold spans; "exact_mention" scores the bare mention texts."""
    pred = [predicted_spans(evs, docs[i] if docs is not None else None) for i, evs in enumerate(events)]
    mention_pred = [predicted_spans(evs) for evs in events]
    by_role = {}
    for role in ("S", "T"):
        g_role = [[g for g in gs if g[0] in (role, "R")] for gs in gold]
        p_role = [[p for p in ps if p[0] == role] for ps in pred]
        by_role[role] = span_scores(g_role, p_role, exact_span_match)
    return {
        "n": len(gold),
        "coverage_any_event": sum(1 for evs in events if evs) / len(gold) if gold else 0.0,
        "gold_spans": dict(Counter(role for gs in gold for role, _ in gs)),
        "exact": span_scores(gold, pred, exact_span_match),
        "exact_mention": span_scores(gold, mention_pred, exact_span_match),
        "overlap": span_scores(gold, pred, overlap_span_match),
        "exact_source_vs_S_or_R": by_role["S"],
        "exact_target_vs_T_or_R": by_role["T"],
    }


def run_conflibert_ner(limit: int | None, processes: int, with_gazetteer: bool,
                       backoff: Any | None = None, dyadic_only: bool = False) -> dict[str, Any]:
    sents = _limit(load_conll(EXTERNAL / "conflibert-cameo" / "cameo_ner_test.txt"), limit)
    gold = [[(lab, detokenize(toks[a:b])) for lab, a, b in bio_spans(toks, tags)] for toks, tags in sents]
    items = [(f"conflibert-ner-{i:04d}", detokenize(toks), None) for i, (toks, _) in enumerate(sents)]
    events, backfilled, meta = code_all(items, processes, with_gazetteer, backoff, dyadic_only)
    docs = parse_texts([text for _, text, _ in items], with_gazetteer)
    return {"benchmark": "conflibert-ner", **meta,
            **scored(lambda ix, evs: score_spans([gold[i] for i in ix], evs, [docs[i] for i in ix]), events, backfilled)}


def parse_texts(texts: Sequence[str], with_gazetteer: bool) -> list[Any]:
    """The texts parsed by the coder's own pipeline (this process's cached resources), for phrase spans."""
    from dyadflow.scaleout import resource_key, worker_resources
    from dyadflow.settings import Settings

    nlp = worker_resources(resource_key(Settings.from_env(), with_gazetteer)).nlp
    return list(nlp.pipe(list(texts), batch_size=32))


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


def run_case(limit: int | None, processes: int, with_gazetteer: bool,
             backoff: Any | None = None, dyadic_only: bool = False) -> dict[str, Any]:
    path = EXTERNAL / "case2021-task2-acled" / "test_set_final_release_with_labels.tsv"
    rows = _limit(load_case(path), limit)
    labels = {lab for _, _, lab in load_case(path)}
    missing = sorted(set(ACLED_TO_CASE.values()) - labels)
    if missing:
        raise SystemExit(f"ACLED->CASE label map names labels absent from the task: {missing}")
    items = [(f"case-{rid}", text, None) for rid, text, _ in rows]
    events, backfilled, meta = code_all(items, processes, with_gazetteer, backoff, dyadic_only)
    gold = [lab for _, _, lab in rows]
    return {"benchmark": "case2021", **meta, **scored(lambda ix, evs: score_case([gold[i] for i in ix], evs), events, backfilled)}


# ---- output -------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def markdown(result: Mapping[str, Any]) -> str:
    """A short markdown table of one benchmark result (two columns when run with the back-off)."""
    rows = _rows(result)
    if "without_backoff" not in result:
        return "\n".join(["| metric | value |", "|---|---:|", *(f"| {k} | {v} |" for k, v in rows)])
    base = dict(_rows({"benchmark": result["benchmark"], **result["without_backoff"]}))
    bo = result["backoff"]
    lines = ["| metric | coder | coder + back-off |", "|---|---:|---:|",
             *(f"| {k} | {base.get(k, '')} | {v} |" for k, v in rows),
             f"| back-off (sentence level, only texts with no coded event): texts filled / uncoded | "
             f"| {bo['n_filled']} / {bo['n_uncoded']} |"]
    if (alone := _filled_metric(result)) is not None:
        lines.append(f"| back-off alone, on the texts it filled: {alone[0]} | | {alone[1]} |")
    return "\n".join(lines)


def _filled_metric(result: Mapping[str, Any]) -> tuple[str, str] | None:
    """The headline accuracy of the back-off's own events (texts it filled), if any."""
    sub = result.get("backoff_filled_only")
    if not sub:
        return None
    b = result["benchmark"]
    if b == "plover":
        return "event-type accuracy (%)", _pct(sub["event_type_accuracy"])
    if b == "conflibert":
        return "pentaclass accuracy (%)", _pct(sub["all"]["accuracy"])
    if b == "case2021":
        return "sub-task 1 accuracy (%)", f"{_pct(sub['subtask1']['accuracy'])} (n={sub['subtask1']['n']})"
    return None


def _rows(result: Mapping[str, Any]) -> list[tuple[str, Any]]:
    b = result["benchmark"]
    rows: list[tuple[str, Any]]
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
            *([("actor F1, unordered, top event only (P / R)", "{f1:.3f} ({precision:.3f} / {recall:.3f})".format(
                **result["actor_f1_unordered_top_event_only"]))] if "actor_f1_unordered_top_event_only" in result else []),
            ("actor F1, source (P / R)", "{f1:.3f} ({precision:.3f} / {recall:.3f})".format(
                **result["actor_f1_source"])),
            ("actor F1, target (P / R)", "{f1:.3f} ({precision:.3f} / {recall:.3f})".format(
                **result["actor_f1_target"])),
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
    elif b == "conflibert-ner":
        ex, ov = result["exact"], result["overlap"]
        rows = [
            ("sentences", result["n"]),
            ("coverage: any event (%)", _pct(result["coverage_any_event"])),
            ("gold spans", " / ".join(f"{k} {v}" for k, v in sorted(result["gold_spans"].items()))),
            ("span F1, exact: noun phrase (P / R)", f"{ex['f1']:.3f} ({ex['precision']:.3f} / {ex['recall']:.3f})"),
            *([("span F1, exact: mention text only (P / R)", "{f1:.3f} ({precision:.3f} / {recall:.3f})".format(
                **result["exact_mention"]))] if "exact_mention" in result else []),
            ("span F1, any shared word (P / R)", f"{ov['f1']:.3f} ({ov['precision']:.3f} / {ov['recall']:.3f})"),
            ("exact F1, source / target", f"{result['exact_source_vs_S_or_R']['f1']:.3f} / "
                                          f"{result['exact_target_vs_T_or_R']['f1']:.3f}"),
            ("anchor: fine-tuned ConfliBERT span F1 (seqeval)", "0.740"),
        ]
    else:
        raise ValueError(b)
    return rows


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    "plover": run_plover,
    "conflibert": run_conflibert,
    "case2021": run_case,
    "conflibert-ner": run_conflibert_ner,
}


def load_backoff() -> tuple[Any, dict[str, Any]]:
    """The learned back-off built from the project's seeds, and what building it cost."""
    import resource

    from dyadflow.backoff import Backoff
    from dyadflow.settings import Settings

    settings = Settings.from_env()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    backoff = Backoff.load(settings.seeds_dir, settings.schemas_dir, cache_dir=OUT_DIR / "cache")
    seconds = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return backoff, {"model": backoff.encoder.model_id, "load_seconds": round(seconds, 2),
                     "n_examples": len(backoff.examples), "max_rss_growth_mb": round((rss1 - rss0) / 1024, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("benchmark", choices=[*RUNNERS, "all"])
    ap.add_argument("--limit", type=int, default=None, help="only the first N texts")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--no-gazetteer", action="store_true", help="code without the place gazetteer")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--backoff", action="store_true",
                    help="texts the coder codes nothing for get the learned back-off's code (sentence level)")
    ap.add_argument("--dyadic-only", action="store_true",
                    help="score only the coder's dyads: leave out monadic events (unattributed, target not linked)")
    args = ap.parse_args(argv)
    if not EXTERNAL.exists():
        print(f"benchmark data not found: {EXTERNAL}", file=sys.stderr)
        return 2
    names = list(RUNNERS) if args.benchmark == "all" else [args.benchmark]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    backoff, backoff_load = load_backoff() if args.backoff else (None, None)
    for name in names:
        result = RUNNERS[name](args.limit, args.processes, not args.no_gazetteer, backoff, args.dyadic_only)
        if backoff_load is not None:
            result["backoff"] = {**backoff_load, **result.get("backoff", {})}
        result.update(limit=args.limit, git_commit=_git_commit(), python=platform.python_version(),
                      created=stamp,
                      command=f"python benchmarks/external.py {name}"
                              + (f" --limit {args.limit}" if args.limit else "")
                              + (f" --processes {args.processes}" if args.processes != 1 else "")
                              + (" --backoff" if args.backoff else "")
                              + (" --dyadic-only" if args.dyadic_only else ""))
        path = args.out / (f"external-{name}{'-backoff' if args.backoff else ''}"
                           f"{'-dyadic' if args.dyadic_only else ''}-{stamp}.json")
        path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
        print(f"## {name}  ({result['command']}; {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
        print(markdown(result))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
