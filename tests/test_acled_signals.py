"""CAMEO -> ACLED crosswalk rules conditioned on the event's signal words (issue 12): the instrument,
object or setting an ACLED sub-event type is defined by (seeds/acled_signal_words.csv), and events
with no named perpetrator (ACLED's "Unidentified Armed Group"). Sentences are the project's own."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from dyadflow.acled import AcledCrosswalk, SignalList, load_crosswalk
from dyadflow.records import Event
from dyadflow.seeds import SeedError, read_seed_table

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cw() -> AcledCrosswalk:
    return load_crosswalk(REPO / "seeds", REPO / "schemas")


def ev(code: str, sentence: str, src: str | None = None, tgt: str | None = None,
       trigger: str | None = None, src_role: str | None = None) -> Event:
    return Event(doc_id="d", sentence_index=0, sentence=sentence, char_start=0, char_end=len(sentence),
                 source_text=None, source_code=src, source_country=None, source_role=src_role, target_text=None,
                 target_code=tgt, target_country=None, target_role=None, cameo_code=code, cameo_root=code[:2],
                 cameo_label=None, quad_class=4, goldstein=-10.0, rule_id="r", confidence=0.7, coder_version="c",
                 dictionary_version="d", extras={"trigger": trigger} if trigger else {})


@pytest.mark.parametrize(
    ("code", "sentence", "src", "tgt", "trigger", "sub_type"),
    [
        # instrument words decide the Explosions/Remote violence sub-type
        ("183", "Insurgents hurled a grenade at a checkpoint in the old town of Zorvath.", "RURINS", None, "hurled",
         "Grenade"),
        ("183", "A roadside bomb hit a Ruritanian army truck near Velm.", "RURINS", "RURMIL", "bomb",
         "Remote explosive/landmine/IED"),
        ("190", "A suicide bomber killed nine worshippers at a mosque in Velm.", "RURINS", "RURCVL", "killed",
         "Suicide bomb"),
        ("190", "Dervalian warplanes killed six farmers near the Ruritanian border.", "DRVMIL", "RURCVL", "killed",
         "Air/drone strike"),
        ("190", "Rebel mortar fire wounded four soldiers at the Velm garrison.", "RURREB", "RURMIL", "wounded",
         "Shelling/artillery/missile attack"),
        ("190", "Ruritanian troops clashed with rebels outside Velm.", "RURMIL", "RURREB", "clashed",
         "Armed clash"),
        # disrupted weapons use: a weapon seized, found or defused before use
        ("1711", "Ruritanian police seized a cache of rifles from a farmhouse.", "RURCOP", "RURREB", "seized",
         "Disrupted weapons use"),
        ("150", "Army engineers defused a bomb outside the Velm courthouse.", "RURMIL", None, "defused",
         "Disrupted weapons use"),
        ("1711", "Ruritanian customs seized the cargo of a Dervalian freighter.", "RURGOV", "DRVBUS", "seized",
         "Looting/property destruction"),
        ("173", "Police arrested two men and seized pistols in Velm.", "RURCOP", "RURCVL", "arrested", "Arrests"),
        ("173", "Police arrested two men and seized pistols in Velm.", "RURCOP", "RURCVL", "seized",
         "Disrupted weapons use"),
        # headquarters or base established
        ("150", "Dervalian troops set up a new military base near Velm.", "DRVMIL", "RUR", "set",
         "Headquarters or base established"),
        ("150", "Dervalian troops paraded along the Ruritanian border.", "DRVMIL", "RUR", "paraded",
         "Change to group/activity"),
        # protests: the state's intervention and its force
        ("175", "Police fired tear gas to disperse protesters in central Velm.", "RURCOP", "RURCVL", "disperse",
         "Protest with intervention"),
        ("175", "Soldiers opened fire on protesters in Velm, killing three.", "RURMIL", "RURCVL", "opened",
         "Excessive force against protesters"),
        ("175", "Riot police detained protesters who were blocking a road in Velm.", "RURCOP", "RURCVL", "detained",
         "Protest with intervention"),
        ("175", "Police used water cannon on stone-throwing protesters in Velm.", "RURCOP", "RURCVL", "used",
         "Violent demonstration"),
        ("173", "Police arrested forty demonstrators outside the Velm parliament.", "RURCOP", "RURCVL", "arrested",
         "Protest with intervention"),
        ("141", "Teachers marched peacefully through Velm to demand higher pay.", "RUREDU", "RURGOV", "marched",
         "Peaceful protest"),
        ("141", "Police broke up a rally of teachers in Velm with tear gas.", "RUREDU", "RURGOV", "rally",
         "Protest with intervention"),
        # mobs, looting
        ("1823", "A mob lynched a suspected cattle thief in a village near Velm.", "RURCVL", "RURCVL", "lynched",
         "Mob violence"),
        ("145", "Looters ransacked shops in Velm overnight.", "RURCVL", None, "ransacked",
         "Looting/property destruction"),
        ("145", "Protesters looted shops during the march through Velm.", "RURCVL", None, "looted",
         "Violent demonstration"),
        # surrender and defection
        ("0874", "Forty rebels surrendered to the Ruritanian army.", "RURREB", "RURMIL", "surrendered", "Agreement"),
        ("0874", "Two rebel commanders defected to the Ruritanian army.", "RURREB", "RURMIL", "defected",
         "Change to group/activity"),
        ("0874", "Rebels withdrew from the town of Velm.", "RURREB", "RUR", "withdrew",
         "Non-violent transfer of territory"),
    ],
)
def test_signal_words_choose_the_sub_type(cw: AcledCrosswalk, code: str, sentence: str, src: str | None,
                                          tgt: str | None, trigger: str | None, sub_type: str) -> None:
    assert cw.classify(ev(code, sentence, src, tgt, trigger))[1] == sub_type


def test_stun_grenades_are_no_grenade_attack(cw: AcledCrosswalk) -> None:
    got = cw.classify(ev("190", "Troops threw stun grenades at the crowd in Velm.", "RURMIL", None, "threw"))
    assert got[1] != "Grenade"


def test_an_unnamed_perpetrator_is_an_unidentified_armed_group(cw: AcledCrosswalk) -> None:
    # no source: ACLED's actor1 "Unidentified Armed Group" is a political militia (3)
    grenade = ev("183", "A grenade was hurled at a bus station in Velm.", trigger="hurled")
    assert cw.classify(grenade) == ("Explosions/Remote violence", "Grenade", 30)
    killed = ev("190", "Gunmen shot dead four villagers near Velm.", trigger="shot")
    assert cw.classify(killed) == ("Violence against civilians", "Attack", 30)
    on_civilians = ev("190", "Gunmen shot dead four villagers near Velm.", None, "RURCVL", "shot")
    assert cw.classify(on_civilians) == ("Violence against civilians", "Attack", 37)
    # a non-violent event without a source has no actor1 and no interaction
    assert cw.classify(ev("1711", "Rifles were seized in a raid near Velm.", trigger="seized")) == (
        "Strategic developments", "Disrupted weapons use", None)


def test_a_back_off_event_without_trigger_reads_its_whole_text(cw: AcledCrosswalk) -> None:
    text = "Two hand grenades exploded near a police post in Velm, wounding three officers."
    assert cw.classify(ev("183", text))[1] == "Grenade"
    assert cw.classify(ev("1711", "A cache of explosives was found under a bridge near Velm."))[1] == (
        "Disrupted weapons use")


def test_signal_terms_match_whole_words_with_wildcards_and_exclusions() -> None:
    lst = SignalList.build("t", [("grenade*", "sentence"), ("!stun grenade*", "sentence"), ("set up", "sentence"),
                                 ("seize*", "trigger")])
    assert lst.occurs("two grenades exploded", None)
    assert not lst.occurs("police threw stun grenades", None)
    assert lst.occurs("police threw stun grenades and a grenade", None)
    assert lst.occurs("troops set-up a camp", None) and not lst.occurs("a setup", None)
    assert lst.occurs("police seized pistols", None)  # no trigger: the sentence
    assert not lst.occurs("police seized pistols", "arrested")  # a trigger: only the trigger
    assert lst.occurs("police seized pistols", "seized")


def test_every_seen_acled_sub_type_is_reachable(cw: AcledCrosswalk) -> None:
    subs = {r["sub_event_type"] for r in read_seed_table(REPO / "seeds", REPO / "schemas", "acled_event_types")}
    assert subs <= {r.sub_event_type for r in cw.rules}


def test_an_unknown_signal_list_fails_loading(tmp_path: Path) -> None:
    for name in ("acled_event_types.csv", "acled_actor_roles.csv", "acled_signal_words.csv"):
        shutil.copy(REPO / "seeds" / name, tmp_path / name)
    with (REPO / "seeds" / "cameo_acled_crosswalk.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows.append(["19", "", "", "no_such_list", "Battles", "Armed clash", "test"])
    with (tmp_path / "cameo_acled_crosswalk.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(SeedError, match="no_such_list"):
        load_crosswalk(tmp_path, REPO / "schemas")
