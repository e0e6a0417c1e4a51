"""`dyadflow actors search NAME` and `dyadflow actors --unmatched` (typer's CliRunner, in process)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dyadflow.actors_report import search_name
from dyadflow.cli import app
from dyadflow.lexicon.loader import load_lexicon, named_actor_rows
from dyadflow.lexicon.model import Lexicon
from dyadflow.nlp import DEFAULT_MODELS
from dyadflow.records import Article, sha256_hex
from dyadflow.store import ParquetStore

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _search(*args: str) -> dict:
    res = runner.invoke(app, ["actors", "search", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def seeds() -> tuple[list, Lexicon]:
    return named_actor_rows(REPO / "seeds", REPO / "schemas"), load_lexicon(REPO / "seeds", REPO / "schemas")


def _codes(seeds: tuple[list, Lexicon], name: str, day: date | None = None) -> tuple[str, ...]:
    return search_name(name, seeds[0], seeds[1], day).codes


def test_search_cli_gives_the_code_of_the_date_and_the_row() -> None:
    after = _search("Taliban", "--date", "2022-05-01")
    assert after["codes"] == ["AFGGOVTAL"]
    chosen = [h for h in after["actors"] if h["chosen"]]
    assert len(chosen) == 1 and chosen[0]["table"] == "actors" and chosen[0]["valid_from"] == "2021-08-15"
    assert {h["valid_on_date"] for h in after["actors"]} == {True, False}
    res = runner.invoke(app, ["actors", "search", "Zorblax Quendry"])
    assert res.exit_code == 0 and "no dictionary entry" in res.stdout
    bad = runner.invoke(app, ["actors", "search", "Hamas", "--date", "May 2020"])
    assert bad.exit_code == 2


def test_search_dates_tables_places_and_agents(seeds: tuple[list, Lexicon]) -> None:
    assert _codes(seeds, "the Taliban", date(2019, 5, 1)) == ("AFGINSTAL",)
    monusco = search_name("Monusco", *seeds, date(2020, 1, 1))
    assert monusco.codes == ("IGOUNOPKO",) and monusco.actors[0].table == "organisations"
    assert _codes(seeds, "TPLF", date(2021, 6, 1)) == ("ETHREB",)
    brahimi = search_name("Lakhdar Brahimi", *seeds, date(2013, 1, 1))
    assert brahimi.codes == ("IGOUNO",) and brahimi.actors[0].table == "officeholders"
    assert _codes(seeds, "Kyiv") == ("UKRGOV",)
    assert search_name("peacekeepers", *seeds).terms[0].kind == "agent"
    unknown = search_name("Zorblax Quendry", *seeds)
    assert unknown.codes == () and not unknown.actors and not unknown.partial


def test_search_name_suggests_partial_matches(seeds: tuple[list, Lexicon]) -> None:
    result = search_name("Kataib", *seeds, date(2020, 1, 1))
    assert not result.actors
    assert any(h.actor_id == "kataib_hezbollah" for h in result.partial)


def test_actors_without_an_option_shows_help() -> None:
    res = runner.invoke(app, ["actors"])
    assert res.exit_code == 2


def _article(text: str, n: int) -> Article:
    return Article(doc_id=sha256_hex(text)[:32], path=f"a{n}.txt", text=text, content_hash=sha256_hex(text),
                   ingested_at=datetime(2024, 1, 1, tzinfo=UTC), published=date(2024, 1, 1), title=None)


@pytest.mark.model
def test_unmatched_lists_uncoded_spans_of_a_tiny_warehouse(tmp_path: Path) -> None:
    if not any(importlib.util.find_spec(m) for m in DEFAULT_MODELS):
        pytest.skip("the spaCy English model is not installed")
    texts = [
        "Opposition leader Marcus Feldane said Hezbollah fighters attacked the Azure Valley Front on Monday.",
        "Marcus Feldane later met Turkish officials in Ankara. The smugglers fled.",
    ]
    store = ParquetStore(tmp_path / "wh", REPO / "schemas")
    store.init()
    assert store.write_articles([_article(t, i) for i, t in enumerate(texts)]) == 2
    res = runner.invoke(app, ["actors", "--unmatched", "--warehouse", str(tmp_path / "wh"), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    spans = {r["span"]: r for r in rows}
    assert spans["Marcus Feldane"]["count"] == 2 and spans["Marcus Feldane"]["articles"] == 2
    assert spans["Marcus Feldane"]["label"] == "PERSON"
    assert "Opposition leader Marcus Feldane" in spans["Marcus Feldane"]["example"]
    assert not any("Hezbollah" in s or s in ("Ankara", "Turkish") for s in spans)  # the lexicon codes these
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)


def test_unmatched_needs_a_warehouse(tmp_path: Path) -> None:
    res = runner.invoke(app, ["actors", "--unmatched", "--warehouse", str(tmp_path / "none")])
    assert res.exit_code == 2
