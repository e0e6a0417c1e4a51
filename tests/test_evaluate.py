"""Scoring follows ../shared/dev-gold/README.md: same document and sentence (substring), same
source/target country prefix, same root; unordered dyads for 04/057/060/062/064."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dyadflow.evaluate import score

S = "Alpha met Beta in Gamma on Monday and Alpha condemned Beta."


def ev(src: str, tgt: str, code: str, *, doc: str = "d1", sentence: str = S, when: date | None = None,
       place: str | None = None) -> dict:
    return {"doc": doc, "sentence": sentence, "source_code": src, "target_code": tgt, "cameo_code": code,
            "quad_class": {"04": 1, "11": 3, "19": 4, "05": 1}[code[:2]], "event_date": when, "location_country": place}


def gold(src: str, tgt: str, code: str, *, required: bool = True, d: str | None = None, loc: str | None = None) -> dict:
    return {"doc": "d1", "sentence": "Alpha met Beta in Gamma", "source": src, "target": tgt, "code": code,
            "root": code[:2], "quad": {"04": 1, "11": 3, "19": 4, "05": 1}[code[:2]], "date": d,
            "location_country": loc, "required": required}


def test_prefix_root_and_unordered_consult() -> None:
    g = [gold("AAAGOV", "BBBMIL", "043")]
    rep = score([ev("BBB", "AAAMIL", "040")], g)  # reversed dyad, other roles, other 04 code
    assert rep.levels["dyad_root"].f1 == 1.0
    assert rep.levels["exact"].tp_pred == 0


def test_directed_codes_keep_order_and_other_docs_are_ignored() -> None:
    g = [gold("AAAGOV", "BBBGOV", "111")]
    rep = score([ev("BBBGOV", "AAAGOV", "111"), ev("AAAGOV", "BBBGOV", "111", doc="other")], g)
    assert rep.levels["dyad_root"].tp_pred == 0 and rep.levels["dyad_root"].n_pred == 1


def test_optional_rows_neither_help_recall_nor_hurt_precision() -> None:
    g = [gold("AAAGOV", "BBBGOV", "111"), gold("AAAGOV", "BBBGOV", "051", required=False)]
    rep = score([ev("AAAGOV", "BBBGOV", "051")], g)
    lv = rep.levels["dyad_root"]
    assert (lv.tp_pred, lv.n_pred, lv.tp_gold, lv.n_gold) == (1, 1, 0, 1)
    assert lv.precision == 1.0 and lv.recall == 0.0


def test_sentence_must_contain_gold_substring() -> None:
    g = [gold("AAAGOV", "BBBGOV", "111")]
    rep = score([ev("AAAGOV", "BBBGOV", "111", sentence="Something else entirely.")], g)
    assert rep.levels["dyad_root"].tp_pred == 0


def test_date_at_gold_precision_and_place_country() -> None:
    g = [gold("AAAGOV", "BBBGOV", "111", d="2022-12", loc="CCC")]
    rep = score([ev("AAAGOV", "BBBGOV", "111", when=date(2022, 12, 28), place="CCC")], g)
    assert rep.date_accuracy == 1.0 and rep.place_accuracy == 1.0
    rep = score([ev("AAAGOV", "BBBGOV", "111", when=date(2023, 1, 2), place="DDD")], g)
    assert rep.date_accuracy == 0.0 and rep.place_accuracy == 0.0


def test_per_root_per_document_and_report_text() -> None:
    g = [gold("AAAGOV", "BBBGOV", "111"), gold("AAAGOV", "BBBGOV", "190")]
    rep = score([ev("AAAGOV", "BBBGOV", "111")], g)
    assert rep.per_root["11"].recall == 1.0 and rep.per_root["19"].recall == 0.0
    assert rep.per_document["d1"].recall == 0.5
    text = rep.to_text(details=True)
    assert "dyad_root" in text and "missed" in text
    assert rep.to_dict()["levels"]["dyad_root"]["tp_gold"] == 1



SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.shared
@pytest.mark.model
def test_dev_gold_dyad_root_f1() -> None:
    """The coder on the user's five seed articles (dyad + root F1 0.853, P 0.93 at coder 0.3.0)."""
    if not SHARED.joinpath("dev-gold").exists():
        pytest.skip("../shared/dev-gold not available")
    from dyadflow.evaluate import evaluate_corpus
    from dyadflow.lexicon import load_lexicon
    from dyadflow.nlp import build_nlp

    repo = Path(__file__).resolve().parents[1]
    lex = load_lexicon(repo / "seeds", repo / "schemas")
    rep = evaluate_corpus(SHARED / "dev-gold" / "gold.jsonl", SHARED / "dev-gold" / "dated", build_nlp(lex), lex)
    assert rep.levels["dyad_root"].f1 >= 0.80, rep.to_text()
    assert rep.levels["dyad_root"].precision >= 0.85, rep.to_text()


@pytest.mark.model
def test_corpus_reads_every_input_format_with_source_doc_names(tmp_path: Path) -> None:
    import json

    from dyadflow.evaluate import code_corpus
    from dyadflow.lexicon import load_lexicon
    from dyadflow.nlp import build_nlp

    repo = Path(__file__).resolve().parents[1]
    lex = load_lexicon(repo / "tests" / "fixtures" / "lexicon", repo / "schemas")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\npublished: 2022-03-10\n---\nFreedonian forces attacked Sylvania on Monday.\n")
    rows = [{"id": "x1", "published": "2022-03-11", "text": "Freedonia condemned Sylvania on Friday."},
            {"id": "x2", "published": "2022-03-12", "text": "Sylvania condemned Freedonia on Friday."}]
    (corpus / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (corpus / "c.html").write_text("<html><head><title>Visit</title></head><body><article><p>Freedonian President "
                                   "Firefly criticised Sylvania on Tuesday, officials said.</p></article></body></html>")
    events = code_corpus(corpus, build_nlp(lex), lex)
    docs = {e.extras["doc"] for e in events}
    assert docs == {"a.md", "b.jsonl#x1", "b.jsonl#x2", "c.html"}
    by_doc = {e.extras["doc"]: e for e in events}
    assert by_doc["b.jsonl#x2"].source_code == "SYVGOV" and by_doc["b.jsonl#x1"].event_date == date(2022, 3, 11)


def test_unattributed_events_are_counted_apart() -> None:
    """An act with no named source is not a dyadic event: the gold codes none (CAMEO needs a source), so it
    is neither matched nor a false positive, and the report counts it."""
    from dyadflow.evaluate import error_cases

    g = [gold("AAAGOV", "BBBGOV", "111")]
    unattributed = {**ev("AAAGOV", "BBBMIL", "190"), "source_code": None}
    rep = score([ev("AAAGOV", "BBBGOV", "111"), unattributed], g)
    lv = rep.levels["dyad_root"]
    assert (lv.tp_pred, lv.n_pred) == (1, 1) and rep.unattributed_n == 1
    assert "unattributed (no named source) 1" in rep.to_text()
    assert not [c for c in error_cases([unattributed], g, {}) if c.kind == "spurious"]


def test_unlinked_events_are_not_dyads() -> None:
    """An act whose target was not linked (rule events.unlinked) is monadic: not scored as a dyad, counted
    apart with how many agree with a gold row on source and root."""
    g = [gold("AAAGOV", "BBBGOV", "111")]
    unlinked = {**ev("AAAGOV", None, "111"), "rule_id": "111.condemn.unlinked"}
    rep = score([unlinked], g)
    assert rep.levels["dyad_root"].n_pred == 0 and (rep.unlinked_n, rep.unlinked_agree) == (1, 1)
