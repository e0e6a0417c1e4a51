"""PETRARCH dictionary readers, diagnostics, conversion and import-petrarch round trip (own fictional snippets)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from dyadflow.petrarch.dictionaries import read_actors, read_agents, read_discards, read_verbs

REPO = Path(__file__).resolve().parents[1]

VERBS = """<!-- fictional test verbs -->
&FRUITS
+APPLE
+PEAR_
+RED CHERRY

--- PLANT  [042] ---
PLANT   # a comment
+SOW_DOWN {+SOWS_DOWN +SOWED_DOWN}
- * &FRUITS TREES  [051]
- $ HELPED + *  [052:053]
- * WITH %  [031]
- NOT_*  [---]
--- BROKEN  ---
- * FOO [011]
- * &NOSUCH  [012]
"""

ACTORS = """# fictional actors
KINGDOM_OF_ZED [ZED]
+ZEDDISH
LORD HARROW  [ZEDGOV]
\t[ZEDREB <20010101]
\t[ZEDGOV 20010101-20051231]
\t[ZEDELI >20051231]
TWIN_CITIES [AAA/BBB]
NOCODE_ENTRY
BADDATE [  19990101-20000101]
"""

AGENTS = """!GUY! = MAN, MEN
HARBOUR_MASTER [~GOV]
FERRY!GUY! [~CVL]
RELIEF_GROUP {} [NGO~]
BROKEN_AGENT [GOV]
"""


def test_verbs_blocks_synsets_patterns_and_forms() -> None:
    vd, diags = read_verbs(VERBS, "v.txt")
    plant = next(b for b in vd.blocks if b.name == "PLANT")
    assert plant.code == "042"
    forms = {f.words for e in plant.verbs for f in e.forms}
    assert ("PLANTED",) in forms and ("PLANTING",) in forms and ("SOWED", "DOWN") in forms
    assert ("APPLES",) in vd.synsets["&FRUITS"] and ("PEAR",) in vd.synsets["&FRUITS"]
    assert ("PEARS",) not in vd.synsets["&FRUITS"]  # trailing '_' = no plural
    assert ("RED", "CHERRY") in vd.synsets["&FRUITS"]
    codes = [p.code for p in plant.patterns]
    assert codes == ["051", "052:053", "031", "---"]
    helped = plant.patterns[1]
    assert [e.kind for e in helped.pre] == ["source", "word", "target"]
    assert plant.patterns[3].pre_joined  # NOT_* : NOT right before the verb
    # malformed entries: named with file and line, the rest still loads
    msgs = [str(d) for d in diags]
    assert any(m.startswith("v.txt:14:") and "without a [code]" in m for m in msgs)
    assert any(m.startswith("v.txt:15:") and "outside a verb block" in m for m in msgs)
    _, diags2 = read_verbs("--- GROW [042] ---\nGROW\n- * &NOSUCH [012]\n", "w.txt")
    assert [str(d) for d in diags2] == ["w.txt:3: undefined synset &NOSUCH in pattern '* &NOSUCH'"]


def test_actor_codes_with_date_restrictions() -> None:
    actors, diags = read_actors(ACTORS, "a.txt")
    by = {a.name: a for a in actors}
    assert by["KINGDOM OF ZED"].phrases == (("KINGDOM", "OF", "ZED"), ("ZEDDISH",))
    harrow = by["LORD HARROW"]
    assert harrow.codes_on(date(1999, 5, 1)) == ("ZEDREB",)
    assert harrow.codes_on(date(2003, 1, 1)) == ("ZEDGOV",)
    assert harrow.codes_on(date(2006, 1, 1)) == ("ZEDELI",)
    assert by["TWIN CITIES"].codes_on(None) == ("AAA", "BBB")
    msgs = [str(d) for d in diags]
    assert any(m.startswith("a.txt:9:") and "no code" in m for m in msgs)
    assert any(m.startswith("a.txt:10:") and "date" in m for m in msgs)


def test_agents_substitution_plurals_prefix_and_errors() -> None:
    agents, diags = read_agents(AGENTS, "g.txt")
    by = {a.term: a for a in agents}
    assert ("HARBOUR", "MASTERS") in by["HARBOUR MASTER"].phrases
    assert {("FERRYMAN",), ("FERRYMEN",)} <= set(by["FERRY!GUY!"].phrases)
    relief = by["RELIEF GROUP"]
    assert relief.prefix and relief.code == "NGO" and relief.phrases == (("RELIEF", "GROUP"),)
    assert any(str(d).startswith("g.txt:5:") for d in diags)


def test_discards() -> None:
    ds, _ = read_discards("+CRICKET WORLD CUP  # story\nCHESS_\n", "d.txt")
    assert ds[0].story and ds[0].phrase == ("CRICKET", "WORLD", "CUP")
    assert not ds[1].story and ds[1].exact


@pytest.fixture()
def petr_dir(tmp_path: Path) -> Path:
    d = tmp_path / "dicts"
    d.mkdir()
    (d / "test.verbs.txt").write_text(VERBS, encoding="utf-8")
    (d / "test.actors.txt").write_text(ACTORS, encoding="utf-8")
    (d / "test.agents.txt").write_text(AGENTS, encoding="utf-8")
    (d / "test.discards.txt").write_text("+CRICKET WORLD CUP\n", encoding="utf-8")
    return d


def test_load_petrarch_lexicon_never_aborts(petr_dir: Path) -> None:
    from dyadflow.petrarch import load_petrarch_lexicon

    lex = load_petrarch_lexicon(petr_dir, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas")
    assert lex.engine == "petrarch"
    assert lex.diagnostics  # the malformed lines are reported ...
    assert "ZED" in lex.country_by_code  # ... and the good entries are loaded
    assert lex.code_info("042") is not None


def test_import_petrarch_round_trip(petr_dir: Path, tmp_path: Path) -> None:
    from dyadflow.lexicon import load_lexicon
    from dyadflow.petrarch.export import NOTES_FILE, import_petrarch

    out = tmp_path / "native"
    report = import_petrarch(petr_dir, out, seeds_dir=REPO / "seeds")
    lex = load_lexicon(out, REPO / "schemas")
    assert lex.country_by_code["ZED"].aliases == ("Zeddish",)
    harrow = [a for a in lex.actors if a.actor_id == "lord_harrow"]
    # the undated default ZEDGOV and the open-start ZEDREB share a start: the clash is reported
    assert {a.code for a in harrow} == {"ZEDGOV", "ZEDELI"}
    assert any("ZEDREB" in n for n in report.not_native)
    assert lex.actor_on("lord_harrow", date(2007, 6, 1)).code == "ZEDELI"  # type: ignore[union-attr]
    assert any(p.lemma == "plant" and p.code == "042" for p in lex.patterns)
    assert any(a.term == "harbour master" and a.role == "GOV" for a in lex.agents)
    # multi-word pattern with slots is not native: it is listed, not dropped silently
    assert any("HELPED" in n for n in report.not_native)
    assert (out / NOTES_FILE).read_text(encoding="utf-8")


@pytest.mark.model
def test_petrarch_coder_on_own_sentences(petr_dir: Path) -> None:
    from dyadflow.coder import code_article
    from dyadflow.nlp import build_nlp
    from dyadflow.petrarch import load_petrarch_lexicon

    lex = load_petrarch_lexicon(petr_dir, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas")
    nlp = build_nlp(lex)

    def codes(text: str, day: date) -> set[tuple[str | None, str | None, str]]:
        return {(e.source_code, e.target_code, e.cameo_code) for e in code_article(nlp(text), lex, day)}

    # "* WITH %" pattern; date-restricted actor code; agent suffix composed onto a multi-code actor
    assert codes("Lord Harrow planted flags with the Twin Cities harbour masters.", date(2003, 1, 1)) == {
        ("ZEDGOV", "AAAGOV", "031"), ("ZEDGOV", "BBBGOV", "031")}
    assert codes("Lord Harrow planted apple trees in Twin Cities.", date(1999, 1, 1)) == {
        ("ZEDREB", "AAA", "051"), ("ZEDREB", "BBB", "051")}
    # story-level discard
    assert codes("Lord Harrow planted apple trees in Twin Cities at the Cricket World Cup.", date(1999, 1, 1)) == set()


EXTRA_VERBS = """--- PLANT  [042] ---
PLANT
--- PROPOSE  [100] ---
PROPOSE
--- GREET  [903] ---
GREET
--- WAVE  [174K] ---
WAVE
"""

EXTRA_ACTORS = """OSTLAND [OST]
OSTLAND RADIO [OSTRAD]
VESTRIA [VES]
KINGDOM_OF_ZED [ZED]
"""


@pytest.fixture()
def petr_dir2(tmp_path: Path) -> Path:
    d = tmp_path / "dicts2"
    d.mkdir()
    (d / "x.verbs.txt").write_text(EXTRA_VERBS, encoding="utf-8")
    (d / "x.actors.txt").write_text(EXTRA_ACTORS, encoding="utf-8")
    (d / "x.agents.txt").write_text(AGENTS, encoding="utf-8")
    return d


@pytest.mark.model
def test_petrarch_coordination_former_gaps_and_infinitives(petr_dir2: Path) -> None:
    from dyadflow.coder import code_article
    from dyadflow.nlp import build_nlp
    from dyadflow.petrarch import load_petrarch_lexicon

    lex = load_petrarch_lexicon(petr_dir2, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas")
    nlp = build_nlp(lex)

    def codes(text: str) -> set[tuple[str | None, str | None, str]]:
        return {(e.source_code, e.target_code, e.cameo_code) for e in code_article(nlp(text), lex, date(2003, 1, 1))}

    # an agent before "A and B" distributes over both actors
    assert codes("Harbour masters in Ostland and Vestria planted trees near the Kingdom of Zed.") == {
        ("OSTGOV", "ZED", "042"), ("VESGOV", "ZED", "042")}
    # each conjunct contributes its first actor, whatever the parser did with the adjectives
    assert codes("Ostland and the old Vestria planted trees near the Kingdom of Zed.") == {
        ("OST", "ZED", "042"), ("VES", "ZED", "042")}
    # TABARI's FORMER conversion: the agent codes as ELI
    assert codes("Former harbour masters of Ostland planted trees near the Kingdom of Zed.") == {
        ("OSTELI", "ZED", "042")}
    # an actor phrase split by modifiers of its last word ("Ostland ... radio")
    assert ("VES", "OSTRAD", "042") in codes("Vestria planted trees near Ostland state-run radio.")
    # a target inside a to-infinitive with its own object belongs to that clause, not to "proposed"
    assert codes("Vestria proposed to discuss the matter with Ostland.") == set()


@pytest.mark.model
def test_petrarch_noncameo_codes_mapped_or_dropped(petr_dir2: Path) -> None:
    from dyadflow.coder import code_article
    from dyadflow.nlp import build_nlp
    from dyadflow.petrarch import load_petrarch_lexicon
    from dyadflow.tableschema import table_schema

    events_schema = table_schema(REPO / "schemas", "events")
    mapped = load_petrarch_lexicon(petr_dir2, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas",
                                   noncameo="map")
    kept = load_petrarch_lexicon(petr_dir2, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas",
                                 noncameo="keep")
    nlp = build_nlp(mapped)
    greet, wave = nlp("Ostland greeted Vestria."), nlp("Ostland waved to Vestria.")
    # "903" has no CAMEO parent: dropped (the reason is logged); "174K" maps to its parent "174"
    assert code_article(greet, mapped, date(2003, 1, 1)) == []
    [ev] = code_article(wave, mapped, date(2003, 1, 1), doc_id="d" * 32)
    assert ev.cameo_code == "174" and ev.rule_id.endswith(":noncameo=174K")
    events_schema.validate_record(replace(ev, run_id="run-1").to_row())
    # "keep" shows the dictionary's own codes (conformance runs), flagged in rule_id
    [kg] = code_article(greet, kept, date(2003, 1, 1))
    assert (kg.source_code, kg.target_code, kg.cameo_code) == ("OST", "VES", "903")
    assert kg.rule_id.endswith(":noncameo")
    with pytest.raises(ValueError):
        load_petrarch_lexicon(petr_dir2, noncameo="sometimes")
