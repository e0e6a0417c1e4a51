"""Word-sense traps (issue 12): every seed row's example is caught by its own trap, and the event
senses of the same lemmas are not."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from dyadflow.coder.traps import trap_for
from dyadflow.lexicon.loader import _traps
from dyadflow.lexicon.model import SenseTrap
from dyadflow.seeds import read_seed_table
from dyadflow.tableschema import SchemaError

REPO = Path(__file__).resolve().parents[1]
SEEDS, SCHEMAS = REPO / "seeds", REPO / "schemas"
TRAPS = _traps(SEEDS, SCHEMAS)
ROWS = read_seed_table(SEEDS, SCHEMAS, "sense_traps")


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    import spacy

    from dyadflow.nlp import DEFAULT_MODELS

    name = next((m for m in DEFAULT_MODELS if importlib.util.find_spec(m) is not None), None)
    if name is None:
        pytest.skip("no spaCy English model installed")
    return spacy.load(name)


def _traps_in(nlp, text: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.text: tid for t in nlp(text) if (tid := trap_for(t, TRAPS)) is not None}


def test_seed_loads_into_the_lexicon() -> None:
    from dyadflow.lexicon import load_lexicon

    lex = load_lexicon(SEEDS, SCHEMAS)
    assert len(lex.traps) == len(ROWS) >= 40
    assert all(isinstance(t, SenseTrap) and t.words for t in lex.traps)


def test_bad_context_fails_validation(tmp_path: Path) -> None:
    (tmp_path / "sense_traps.csv").write_text(
        "id,lemma,pos,context,words,note,example\ntrap.x,strike,VERB,subject,balance,,A sentence here.\n")
    with pytest.raises(SchemaError, match="context"):
        read_seed_table(tmp_path, SCHEMAS, "sense_traps")


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_every_example_is_caught_by_its_trap(nlp, row: dict) -> None:  # type: ignore[no-untyped-def]
    assert row["id"] in _traps_in(nlp, row["example"]).values(), row["example"]


@pytest.mark.parametrize(
    "text",
    [
        "Rebels attacked the army base near the border.",
        "Israeli jets attacked Hezbollah positions.",
        "Protesters demonstrated outside the French embassy.",
        "Israeli jets struck targets in southern Lebanon.",
        "Police fired tear gas at the crowd.",
        "The foreign ministers met in Geneva on Monday.",
        "The army seized the town after heavy fighting.",
        "Russia released two American prisoners.",
        "Egypt hosted the Sudanese president in Cairo.",
        "Troops occupied the airport in the capital.",
        "The two countries signed a peace agreement.",
        "A drone attack on the oil depot killed three workers.",
        "Japan provided humanitarian aid to Turkey.",
        "The prime minister called a snap election for June.",
    ],
)
def test_event_senses_are_not_trapped(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    assert _traps_in(nlp, text) == {}


def test_examples_are_the_projects_own() -> None:
    with (SEEDS / "sense_traps.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["example"] for r in rows}) == len(rows)


def test_a_phrasal_call_is_no_object_predicate() -> None:
    """"called on all parties, in particular X, to ..." parsed with X as an object predicate: "call on" is an appeal,
    not the judging "call X Y" (hand-built parse, no model needed)."""
    import spacy
    from spacy.tokens import Doc

    rows = [("Sylvania", 1, "nsubj", "PROPN"), ("called", 0, "ROOT", "VERB"), ("on", -1, "prep", "ADP"),
            ("parties", -1, "pobj", "NOUN"), (",", -3, "punct", "PUNCT"), ("Freedonia", -4, "oprd", "PROPN"),
            (",", -5, "punct", "PUNCT"), ("to", 1, "aux", "PART"), ("act", -7, "advcl", "VERB")]
    words, offsets, deps, pos = zip(*rows, strict=True)
    doc = Doc(spacy.blank("en").vocab, words=list(words), heads=[i + o for i, o in enumerate(offsets)],
              deps=list(deps), pos=list(pos), lemmas=["call" if w == "called" else w.lower() for w in words])
    assert trap_for(doc[1], TRAPS) is None
    judged = Doc(spacy.blank("en").vocab, words=["Sylvania", "called", "the", "vote", "a", "mistake"],
                 heads=[1, 1, 3, 1, 5, 1], deps=["nsubj", "ROOT", "det", "dobj", "det", "oprd"],
                 pos=["PROPN", "VERB", "DET", "NOUN", "DET", "NOUN"], lemmas=["sylvania", "call", "the", "vote", "a", "mistake"])
    assert trap_for(judged[1], TRAPS) == "trap.call.complement"
