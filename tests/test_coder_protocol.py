"""One `Coder` protocol (issue 10): the native and the PETRARCH coders share the article loop and
the Event builder, so PETRARCH-path events carry the date, place, PLOVER, ACLED and fatality fields
of native events. Own generic sentences and a tiny PETRARCH dictionary written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dyadflow.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = date(2024, 5, 10)  # a Friday: "on Tuesday" is 2024-05-07

VERBS = """--- ATTACK  [190] ---
ATTACK
--- CONSULT  [040] ---
CONSULT
"""
ACTORS = """FRANCE [FRA]
GERMANY [DEU]
"""
AGENTS = """SOLDIER [~MIL]
"""
ATTACK = "France attacked Germany near Strasbourg on Tuesday, killing 12 soldiers."
MEETING = "France consulted Germany in Geneva on Tuesday."
SHARED_FIELDS = ("event_date", "date_precision", "date_source", "location_name", "location_country",
                 "geo_precision", "plover_event_type", "plover_mode", "fatalities", "acled_event_type")


@pytest.fixture(scope="module")
def petr_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("petr")
    (d / "t.verbs.txt").write_text(VERBS, encoding="utf-8")
    (d / "t.actors.txt").write_text(ACTORS, encoding="utf-8")
    (d / "t.agents.txt").write_text(AGENTS, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def petr_lexicon(petr_dir: Path) -> Any:
    from dyadflow.petrarch import load_petrarch_lexicon

    return load_petrarch_lexicon(petr_dir, seeds_dir=REPO / "seeds", schemas_dir=REPO / "schemas")


@pytest.fixture(scope="module")
def gazetteer() -> Any:
    from dyadflow.geo import Gazetteer

    return Gazetteer.from_package()


def test_both_coders_satisfy_the_protocol_and_are_picked_by_the_lexicon(petr_lexicon: Any,
                                                                       fiction_lexicon: Any) -> None:
    from dyadflow.coder import NativeCoder, coder_for
    from dyadflow.coder.protocol import Coder
    from dyadflow.petrarch.coder import CODER_VERSION, PetrarchCoder
    from dyadflow.pipeline import coder_version_for

    native, petrarch = coder_for(fiction_lexicon), coder_for(petr_lexicon)
    assert isinstance(native, NativeCoder) and isinstance(native, Coder)
    assert isinstance(petrarch, PetrarchCoder) and isinstance(petrarch, Coder)
    assert (native.name, petrarch.name) == ("native", "petrarch")
    assert coder_version_for(petr_lexicon) == CODER_VERSION == petrarch.version


def test_settings_select_the_petrarch_coder(petr_dir: Path) -> None:
    from dyadflow.coder import coder_for
    from dyadflow.petrarch.coder import PetrarchCoder
    from dyadflow.pipeline import load_lexicon_for

    lex = load_lexicon_for(Settings(lexicon_format="petrarch", lexicon_dir=petr_dir))
    assert isinstance(coder_for(lex), PetrarchCoder)


@pytest.mark.model
def test_petrarch_events_come_from_the_shared_builder(petr_lexicon: Any, gazetteer: Any) -> None:
    from dyadflow.coder import code_article
    from dyadflow.nlp import build_nlp

    nlp = build_nlp(petr_lexicon)
    [attack] = code_article(nlp(ATTACK), petr_lexicon, PUBLISHED, doc_id="p", gazetteer=gazetteer)
    assert (attack.source_code, attack.target_code, attack.cameo_code) == ("FRA", "DEU", "190")
    assert attack.rule_id == "petrarch:ATTACK:2"  # the PETRARCH verb block and its dictionary line
    assert attack.coder_version.startswith("petrarch-")
    # date from the text ("on Tuesday"), not the publication date
    assert (attack.event_date, attack.date_source) == (date(2024, 5, 7), "relative")
    assert attack.location_name == "Strasbourg" and attack.location_country == "FRA"
    assert (attack.source_country, attack.target_country) == ("FRA", "DEU")
    assert attack.plover_event_type == "ASSAULT" and attack.acled_event_type is not None
    assert attack.fatalities == 12
    [meeting] = code_article(nlp(MEETING), petr_lexicon, PUBLISHED, doc_id="p", gazetteer=gazetteer)
    assert meeting.location_country == "CHE" and meeting.plover_event_type == "CONSULT"


@pytest.mark.model
def test_petrarch_and_native_events_share_the_enrichment(petr_lexicon: Any, gazetteer: Any) -> None:
    """The same act coded by both coders gets the same date, place, PLOVER, ACLED and fatalities."""
    from dyadflow.coder import code_article
    from dyadflow.lexicon import load_lexicon
    from dyadflow.nlp import build_nlp

    native_lex = load_lexicon(REPO / "seeds", REPO / "schemas")
    native = [e for e in code_article(build_nlp(native_lex)(ATTACK), native_lex, PUBLISHED, gazetteer=gazetteer)
              if e.cameo_code == "190"]
    petrarch = code_article(build_nlp(petr_lexicon)(ATTACK), petr_lexicon, PUBLISHED, gazetteer=gazetteer)
    if not native:
        pytest.skip("the native vocabulary no longer codes this sentence as 190")
    assert [{f: getattr(e, f) for f in SHARED_FIELDS} for e in petrarch] == [
        {f: getattr(native[0], f) for f in SHARED_FIELDS}]
    assert native[0].coder_version != petrarch[0].coder_version


def test_an_injected_coder_runs_in_the_shared_loop(fiction_lexicon: Any) -> None:
    """Any object with the protocol's members codes through code_article's loop and builder."""
    import spacy

    from dyadflow.coder import code_article
    from dyadflow.coder.protocol import Coder, SentenceMatch
    from dyadflow.coder.records import Draft, Party

    class OneVerb:
        name, version, lexicon = "toy", "toy-1", fiction_lexicon

        def match(self, doc: Any, published: Any, *, text: str, gazetteer: Any = None,
                  source: Any = None) -> list[SentenceMatch[None, Any]]:
            return [SentenceMatch(i, s, None, tuple(t for t in s if t.text == "visited"))
                    for i, s in enumerate(doc.sents)]

        def decide(self, doc: Any, match: SentenceMatch[None, Any]) -> tuple[list[Draft], list[Any]]:
            return [Draft(trigger=t, code="042", info=fiction_lexicon.code_info("042"),
                          source=Party(doc[0].text, "FRD", "FRD", span=(0, len(doc[0].text))),
                          target=Party(doc[2].text, "SYV", "SYV", span=(doc[2].idx, doc[2].idx + len(doc[2].text))),
                          rule_id="toy.visit", confidence=0.5) for t in match.candidates], []

    assert isinstance(OneVerb(), Coder)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    events = code_article(nlp("Freedonia visited Sylvania on Monday. Nothing else."), fiction_lexicon, PUBLISHED,
                          doc_id="toy", coder=OneVerb())
    assert [(e.source_code, e.target_code, e.cameo_code, e.rule_id, e.coder_version) for e in events] == [
        ("FRD", "SYV", "042", "toy.visit", "toy-1")]
    assert (events[0].event_date, events[0].date_source) == (date(2024, 5, 6), "relative")
