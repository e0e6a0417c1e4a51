"""The event vocabulary seed (issue 12): it validates, joins verb_patterns in one pattern list with
unique ids, and bad entries (unknown CAMEO code, bad slot hint, no example) fail validation."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from dyadflow.lexicon.loader import _patterns
from dyadflow.seeds import SeedError, read_seed_table
from dyadflow.tableschema import SchemaError

REPO = Path(__file__).resolve().parents[1]
SEEDS, SCHEMAS = REPO / "seeds", REPO / "schemas"
GOOD = {"id": "195.test.airstrike", "lemma": "airstrike", "pos": "NOUN", "code": "195",
        "target": "prep:on|tree", "example": "Jets carried out an airstrike on the camp."}


def _codes() -> set[str]:
    with (SEEDS / "cameo_event_codes.csv").open(encoding="utf-8", newline="") as fh:
        return {r["code"] for r in csv.DictReader(fh)}


def _tmp_seeds(tmp_path: Path, *entries: dict) -> Path:
    for name in ("cameo_event_codes.csv", "verb_patterns.jsonl"):
        shutil.copy(SEEDS / name, tmp_path / name)
    (tmp_path / "event_vocabulary.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return tmp_path


def test_seed_validates_and_every_code_exists() -> None:
    rows = read_seed_table(SEEDS, SCHEMAS, "event_vocabulary")
    assert len(rows) >= 1500
    codes = _codes()
    assert not [r["id"] for r in rows if r["code"] not in codes]
    assert all(r["example"] for r in rows)


def test_vocabulary_joins_the_pattern_list_with_unique_ids() -> None:
    pats = _patterns(SEEDS, SCHEMAS)
    ids = [p.id for p in pats]
    assert len(ids) == len(set(ids))
    vocab = {r["id"] for r in read_seed_table(SEEDS, SCHEMAS, "event_vocabulary")}
    assert vocab <= set(ids)


def test_a_good_entry_loads(tmp_path: Path) -> None:
    pats = _patterns(_tmp_seeds(tmp_path, GOOD), SCHEMAS)
    assert pats[-1].id == GOOD["id"] and pats[-1].target == ("prep:on", "tree")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "1999"}, "not in cameo_event_codes"),
        ({"code": "19x"}, "code"),
        ({"target": "object"}, "target"),
        ({"target": "dobj|prepon"}, "target"),
        ({"source": "subject"}, "source"),
        ({"example": None}, "example"),
        ({"pos": "ADV"}, "pos"),
    ],
)
def test_bad_entries_fail_validation(tmp_path: Path, change: dict, message: str) -> None:
    bad = {**GOOD, **change}
    bad = {k: v for k, v in bad.items() if v is not None}
    with pytest.raises(SchemaError, match=message):  # SeedError is a SchemaError
        _patterns(_tmp_seeds(tmp_path, bad), SCHEMAS)


def test_duplicate_id_across_files_is_named(tmp_path: Path) -> None:
    first = json.loads((SEEDS / "verb_patterns.jsonl").read_text().splitlines()[0])
    with pytest.raises(SeedError, match=f"duplicate pattern id '{first['id']}'"):
        _patterns(_tmp_seeds(tmp_path, {**GOOD, "id": first["id"]}), SCHEMAS)


def test_every_cameo_event_code_has_an_entry() -> None:
    used = {r["code"] for r in read_seed_table(SEEDS, SCHEMAS, "event_vocabulary")}
    assert not sorted(c for c in _codes() if len(c) > 2 and c not in used)
