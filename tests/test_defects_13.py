"""Issue 13 (data loss, wrong counts, clarity): reader-level checks, no parser or Prefect needed.

End-to-end checks of the same items (a PETRARCH run, edits, two roots, limits, languages, the
dyad views' distinct event counts) are in tests/test_defects_13_e2e.py.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from dyadflow.records import Article, Reject
from dyadflow.settings import Settings
from dyadflow.sources.local import LocalFileSource, read_front_matter

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2024, 6, 1)
BODY = "Officials from Norway and Chile met in Oslo on Tuesday to discuss fisheries."


def read(*paths: Path, **kw) -> tuple[list[Article], list[Reject]]:
    kw.setdefault("today", TODAY)
    items = list(LocalFileSource(list(paths), **kw).items("run-1"))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)]


def write(folder: Path, name: str, data: str) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(data, encoding="utf-8")
    return p


# ---- item 2: lenient front matter --------------------------------------------------------------
@pytest.mark.parametrize("title", [
    "Ostland: talks resume after a year",  # a colon inside the title
    "[Update] Vestria recalls its envoy",  # starts with '['
    "Talks fail: 'no deal', says minister",
    "{Live} border crossing reopens",
])
def test_headline_that_is_not_yaml_keeps_the_article_with_a_warning(tmp_path: Path, title: str) -> None:
    write(tmp_path / "in", "a.md", f"---\ntitle: {title}\npublished: 2023-03-10\nsource: Test Wire\n---\n{BODY}\n")
    arts, rejs = read(tmp_path / "in")
    assert rejs == []
    [art] = arts
    assert art.title == title and art.published == dt.date(2023, 3, 10) and art.source == "Test Wire"
    assert art.warnings and "front matter" in art.warnings


def test_valid_front_matter_has_no_warning(tmp_path: Path) -> None:
    write(tmp_path / "in", "a.md", f"---\ntitle: \"Ostland: talks resume\"\n---\n{BODY}\n")
    [art], _ = read(tmp_path / "in")
    assert art.title == "Ostland: talks resume" and art.warnings is None


@pytest.mark.parametrize("front", [
    "- just\n- a list\n",  # no key: value line at all
    "headline: [unclosed\n  very: {broken\n",  # not YAML, and no line holds a known key
])
def test_unreadable_front_matter_is_still_a_reject(tmp_path: Path, front: str) -> None:
    write(tmp_path / "in", "a.md", f"---\n{front}---\n{BODY}\n")
    arts, [rej] = read(tmp_path / "in")
    assert arts == [] and "front matter" in rej.reason


def test_lenient_front_matter_parser_reads_known_keys_only() -> None:
    meta, body, warning = read_front_matter("---\ntitle: A: b\nauthor: [x\npublished: 2023-01-02\n---\nText.")
    assert meta == {"title": "A: b", "published": "2023-01-02"} and body == "Text."
    assert warning is not None and "author" in warning


# ---- items 3/4: article identity ----------------------------------------------------------------
def test_identity_is_root_and_relative_path_jsonl_id_or_url(tmp_path: Path) -> None:
    d1, d2 = tmp_path / "d1", tmp_path / "d2"
    write(d1, "a.txt", BODY)
    write(d2, "a.txt", BODY.replace("Oslo", "Bergen"))
    write(d1, "feed.jsonl", '{"id": "x1", "text": "Peru criticised Bolivia on Monday."}\n'
                            '{"url": "https://example.org/n/2", "text": "Chile praised Peru on Monday."}\n'
                            '{"text": "Bolivia thanked Chile on Monday."}\n')
    arts, rejs = read(d1, d2)
    assert rejs == []
    origins = sorted(a.origin for a in arts)
    assert origins == sorted([
        f"{d1.resolve()}/a.txt", f"{d2.resolve()}/a.txt", f"{d1.resolve()}/feed.jsonl#id=x1",
        "https://example.org/n/2", f"{d1.resolve()}/feed.jsonl#line=3"])
    # a file named directly has the same identity as the same file found in its folder
    [direct], _ = read(d1 / "a.txt")
    assert direct.origin == f"{d1.resolve()}/a.txt"


def test_same_relative_path_in_two_roots_stays_distinct(tmp_path: Path) -> None:
    from dyadflow.pipeline import read_inputs

    d1, d2 = tmp_path / "d1", tmp_path / "d2"
    write(d1, "a.txt", BODY)
    write(d2, "a.txt", BODY)  # the same content: one article, and a duplicate naming the other root
    arts, rejs = read_inputs([d1, d2], Settings(), "r")
    [art] = arts
    [dup] = rejs
    assert art.origin == f"{d1.resolve()}/a.txt"
    assert dup.reason == f"duplicate content of {d1.resolve()}/a.txt"
    assert art.duplicate_paths == f"{d2.resolve()}/a.txt"


# ---- item 5: one document limit -------------------------------------------------------------------
def test_document_limit_cannot_exceed_the_coders_limit() -> None:
    from dyadflow.nlp import MAX_LENGTH
    from dyadflow.settings import MAX_DOC_CHARS

    assert MAX_LENGTH == MAX_DOC_CHARS
    with pytest.raises(ValueError, match="at most"):
        Settings.from_env({"DYADFLOW_MAX_DOC_CHARS": str(MAX_DOC_CHARS * 3)})
    with pytest.raises(ValueError, match="at most"):
        Settings(max_doc_chars=MAX_DOC_CHARS + 1)
    assert Settings.from_env({"DYADFLOW_MAX_DOC_CHARS": str(MAX_DOC_CHARS)}).max_doc_chars == MAX_DOC_CHARS


# ---- item 12: language ----------------------------------------------------------------------------
def test_front_matter_language_and_detected_language(tmp_path: Path) -> None:
    from dyadflow.pipeline import read_inputs

    root = tmp_path / "in"
    write(root, "fr.md", "---\nlanguage: fr\n---\nLe Chili et la Norvège ont signé un accord.")  # declared
    write(root, "de.txt", "Die Regierung von Norwegen hat am Dienstag in Oslo mit Vertretern Chiles über die "
                          "Fischerei verhandelt und eine gemeinsame Erklärung unterzeichnet.")
    write(root, "en.txt", BODY)
    arts, rejs = read_inputs([root], Settings(), "r")
    assert [(a.path, a.language) for a in arts] == [("en.txt", "en")]
    reasons = {r.path: r.reason for r in rejs}
    assert set(reasons) == {"fr.md", "de.txt"}
    assert "language 'fr'" in reasons["fr.md"] and "no model" in reasons["fr.md"]
    assert "language 'de'" in reasons["de.txt"] and "detected" in reasons["de.txt"]
    # a configured language is kept
    arts2, rejs2 = read_inputs([root], Settings(languages=("en", "fr")), "r")
    assert sorted(a.path for a in arts2) == ["en.txt", "fr.md"] and [r.path for r in rejs2] == ["de.txt"]
    assert Settings.from_env({"DYADFLOW_LANGUAGES": "en,de"}).languages == ("en", "de")


def test_short_or_unclear_text_is_kept_as_english(tmp_path: Path) -> None:
    from dyadflow.pipeline import read_inputs

    write(tmp_path / "in", "short.txt", "Peru, Chile: talks.")
    arts, rejs = read_inputs([tmp_path / "in"], Settings(), "r")
    assert [a.language for a in arts] == ["en"] and rejs == []


# ---- item 16: small ones ----------------------------------------------------------------------------
def test_json_error_reason_has_no_doubled_word(tmp_path: Path) -> None:
    write(tmp_path / "in", "f.jsonl", '{"text": "a\x01b"}\n')
    _, [rej] = read(tmp_path / "in")
    assert "at at" not in rej.reason and "column" in rej.reason and rej.line == 1


def test_duplicate_jsonl_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    from dyadflow.pipeline import read_inputs

    write(tmp_path / "in", "f.jsonl", f'{{"id": "a", "text": "{BODY}"}}\n\n{{"id": "b", "text": "{BODY}"}}\n')
    arts, [dup] = read_inputs([tmp_path / "in"], Settings(), "r")
    assert [a.path for a in arts] == ["f.jsonl#a"]
    assert dup.path == "f.jsonl#b" and dup.line == 3 and dup.reason.startswith("duplicate content")


@pytest.mark.parametrize("path", [REPO / "seeds" / "cameo_event_codes.csv",
                                  REPO / "tests" / "fixtures" / "lexicon" / "cameo_event_codes.csv"])
def test_cameo_labels_have_no_typos(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        labels = {row["code"]: row["label"] for row in csv.DictReader(fh)}
    assert labels["033"] == "Express intent to provide material aid, not specified below"
    assert not any("matyerial" in v for v in labels.values())


def test_examples_readme_refers_only_to_files_that_exist() -> None:
    text = (REPO / "examples" / "README.md").read_text(encoding="utf-8")
    assert "DESIGN.md" not in text or (REPO / "DESIGN.md").exists()
