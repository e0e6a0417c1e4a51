"""Rules of dyadflow.geo on sentences written for these tests (gazetteer built once)."""

from __future__ import annotations

import time

import pytest

from dyadflow.geo import Gazetteer, Place, find_dateline_place, find_places, fold, resolve_place


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_package()


def test_fold() -> None:
    assert fold("Türkiye") == "turkiye"
    assert fold("Nur-Sultan") == "nur sultan"
    assert fold("U.S.") == "us"
    assert fold("the  Gaza Strip") == "gaza strip"
    assert fold("Dar‘ā") == "dara"


def test_build_is_fast_enough() -> None:
    t = time.perf_counter()
    Gazetteer.from_package()
    assert time.perf_counter() - t < 10  # ~2-3 s on an idle core


def test_lookup_is_exact_not_substring(gaz: Gazetteer) -> None:
    assert gaz.lookup("Damascu") is None or gaz.lookup("Damascu").name == "Damascus"  # alt name only
    assert gaz.lookup("Mascus") is None
    assert gaz.lookup("Syrian") is None and gaz.lookup("Kazakh") is None


@pytest.mark.parametrize(
    ("name", "country", "precision"),
    [
        ("Damascus", "SYR", 1),
        ("Astana", "KAZ", 1),
        ("Nur-Sultan", "KAZ", 1),
        ("Beirut", "LBN", 1),
        ("Moscow", "RUS", 1),
        ("Kiev", "UKR", 1),
        ("Raqqa", "SYR", 1),
        ("Türkiye", "TUR", 3),
        ("Turkiye", "TUR", 3),
        ("Syria", "SYR", 3),
        ("Russian Federation", "RUS", 3),
        ("US", "USA", 3),
        ("Georgia", "GEO", 3),
        ("Idlib province", "SYR", 2),
        ("Gaza Strip", "PSE", 2),
        ("West Bank", "PSE", 2),
        ("Crimea", "UKR", 2),
        ("Donbas", "UKR", 2),
        ("Kurdistan Region", "IRQ", 2),
        ("northern Syria", "SYR", 3),
    ],
)
def test_lookup(gaz: Gazetteer, name: str, country: str, precision: int) -> None:
    p = gaz.lookup(name)
    assert p is not None and (p.country, p.geo_precision) == (country, precision)


def test_astana_aliases_are_one_place(gaz: Gazetteer) -> None:
    assert gaz.lookup("Nur-Sultan") == gaz.lookup("Astana")


def test_disambiguation_by_article_countries(gaz: Gazetteer) -> None:
    assert gaz.lookup("Damascus").country == "SYR"  # type: ignore[union-attr]
    assert gaz.lookup("Damascus", ["USA"]).country == "USA"  # type: ignore[union-attr]
    assert gaz.lookup("Georgia", ["USA"]).country == "GEO"  # countries stay countries


def test_country_has_capital_coordinates(gaz: Gazetteer) -> None:
    syr = gaz.country("SYR")
    assert syr is not None and syr.geo_precision == 3 and syr.latitude is not None
    assert 32 < syr.latitude < 37


def test_city_admin1_from_seed(gaz: Gazetteer) -> None:
    assert gaz.lookup("Idlib").admin1 == "Idlib"  # type: ignore[union-attr]


def test_extra_aliases() -> None:
    spot = Place("Camp Test", "JOR", None, 32.0, 36.0, 1)
    g = Gazetteer.from_package({"Camp Test": spot})
    assert g.lookup("camp test") == spot


# --- places in sentences ---------------------------------------------------------------------

def country(p: Place | None) -> str | None:
    return p.country if p else None


def test_in_city(gaz: Gazetteer) -> None:
    p = resolve_place("The two envoys met in Beirut to discuss the border.", gaz)
    assert p is not None and (p.name, p.country, p.geo_precision) == ("Beirut", "LBN", 1)


def test_city_with_country_apposition(gaz: Gazetteer) -> None:
    p = resolve_place("The king received the delegation in Amman, Jordan, on Sunday.", gaz)
    assert p is not None and p.name == "Amman" and p.country == "JOR"


def test_region_phrase(gaz: Gazetteer) -> None:
    p = resolve_place("Drones struck positions in northern Iraq overnight.", gaz)
    assert p is not None and (p.country, p.geo_precision) == ("IRQ", 3) and "north" in p.name
    p = resolve_place("Jets pounded targets in the North-Eastern Syria region.", gaz)
    assert country(p) == "SYR"
    p = resolve_place("Artillery hit villages on southern Lebanon.", gaz)
    assert country(p) == "LBN"


def test_province_suffix(gaz: Gazetteer) -> None:
    p = resolve_place("Clashes erupted in Hama province at dawn.", gaz)
    assert p is not None and p.country == "SYR" and p.geo_precision == 2 and p.admin1 == "Hama"


def test_named_region(gaz: Gazetteer) -> None:
    p = resolve_place("Aid trucks waited at the edge of the West Bank.", gaz)
    assert p is not None and p.name == "West Bank" and p.geo_precision == 2


def test_capital_city_of(gaz: Gazetteer) -> None:
    p = resolve_place("They talked in the Kazakh capital city of Astana on Monday.", gaz)
    assert p is not None and p.country == "KAZ" and p.geo_precision == 1


def test_metonyms_and_possessives_are_not_places(gaz: Gazetteer) -> None:
    assert resolve_place("Ankara said it would respond.", gaz) is None
    assert resolve_place("Russia's defence minister welcomed his counterparts from Iran and Iraq.", gaz) is None
    assert resolve_place("Tehran-backed groups rejected the plan.", gaz) is None


def test_exclude_spans(gaz: Gazetteer) -> None:
    s = "Officials in Baghdad said the talks in Erbil went well."
    assert resolve_place(s, gaz, exclude_spans=[(s.index("Erbil"), s.index("Erbil") + 5)]).name == "Baghdad"  # type: ignore[union-attr]


def test_nearest_to_trigger(gaz: Gazetteer) -> None:
    s = "After talks in Baku, the minister flew on and signed the deal in Tbilisi."
    assert resolve_place(s, gaz, trigger_offset=s.index("signed")).name == "Tbilisi"  # type: ignore[union-attr]
    assert resolve_place(s, gaz, trigger_offset=s.index("talks")).name == "Baku"  # type: ignore[union-attr]


def test_article_countries_disambiguate(gaz: Gazetteer) -> None:
    s = "The rally took place in Damascus on Saturday."
    assert country(resolve_place(s, gaz)) == "SYR"
    assert country(resolve_place(s, gaz, article_countries=["USA"])) == "USA"


def test_fallbacks(gaz: Gazetteer) -> None:
    dl = gaz.lookup("Cairo")
    assert resolve_place("The minister praised the accord.", gaz, dateline=dl) == dl
    p = resolve_place("Troops crossed the border.", gaz, fallback_country="SYR")
    assert p is not None and (p.country, p.geo_precision) == ("SYR", 3)
    assert resolve_place("The minister praised the accord.", gaz) is None


def test_find_places_lists_mentions(gaz: Gazetteer) -> None:
    found = find_places("Talks moved from Geneva to Vienna and then to the Gaza Strip.", gaz)
    assert [p.name for _s, _e, p in found] == ["Geneva", "Vienna", "Gaza Strip"]


def test_months_and_titles_are_not_places(gaz: Gazetteer) -> None:
    assert resolve_place("The vote is due in March, the Speaker said.", gaz) is None


# --- datelines -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("CAIRO, 3 May 2021 (XYZ): The ministers met.", "Cairo"),
        ("Cairo, May 3, 2021 - The ministers met.", "Cairo"),
        ("ANKARA, Jan 9 (Reuters) - Turkey said.", "Ankara"),
        ("BEIRUT (AFP) - Lebanon said.", "Beirut"),
    ],
)
def test_dateline_place(gaz: Gazetteer, text: str, name: str) -> None:
    p = find_dateline_place(text, gaz)
    assert p is not None and p.name == name


def test_no_dateline(gaz: Gazetteer) -> None:
    assert find_dateline_place("The ministers met in Cairo on Monday.", gaz) is None


def test_between_parties_is_not_a_place(gaz: Gazetteer) -> None:
    assert resolve_place("Oman is mediating talks between Tehran and Riyadh.", gaz) is None


def test_border_with(gaz: Gazetteer) -> None:
    assert country(resolve_place("Jordan sees militias along its border with Syria as a threat.", gaz)) == "SYR"


def test_sentence_initial_words_are_not_iso_codes(gaz: Gazetteer) -> None:
    assert resolve_place("Can the talks in earnest resume? Nor will they.", gaz) is None
