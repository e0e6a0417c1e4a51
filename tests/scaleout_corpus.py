"""A small fictional corpus for the scale-out and object-storage tests (written for these tests)."""

from __future__ import annotations

from pathlib import Path

ARTICLES = {
    "a01.md": ("2024-02-05", "France and Germany signed a trade agreement in Berlin on Monday. "
                             "The French president praised the German chancellor."),
    "a02.md": ("2024-02-06", "Turkish police arrested dozens of protesters in Istanbul on Tuesday. "
                             "The protesters had marched against rising prices."),
    "a03.md": ("2024-02-07", "Russia accused Ukraine of shelling a border village on Wednesday. "
                             "Ukraine denied the accusation."),
    "a04.md": ("2024-03-01", "Japan pledged humanitarian aid to the Philippines after the floods. "
                             "The Japanese foreign minister met his Philippine counterpart in Manila."),
    "a05.md": ("2024-03-02", "Egyptian mediators hosted talks between Israel and Hamas in Cairo on Saturday."),
    "a06.md": ("2024-03-04", "Greece criticised Turkey over a naval exercise in the Aegean on Monday. "
                             "Athens summoned the Turkish ambassador."),
    "a07.md": ("2024-04-10", "Kenya and Ethiopia agreed to reopen their border crossing, officials said."),
    "a08.md": ("2024-04-11", "Iranian President met the Iraqi prime minister in Tehran on Thursday. "
                             "Iran urged the United States to lift its sanctions."),
    "a09.md": ("2024-04-12", "Brazil expelled two Venezuelan diplomats on Friday."),
    "a10.md": ("2024-05-20", "Polish troops joined a NATO exercise in Lithuania on Monday. "
                             "Russia condemned the exercise."),
}


def write_corpus(folder: Path) -> Path:
    """Write the articles (front matter + text) into folder; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (published, text) in ARTICLES.items():
        (folder / name).write_text(f"---\npublished: {published}\nsource: Test Wire\n---\n{text}\n", encoding="utf-8")
    return folder
