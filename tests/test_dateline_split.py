"""A leading dateline ends where the story's first sentence starts (no parser model needed)."""

from __future__ import annotations

import pytest

from dyadflow.timeparse import dateline_end


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("STRELSAU, June 4 (Planet News) - Freedonia protested.", "Freedonia"),
        ("FREDVILLE (Planet News) - Sylvania protested.", "Sylvania"),
        ("Fredville, 25 April 2021 (PN): Sylvania protested.", "Sylvania"),
        ("NEW FREDVILLE, Sylvania, March 3 (Planet News) — Talks resumed.", "Talks"),
    ],
)
def test_dateline_end_points_at_the_story(text: str, first: str) -> None:
    end = dateline_end(text)
    assert end is not None
    assert text[end:].lstrip().startswith(first)


@pytest.mark.parametrize(
    "text",
    [
        "Freedonia protested on Monday - and Sylvania replied.",
        "THE TALKS RESUMED on Monday.",
        "Sylvania, March 3 was the day the talks resumed.",
    ],
)
def test_no_dateline_no_split(text: str) -> None:
    assert dateline_end(text) is None
