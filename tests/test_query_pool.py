"""The query pool: threads of one worker share it, and a timeout kills only what it must."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from api.errors import BusyError
from api.query_worker import QueryJob, QueryOutcome, QueryPool
from graphstore.errors import QueryTimeoutError
from graphstore.store import Store

EX = "http://example.org/"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: About half a second on 300 triples: 5,130,000 solutions counted.
MEDIUM = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) < "15") }'
TIMEOUT = 3.0


@pytest.fixture
def pool(tmp_path: Path) -> QueryPool:
    store = Store(tmp_path)
    lines = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300))
    store.load(lines.encode(), graph=EX + "g", format="turtle")
    store.close()
    pool = QueryPool(tmp_path, size=2, timeout=TIMEOUT, threads=2)
    yield pool
    pool.close()


def test_two_queries_run_at_once_in_one_worker(pool: QueryPool) -> None:
    assert len(pool._processes) == 1
    results: list[QueryOutcome] = []
    threads = [
        threading.Thread(target=lambda: results.append(pool.run(QueryJob(MEDIUM))))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [b"5130000" in r.body for r in results] == [True, True]


def test_a_query_beside_one_that_times_out_is_run_again(pool: QueryPool) -> None:
    started = time.monotonic()
    assert b"5130000" in pool.run(QueryJob(MEDIUM)).body
    alone = time.monotonic() - started
    assert alone < TIMEOUT / 2, f"the medium query took {alone:.2f} s alone; too slow here"
    before = set(pool._processes)
    killed_at: list[float] = []
    errors: list[Exception] = []

    def slow() -> None:
        try:
            pool.run(QueryJob(SLOW))
        except QueryTimeoutError as exc:
            errors.append(exc)
        killed_at.append(time.monotonic())

    begun = time.monotonic()
    thread = threading.Thread(target=slow)
    thread.start()
    # Start the medium query so that it is half done when the slow one is stopped.
    time.sleep(max(TIMEOUT - alone / 2 - (time.monotonic() - begun), 0))
    outcome = pool.run(QueryJob(MEDIUM))
    finished_at = time.monotonic()
    thread.join()
    assert len(errors) == 1
    assert b"5130000" in outcome.body  # answered in full, by the worker started anew
    assert finished_at > killed_at[0]
    assert set(pool._processes).isdisjoint(before) and len(pool._processes) == 1


def test_a_store_that_cannot_be_reopened_is_answered_503_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = Store(folder)
    store.load(f"<{EX}s> <{EX}p> 1 .".encode(), graph=EX + "g", format="turtle")
    store.close()
    pool = QueryPool(folder, size=1, timeout=20, threads=1)
    try:
        assert b"true" in pool.run(QueryJob("ASK { ?s ?p 1 }")).body
        folder.rename(tmp_path / "moved")  # a write happened, and the store is gone
        pool.stored_changed()
        started = time.monotonic()
        with pytest.raises(BusyError, match="the store could not be reopened"):
            pool.run(QueryJob("ASK { ?s ?p 1 }")).raise_error()
        assert time.monotonic() - started < 10  # answered, not left to the 20 s timeout
        assert len(pool._processes) == 1  # and the worker goes on serving
    finally:
        pool.close()
