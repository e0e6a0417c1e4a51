"""dyadflow.scaleout in one process: the coder of `dyadflow code` and of every worker."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from dyadflow import scaleout
from dyadflow.records import Event
from dyadflow.settings import Settings

ITEMS = [
    ("p1", "Turkish President Recep Tayyip Erdogan met Russian President Vladimir Putin in Sochi on Monday.",
     date(2024, 3, 4)),
    ("p2", "The weather in the capital was mild and nobody said anything.", date(2024, 3, 4)),
    ("p3", "Israeli jets struck Hamas positions in Gaza overnight, the army said.", date(2024, 3, 5)),
    ("p4", "Greece accused Turkey of violating its airspace.", date(2024, 3, 6), False),
    ("p5", "Police arrested dozens of protesters in Tbilisi on Saturday.", date(2024, 3, 9), False, "Test Wire"),
]


def test_unpack_accepts_three_to_five_fields() -> None:
    assert scaleout._unpack(("a", "t", None)) == ("a", "t", None, False, None)
    assert scaleout._unpack(("a", "t", date(2024, 1, 1), True)) == ("a", "t", date(2024, 1, 1), True, None)
    assert scaleout._unpack(("a", "t", None, False, "W")) == ("a", "t", None, False, "W")


def test_empty_input_needs_no_resources() -> None:
    assert scaleout.code_texts([], Settings()) == []


def test_resource_key_ignores_what_does_not_shape_the_coder(tmp_path) -> None:
    a = scaleout.resource_key(Settings(warehouse_dir=tmp_path / "a", workers=2))
    b = scaleout.resource_key(Settings(warehouse_dir=tmp_path / "b", task_runner="dask"))
    assert a == b and hash(a) == hash(b)
    assert scaleout.resource_key(Settings(lexicon_format="petrarch")) != a


@pytest.mark.model
def test_code_items_keeps_order_errors_and_pickles() -> None:
    coded = scaleout.code_items(ITEMS, Settings(), with_gazetteer=False)
    assert [c.doc_id for c in coded] == [it[0] for it in ITEMS]
    assert all(c.error is None for c in coded)
    assert sum(len(c.events) for c in coded) >= 3
    assert all(isinstance(e, Event) and e.doc_id == c.doc_id for c in coded for e in c.events)
    assert pickle.loads(pickle.dumps(coded)) == coded
    again = scaleout.code_chunk(ITEMS, scaleout.resource_key(Settings(), with_gazetteer=False))
    assert again == coded  # same per-process resources, same events
    builds, hits = scaleout.cache_stats()
    assert hits >= 1  # built once in this process, then reused
    again_builds, _ = scaleout.cache_stats()
    scaleout.code_chunk(ITEMS[:1], scaleout.resource_key(Settings(), with_gazetteer=False))
    assert scaleout.cache_stats()[0] == again_builds


@pytest.mark.model
def test_a_worker_with_other_dictionaries_refuses_to_code() -> None:
    with pytest.raises(scaleout.CoderMismatch):
        scaleout.code_on_worker([], Settings(), "run", "not-the-flows-key")


def test_batches_are_equal_and_in_whole_rounds_over_the_workers() -> None:
    items = list(range(400))
    two = scaleout.plan_batches(items, 64, 2)
    assert [len(b) for b in two] == [50] * 8  # not 6 x 64 + 16: four equal batches per worker
    assert [x for b in two for x in b] == items  # order kept
    assert [len(b) for b in scaleout.plan_batches(items, 64, 1)] == [58] + [57] * 6
    assert [len(b) for b in scaleout.plan_batches(items, 16, 2)] == [16] * 10 + [15] * 16  # 26 batches, not 25
    assert [len(b) for b in scaleout.plan_batches(list(range(3)), 64, 4)] == [1, 1, 1]  # never an empty batch
    assert scaleout.plan_batches([], 64, 2) == []
    assert scaleout.runner_slots(None, Settings(workers=3)) == 3
