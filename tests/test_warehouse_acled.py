"""CAMEO -> ACLED classification (dyadflow.acled) from the crosswalk seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadflow.acled import AcledCrosswalk, interaction_code, load_crosswalk
from dyadflow.records import Event
from dyadflow.seeds import read_seed_table

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cw() -> AcledCrosswalk:
    return load_crosswalk(REPO / "seeds", REPO / "schemas")


def ev(code: str, src: str | None, tgt: str | None, src_role: str | None = None, tgt_role: str | None = None) -> Event:
    return Event(doc_id="d", sentence_index=0, sentence="s", char_start=0, char_end=1, source_text=None,
                 source_code=src, source_country=None, source_role=src_role, target_text=None, target_code=tgt,
                 target_country=None, target_role=tgt_role, cameo_code=code, cameo_root=code[:2], cameo_label=None,
                 quad_class=1, goldstein=0.0, rule_id="r", confidence=1.0, coder_version="c", dictionary_version="d")


@pytest.mark.parametrize(
    ("code", "src", "tgt", "expected"),
    [
        ("036", "TURGOV", "SYRGOV", ("Strategic developments", None, 11)),
        ("057", "TURGOV", "SYRGOV", ("Strategic developments", "Agreement", 11)),
        ("0871", "SYRREB", "SYRMIL", ("Strategic developments", "Agreement", 12)),
        ("173", "TURCOP", "TURCVL", ("Strategic developments", "Arrests", 17)),
        ("190", "TURMIL", "SYRREB", ("Battles", "Armed clash", 12)),
        ("193", "SYRMIL", "SYRCVL", ("Violence against civilians", "Attack", 17)),
        ("194", "RUSMIL", "UKRMIL", ("Explosions/Remote violence", "Shelling/artillery/missile attack", 11)),
        ("195", "RUSMIL", "UKRCVL", ("Explosions/Remote violence", "Air/drone strike", 17)),
        ("1951", "RUSMIL", None, ("Explosions/Remote violence", "Shelling/artillery/missile attack", 10)),
        ("1831", "SYRINS", None, ("Explosions/Remote violence", "Suicide bomb", 20)),
        ("181", "SYRREB", "SYRCVL", ("Violence against civilians", "Abduction/forced disappearance", 27)),
        ("141", "TURCVL", "TURGOV", ("Protests", "Peaceful protest", 60)),
        ("145", "TURLAB", "TURCOP", ("Riots", "Violent demonstration", 15)),
        ("192", "SYRMIL", None, ("Battles", "Government regains territory", 10)),
        ("192", "SYRREB", None, ("Battles", "Non-state actor overtakes territory", 20)),
        ("202", "SYRMIL", "SYRCVL", ("Violence against civilians", "Attack", 17)),
        ("042", "IGOUNO", "SYR", ("Strategic developments", None, 18)),
    ],
)
def test_classify(cw: AcledCrosswalk, code: str, src: str, tgt: str | None, expected: tuple) -> None:
    assert cw.classify(ev(code, src, tgt)) == expected


def test_role_column_wins_over_code_and_codes_stay_strings(cw: AcledCrosswalk) -> None:
    assert cw.actor_inter("SYR", "CVL") == 7
    assert cw.actor_inter("SYR", None) == 1
    assert cw.actor_inter("SYRMILREB", None) == 1  # priority tie: the lower inter code
    assert cw.actor_inter(None, None) is None
    assert cw.classify(ev("1823", "SYRREB", None, tgt_role=None))[0] == "Violence against civilians"


def test_interaction_code() -> None:
    assert interaction_code(7, 1) == 17
    assert interaction_code(6, 0) == 60
    assert interaction_code(8, 7) == 78
    assert interaction_code(None, 3) is None


def test_every_cameo_code_is_classified_with_a_valid_acled_pair(cw: AcledCrosswalk) -> None:
    pairs = {(r["event_type"], r["sub_event_type"]) for r in read_seed_table(REPO / "seeds", REPO / "schemas", "acled_event_types")}
    codes = [r["code"] for r in read_seed_table(REPO / "seeds", REPO / "schemas", "cameo_event_codes")]
    assert codes
    for code in codes:
        et, sub, inter = cw.classify(ev(code, "TURMIL", "SYRMIL"))
        assert et is not None, code
        assert sub is None or (et, sub) in pairs, code
        assert inter == 11
        if code[:2] in ("18", "19", "20") and code not in ("191", "201") and not code.startswith("191"):
            assert et != "Strategic developments" or code.startswith("201"), code


def test_crosswalk_is_frozen(cw: AcledCrosswalk) -> None:
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        cw.rules = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        cw.roles["XXX"] = None  # type: ignore[index]
