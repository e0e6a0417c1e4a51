"""Scoring functions of benchmarks/external.py on small fabricated inputs (no benchmark text)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from dyadflow.records import Event
from dyadflow.seeds import read_seed_table

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    path = PROJECT_DIR / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


ext = _load("external")


def ev(code: str, conf: float = 0.9, *, src: str | None = "TURGOV", src_c: str | None = "TUR",
       tgt: str | None = "SYRMIL", tgt_c: str | None = "SYR", start: int = 0, sub: str | None = None) -> Event:
    return Event(
        doc_id="d", sentence_index=0, sentence="s", char_start=start, char_end=start + 5,
        source_text="a", source_code=src, source_country=src_c, source_role=None,
        target_text="b", target_code=tgt, target_country=tgt_c, target_role=None,
        cameo_code=code, cameo_root=code[:2], cameo_label=None, quad_class=1, goldstein=None,
        rule_id="test", confidence=conf, coder_version="t", dictionary_version="t",
        acled_sub_event_type=sub,
    )


def test_classification_scores_match_hand_computation() -> None:
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "NONE"]
    s = ext.classification_scores(gold, pred)
    # a: P=1 R=.5 F=2/3 ; b: P=.5 R=1 F=2/3 ; c: 0
    assert s["accuracy"] == pytest.approx(0.5)
    assert s["per_label"]["a"]["f1"] == pytest.approx(2 / 3)
    assert s["per_label"]["b"]["f1"] == pytest.approx(2 / 3)
    assert s["per_label"]["c"]["f1"] == 0.0
    assert s["macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 3)
    assert s["weighted_f1"] == pytest.approx((2 * 2 / 3 + 1 * 2 / 3) / 4)
    assert "NONE" not in s["per_label"]


def test_classification_scores_perfect_and_explicit_labels() -> None:
    s = ext.classification_scores(["x", "y"], ["x", "y"], labels=["x", "y", "z"])
    assert s["accuracy"] == 1.0
    assert s["weighted_f1"] == 1.0  # z has no support: weight 0
    assert s["macro_f1"] == pytest.approx(2 / 3)  # z counts in the macro average with F1 0
    with pytest.raises(ValueError):
        ext.classification_scores(["x"], [])


def test_set_prf() -> None:
    r = ext.set_prf([{"TUR", "SYR"}, {"USA"}], [{"TUR"}, {"RUS"}])
    assert r["precision"] == pytest.approx(0.5)
    assert r["recall"] == pytest.approx(1 / 3)
    assert r["f1"] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_pick_top_prefers_confidence_then_position() -> None:
    a, b, c = ev("190", 0.5, start=0), ev("036", 0.9, start=30), ev("042", 0.9, start=10)
    assert ext.pick_top([a, b, c]) is c
    assert ext.pick_top([a, b], keep=lambda e: e.cameo_code.startswith("19")) is a
    assert ext.pick_top([]) is None


@pytest.mark.parametrize(("code", "cls"), [("010", 0), ("028", 0), ("036", 1), ("057", 1), ("061", 2),
                                           ("0874", 2), ("090", 3), ("1383", 3), ("141", 4), ("204", 4),
                                           ("150", 4), ("163", 3), ("1661", 3), ("173", 4)])
def test_pentaclass(code: str, cls: int) -> None:
    assert ext.pentaclass(code) == cls


def test_plover_type_falls_back_to_base_and_root() -> None:
    xw = {"042": "CONSULT", "190": "ASSAULT", "0811": "CONCEDE"}
    assert ext.plover_type("042", xw) == "CONSULT"
    assert ext.plover_type("0423", xw) == "CONSULT"
    assert ext.plover_type("195", xw) == "ASSAULT"
    assert ext.plover_type("0811", xw) == "CONCEDE"
    assert ext.plover_type("010", xw) is None
    assert ext.normalize_plover("FIGHT") == "ASSAULT"
    assert ext.normalize_plover("AGREE") == "AGREE"


def test_crosswalk_seed_is_complete_for_roots_03_to_20(project_dir: Path) -> None:
    rows = read_seed_table(project_dir / "seeds", project_dir / "schemas", "cameo_plover_crosswalk")
    xw = {r["cameo_code"]: r["plover_event_type"] for r in rows}
    for root in range(3, 21):
        assert ext.plover_type(f"{root:02d}0", xw) is not None, root
    assert ext.plover_type("190", xw) == "ASSAULT"
    assert ext.plover_type("042", xw) == "CONSULT"
    assert all(len(c) in (3, 4) and c.isdigit() for c in xw)


def test_comparable_actor_and_gold_actor() -> None:
    iso3 = {"TUR": "TUR", "ROM": "ROU"}
    assert ext.comparable_actor("ROMGOV", "ROM", iso3) == "ROU"
    assert ext.comparable_actor("IGOUNO", None, iso3) == "IGO"
    assert ext.comparable_actor("TURMIL", None, iso3) == "TUR"
    assert ext.comparable_actor(None, None, iso3) is None
    assert ext.gold_actor("JAP") == "JPN"
    assert ext.gold_actor("IGOUNO") == "IGO"


def test_score_plover_on_fabricated_records() -> None:
    xw = {"190": "ASSAULT", "036": "AGREE", "111": "ACCUSE"}
    iso3 = {"TUR": "TUR", "SYR": "SYR", "GRC": "GRC"}
    records = [
        {"event": "FIGHT", "source": [{"code": "TUR"}], "target": [{"code": "SYR"}]},
        {"event": "DISAPPROVE", "source": [{"code": "GRC"}], "target": [{"code": "TUR"}]},
        {"event": "AGREE", "source": [{"code": "TUR"}], "target": ""},
    ]
    events = [
        [ev("190")],
        [ev("010", 0.99), ev("036", 0.5, src="GRCGOV", src_c="GRC", tgt="TURGOV", tgt_c="TUR")],
        [],
    ]
    s = ext.score_plover(records, events, xw, iso3)
    assert s["coverage_any_event"] == pytest.approx(2 / 3)
    assert s["coverage_plover_event"] == pytest.approx(2 / 3)  # 010 is skipped, 036 is used
    assert s["event_type_accuracy"] == pytest.approx(1 / 3)  # FIGHT==ASSAULT; ACCUSE != AGREE
    assert s["event_type_accuracy_on_coded"] == pytest.approx(1 / 2)
    a = s["actor_f1_unordered"]
    assert (a["tp"], a["n_pred"], a["n_gold"]) == (4, 4, 5)


def test_score_plover_counts_the_dyads_of_one_act() -> None:
    """A compound target ("visited Syria and Greece") is one act split into two events: both count."""
    xw = {"042": "CONSULT"}
    iso3 = {"TUR": "TUR", "SYR": "SYR", "GRC": "GRC"}
    records = [{"event": "CONSULT", "source": [{"code": "TUR"}], "target": [{"code": "SYR"}, {"code": "GRC"}]}]
    one = replace(ev("042"), extras={"trigger": "visited"})
    two = replace(ev("042", tgt="GRCGOV", tgt_c="GRC"), extras={"trigger": "visited"})
    other = replace(ev("042", 0.5, tgt="GRCGOV", tgt_c="GRC"), extras={"trigger": "met"}, rule_id="other")
    s = ext.score_plover(records, [[one, two]], xw, iso3)
    assert s["actor_f1_unordered"]["tp"] == 3
    assert s["actor_f1_unordered_top_event_only"]["tp"] == 2
    assert ext.same_act(one, [one, other]) == [one]  # another act of the sentence is not part of it


def test_score_pentaclass_variants() -> None:
    gold = ["0", "4", "3", "1"]
    events = [[ev("010")], [ev("190")], [], [ev("111")]]
    s = ext.score_pentaclass(gold, events, fallback="3")
    assert s["coverage"] == pytest.approx(0.75)
    assert s["all"]["accuracy"] == pytest.approx(0.5)
    assert s["coded_subset"]["accuracy"] == pytest.approx(2 / 3)
    assert s["with_fallback"]["accuracy"] == pytest.approx(0.75)
    assert s["pred_distribution"]["NONE"] == 1


def test_case_label_map_covers_every_acled_sub_type(project_dir: Path) -> None:
    rows = read_seed_table(project_dir / "seeds", project_dir / "schemas", "acled_event_types")
    assert {r["sub_event_type"] for r in rows} == set(ext.ACLED_TO_CASE)
    assert len(set(ext.ACLED_TO_CASE.values())) == len(ext.ACLED_TO_CASE)
    assert ext.case_label("Air/drone strike") == "AIR_STRIKE"
    assert ext.case_label(None) is None


def test_score_case_subtasks() -> None:
    gold = ["AIR_STRIKE", "PEACE_PROTEST", "DIPLO", "ARREST"]
    events = [
        [ev("195", sub="Air/drone strike")],
        [ev("141", 0.4, sub="Peaceful protest"), ev("010", 0.99)],
        [ev("036")],
        [],
    ]
    s = ext.score_case(gold, events, sub_type=lambda e: e.acled_sub_event_type)
    assert s["subtask1"]["n"] == 3  # DIPLO is not a seen ACLED type
    assert s["subtask1"]["accuracy"] == pytest.approx(2 / 3)
    assert s["subtask1"]["coverage"] == pytest.approx(2 / 3)
    assert s["subtask1_coded_subset"]["accuracy"] == 1.0
    assert s["all_labels"]["n"] == 4
    assert s["pred_distribution"] == {"AIR_STRIKE": 1, "PEACE_PROTEST": 1, "NONE": 2}


def test_markdown_tables_render() -> None:
    gold = ["0", "4"]
    res = {"benchmark": "conflibert", **ext.score_pentaclass(gold, [[ev("010")], []], fallback="3")}
    md = ext.markdown(res)
    assert md.startswith("| metric | value |")
    assert "coverage (%) | 50.0" in md


def test_throughput_corpus_repeats_texts_until_enough_sentences() -> None:
    tp = _load("coder_throughput")
    corpus, n = tp.build_corpus(["a", "b", "c"], [2, 3, 1], 10)
    assert corpus == ["a", "b", "c", "a", "b"]
    assert n == 11
    with pytest.raises(ValueError):
        tp.build_corpus(["a"], [0], 5)


# ---- ConfliBERT source/target spans and the back-off switch (fabricated inputs) ----------------
def test_load_conll_and_bio_spans(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("Valdorian B-S\nministers I-S\nmet O\nKestrel B-T\nofficials I-T\n. O\n\n"
                    "Both B-R\nsides I-R\ntalked O\nwith O\nthe O\nmayor I-T\n", encoding="utf-8")
    sents = ext.load_conll(path)
    assert len(sents) == 2
    toks, tags = sents[0]
    assert ext.bio_spans(toks, tags) == [("S", 0, 2), ("T", 3, 5)]
    toks, tags = sents[1]
    assert ext.bio_spans(toks, tags) == [("R", 0, 2), ("T", 5, 6)]  # an orphan I- starts a span
    assert ext.detokenize(["The", "army", "'s", "chief", "(", "retired", ")", "said", "."]) == \
        "The army's chief (retired) said."


def test_span_scores_exact_overlap_and_reciprocal() -> None:
    gold = [[("S", "Valdorian ministers"), ("T", "Kestrel officials")], [("R", "both sides")]]
    pred = [[("S", "valdorian  ministers"), ("T", "officials")], [("T", "Both sides"), ("S", "mayor")]]
    ex = ext.span_scores(gold, pred, ext.exact_span_match)
    assert (ex["tp"], ex["n_pred"], ex["n_gold"]) == (2, 4, 3)  # R matches a target; 'officials' is partial
    ov = ext.span_scores(gold, pred, ext.overlap_span_match)
    assert ov["tp"] == 3
    events = [[replace(ev("042"), source_text="Valdorian ministers", target_text="Kestrel officials")], []]
    s = ext.score_spans(gold, events)
    assert s["exact"]["tp"] == 2 and s["exact"]["n_gold"] == 3
    assert s["coverage_any_event"] == pytest.approx(0.5)
    assert "span F1, exact" in ext.markdown({"benchmark": "conflibert-ner", **s})


@pytest.mark.model
def test_span_phrases_of_coded_events(fiction_nlp) -> None:  # type: ignore[no-untyped-def]
    """Spans are the mentions' noun phrases; the two conjuncts of one coordination are one span; an
    implied party (the government a protest is against) has none."""
    text = "Senior Sylvanian officials and Freedonia signed a treaty. Angry farmers rioted."
    doc = fiction_nlp(text)
    a, b = text.index("Sylvanian"), text.index("Freedonia")
    e1 = replace(ev("057"), source_text="Sylvanian officials", target_text="Freedonia",
                 extras={"source_span": (a, a + len("Sylvanian officials")), "target_span": (b, b + len("Freedonia"))})
    assert ext.event_phrases(e1, doc) == ("Senior Sylvanian officials and Freedonia", None)  # one reciprocal span
    c, r = text.index("farmers"), text.index("rioted")
    e2 = replace(ev("145"), source_text="farmers", target_text="rioted",
                 extras={"source_span": (c, c + 7), "target_span": (r, r + 6), "target_via": "protest"})
    assert ext.event_phrases(e2, doc) == ("Angry farmers", None)
    gold = [[("S", "Angry farmers")]]
    assert ext.score_spans(gold, [[e2]], [doc])["exact"]["tp"] == 1
    assert ext.score_spans(gold, [[e2]])["exact"]["tp"] == 0  # without the parse: the mention texts
    text3 = "Sylvanian and Freedonian warships began joint exercises."
    doc3 = fiction_nlp(text3)
    span = (0, len("Sylvanian and Freedonian warships"))
    e3 = replace(ev("062"), source_text=text3[:span[1]], target_text=text3[:span[1]],
                 extras={"source_span": span, "target_span": span})
    assert ext.event_phrases(e3, doc3) == ("Sylvanian and Freedonian warships", None)  # one mention, one span


class _FakePrediction:
    def __init__(self, code: str) -> None:
        self.cameo_code, self.similarity, self.rule_id = code, 0.8, f"backoff:test.{code}"


class _FakeBackoff:
    threshold = 0.5

    class calibration:  # noqa: N801 - stands in for a dataclass instance
        pass

    def classify(self, texts: list[str]) -> list:
        return [_FakePrediction("195") if "jets" in t else None for t in texts]


def test_fill_with_backoff_only_touches_uncoded_texts(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dyadflow.acled import load_crosswalk

    monkeypatch.setattr(ext, "asdict", lambda _c: {})
    acled = load_crosswalk(project_dir / "seeds", project_dir / "schemas")
    items = [("a", "Jets struck the hills.", None), ("b", "Fictional jets flew.", None), ("c", "Rain fell.", None)]
    coded = [[ev("190")], [], []]
    events, meta = ext.fill_with_backoff(items, coded, _FakeBackoff(), acled)
    assert events[0] == coded[0]  # coded texts are unchanged
    (filled,) = events[1]
    assert filled.cameo_code == "195" and filled.rule_id == "backoff:test.195"
    assert filled.source_code is None and filled.target_code is None
    assert filled.acled_sub_event_type == "Air/drone strike"  # through seeds/cameo_acled_crosswalk.csv
    assert events[2] == []  # the back-off abstained
    assert (meta["n_uncoded"], meta["n_filled"]) == (2, 1)
    assert "only texts the coder coded nothing for" in meta["level"]


def test_scored_reports_with_and_without_backoff_from_one_pass() -> None:
    gold = ["4", "4", "0"]
    events = [[ev("190")], [], []]
    backfilled = [[ev("190")], [ev("195", 0.7)], []]
    res = ext.scored(lambda ix, evs: ext.score_pentaclass([gold[i] for i in ix], evs), events, backfilled)
    assert res["coverage"] == pytest.approx(2 / 3)
    assert res["without_backoff"]["coverage"] == pytest.approx(1 / 3)
    assert res["backoff_filled_only"]["n"] == 1 and res["backoff_filled_only"]["all"]["accuracy"] == 1.0
    res.update(benchmark="conflibert", backoff={"n_filled": 1, "n_uncoded": 2})
    md = ext.markdown(res)
    assert "| coder | coder + back-off |" in md
    assert "| coverage (%) | 33.3 | 66.7 |" in md
    assert "back-off alone, on the texts it filled: pentaclass accuracy (%) | | 100.0 |" in md
    plain = ext.scored(lambda ix, evs: ext.score_pentaclass([gold[i] for i in ix], evs), events, None)
    assert "without_backoff" not in plain


def test_detokenize_and_span_normalisation() -> None:
    assert ext.detokenize(["Kestrel", "-", "based", "rebels", "held", "20", ",", "000", "troops"]) == \
        "Kestrel-based rebels held 20,000 troops"
    assert ext.detokenize(["Valdoria", "’", "s", "army"]) == "Valdoria’s army"
    assert ext.exact_span_match("The Valdorian Union", "valdorian union")
    assert not ext.exact_span_match("the Valdorian Union", "Union")
