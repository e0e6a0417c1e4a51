"""dyadflow.parallel: N worker processes give the same events, in the same order, as one."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from dyadflow import parallel
from dyadflow.records import Event
from dyadflow.settings import Settings

ITEMS = [
    ("p1", "Turkish President Recep Tayyip Erdogan met Russian President Vladimir Putin in Sochi on Monday.",
     date(2024, 3, 4)),
    ("p2", "The weather in the capital was mild and nobody said anything.", date(2024, 3, 4)),
    ("p3", "Israeli jets struck Hamas positions in Gaza overnight, the army said.", date(2024, 3, 5)),
    ("p4", "Greece accused Turkey of violating its airspace.", date(2024, 3, 6), False),
    ("p5", "Police arrested dozens of protesters in Tbilisi on Saturday.", date(2024, 3, 9)),
    ("p6", "France and Germany signed a defence agreement in Berlin.", None),
]


def test_chunks_keep_order_and_cover_everything() -> None:
    chunks = parallel._chunks(list(range(10)), 4)
    assert chunks == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_unpack_accepts_three_or_four_fields() -> None:
    assert parallel._unpack(("a", "t", None)) == ("a", "t", None, False)
    assert parallel._unpack(("a", "t", date(2024, 1, 1), True)) == ("a", "t", date(2024, 1, 1), True)


def test_pool_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        parallel.CoderPool(Settings(), processes=0)
    with pytest.raises(ValueError):
        parallel.CoderPool(Settings(), processes=1, chunk_size=0)


def test_empty_input_needs_no_resources() -> None:
    assert parallel.code_texts([], Settings(), processes=2) == []


@pytest.mark.model
def test_two_processes_equal_one() -> None:
    settings = Settings()
    one = parallel.code_texts(ITEMS, settings, processes=1, with_gazetteer=False)
    two = parallel.code_texts(ITEMS, settings, processes=2, chunk_size=2, with_gazetteer=False)
    assert len(one) == len(ITEMS)
    assert two == one
    assert [[e.event_id for e in evs] for evs in two] == [[e.event_id for e in evs] for evs in one]
    assert all(e.doc_id == item[0] for item, evs in zip(ITEMS, one, strict=True) for e in evs)
    assert sum(len(evs) for evs in one) >= 3  # the meeting, the strike, the accusation at least
    assert all(isinstance(e, Event) for evs in one for e in evs)


@pytest.mark.model
def test_pool_parse_counts_sentences_and_events_pickle() -> None:
    with parallel.CoderPool(Settings(), processes=1, with_gazetteer=False) as pool:
        counts = pool.parse(["One sentence here.", "First sentence. Second sentence. Third one."])
        coded = pool.code(ITEMS[:1])
    assert counts == [1, 3]
    assert coded[0].error is None
    assert pickle.loads(pickle.dumps(coded)) == coded
