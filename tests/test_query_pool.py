"""The query pool: threads of one worker share it, and a timeout kills only what it must."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from pathlib import Path

import pytest

from mofkg.api.errors import BusyError, OutOfMemoryError, status_for
from mofkg.api.server.frames import ClientGone
from mofkg.api.server.pool import GRACE, RESENDS, QueryPool, _Slot
from mofkg.api.server.queries import QueryJob, QueryOutcome
from mofkg.graphstore.errors import QueryError, QueryTimeoutError
from mofkg.graphstore.store.embedded import Store

EX = "http://example.org/"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: About half a second on 300 triples: 5,130,000 solutions counted.
MEDIUM = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) < "15") }'
TIMEOUT = 3.0


def _pool(path: Path, *, size: int, timeout: float = TIMEOUT) -> QueryPool:
    """A pool of one worker of ``size`` threads over a store of 300 triples at ``path``."""
    store = Store(path)
    lines = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300))
    store.load(lines.encode(), graph=EX + "g", format="turtle")
    store.close()
    return QueryPool(path, size=size, timeout=timeout, threads=size)


@pytest.fixture
def pool(tmp_path: Path) -> QueryPool:
    pool = _pool(tmp_path, size=2)
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


def test_the_loop_keeps_running_while_workers_answer(pool: QueryPool) -> None:
    """run_async: two queries in one worker at once, and the event loop free meanwhile."""

    async def main() -> tuple[list[QueryOutcome], int]:
        ticks = 0
        runs = asyncio.gather(*(pool.run_async(QueryJob(MEDIUM)) for _ in range(2)))
        while not runs.done():
            await asyncio.sleep(0.01)
            ticks += 1
        return await runs, ticks

    started = time.monotonic()
    outcomes, ticks = asyncio.run(main())
    took = time.monotonic() - started
    assert [b"5130000" in o.body for o in outcomes] == [True, True]
    assert ticks >= took / 0.01 / 3  # the loop ran its timer all along (not blocked)


def test_run_async_stops_an_overrun_and_runs_the_other_query_again(pool: QueryPool) -> None:
    before = set(pool._processes)

    async def main() -> tuple[BaseException | QueryOutcome, QueryOutcome]:
        slow = asyncio.ensure_future(pool.run_async(QueryJob(SLOW)))
        await asyncio.sleep(TIMEOUT - 0.3)  # the medium query is under way at the kill
        medium = await pool.run_async(QueryJob(MEDIUM))
        (first,) = await asyncio.gather(slow, return_exceptions=True)
        return first, medium

    first, medium = asyncio.run(main())
    assert isinstance(first, QueryTimeoutError)
    assert b"5130000" in medium.body
    assert set(pool._processes).isdisjoint(before) and len(pool._processes) == 1


def test_a_cancelled_run_does_not_leave_its_answer_to_the_next(tmp_path: Path) -> None:
    """The client of a running query goes away: its worker is replaced, so the answer it was
    writing is never read as the next query's."""
    pool = _pool(tmp_path, size=1)
    try:
        before = set(pool._processes)

        async def main() -> QueryOutcome:
            medium = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
            await asyncio.sleep(0.1)
            medium.cancel()
            with pytest.raises(asyncio.CancelledError):
                await medium
            return await pool.run_async(QueryJob("ASK { ?s ?p 7 }"))

        outcome = asyncio.run(main())
        assert outcome.body == b'{"head":{},"boolean":true}'
        assert set(pool._processes).isdisjoint(before)
    finally:
        pool.close()


def test_run_async_waits_for_a_busy_slot_then_answers(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.load(f"<{EX}s> <{EX}p> 1 .".encode(), graph=EX + "g", format="turtle")
    store.close()
    pool = QueryPool(tmp_path, size=1, timeout=TIMEOUT, threads=1)
    try:

        async def main() -> list[QueryOutcome]:
            return await asyncio.gather(*(pool.run_async(QueryJob("ASK {}")) for _ in range(3)))

        assert [o.body for o in asyncio.run(main())] == [b'{"head":{},"boolean":true}'] * 3
    finally:
        pool.close()


def test_cancelling_a_run_sends_its_neighbours_again(pool: QueryPool) -> None:
    """Cancelling one run kills its worker; the other job that worker was running is sent
    again to the new one and answered, not failed as if the worker had died."""

    async def main() -> QueryOutcome:
        first = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
        other = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
        await asyncio.sleep(0.2)
        first.cancel()
        return await other

    assert b"5130000" in asyncio.run(main()).body


def test_a_run_cancelled_while_waiting_for_a_slot_gives_it_back(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1)
    try:

        async def main() -> float:
            busy = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
            await asyncio.sleep(0.1)
            waiting = asyncio.ensure_future(pool.run_async(QueryJob("ASK {}")))
            await asyncio.sleep(0.1)
            waiting.cancel()
            await busy
            started = time.monotonic()
            await pool.run_async(QueryJob("ASK {}"))
            return time.monotonic() - started

        assert asyncio.run(main()) < 1  # the slot came back: no wait for the timeout
    finally:
        pool.close()


def test_an_unknown_function_is_an_error_not_a_stuck_worker(pool: QueryPool) -> None:
    before = set(pool._processes)
    started = time.monotonic()
    query = "SELECT * { ?s ?p ?o FILTER(<http://www.w3.org/2001/XMLSchema#foo>(?o)) }"
    outcome = pool.run(QueryJob(query))
    assert time.monotonic() - started < TIMEOUT / 2
    with pytest.raises(QueryError, match="custom function"):
        outcome.raise_error()
    assert set(pool._processes) == before  # the worker goes on


def test_a_busy_pool_does_not_hold_up_another_pools_waiters(tmp_path: Path) -> None:
    """Each pool waits for its slots in threads of its own: eight runs waiting on a busy
    pool leave another pool's waiting run free to take its slot as soon as it is idle."""
    pools = []
    for name in ("a", "b"):
        pools.append(_pool(tmp_path / name, size=1))
    busy, other = pools
    try:

        async def main() -> float:
            slow = asyncio.ensure_future(busy.run_async(QueryJob(SLOW)))
            waiting = [asyncio.ensure_future(busy.run_async(QueryJob("ASK {}"))) for _ in range(8)]
            await asyncio.sleep(0.1)
            medium = asyncio.ensure_future(other.run_async(QueryJob(MEDIUM)))
            await asyncio.sleep(0.05)
            behind = asyncio.ensure_future(other.run_async(QueryJob("ASK {}")))
            await medium
            freed = time.monotonic()
            await behind
            took = time.monotonic() - freed
            await asyncio.gather(slow, *waiting, return_exceptions=True)
            return took

        assert asyncio.run(main()) < 1  # not held until the busy pool's timeout
    finally:
        for pool in pools:
            pool.close()


def _hold_only_slot(pool: QueryPool, seconds: float) -> threading.Thread:
    """Take the pool's one idle slot now and give it back after ``seconds`` (as a long query
    on it would), in a thread."""
    slot = pool._take(time.monotonic() + 1)

    def give_back() -> None:
        time.sleep(seconds)
        pool._idle.put(slot)

    thread = threading.Thread(target=give_back)
    thread.start()
    return thread


@pytest.mark.parametrize("run", ["run", "run_async"])
def test_a_query_that_waited_for_a_slot_still_has_its_grace(tmp_path: Path, run: str) -> None:
    """A query that gets the only slot 0.3 s before the timeout is not stopped at once (its
    worker killed): it has until GRACE after the timeout, and is answered."""
    pool = _pool(tmp_path, size=1)
    try:
        before = set(pool._processes)
        holder = _hold_only_slot(pool, TIMEOUT - 0.3)
        job = QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        if run == "run":
            outcome = pool.run(job)
        else:
            outcome = asyncio.run(pool.run_async(job))
        holder.join()
        assert b"300" in outcome.body
        assert set(pool._processes) == before
    finally:
        pool.close()


def test_a_query_that_waits_past_the_timeout_for_a_slot_is_503(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1)
    try:
        holder = _hold_only_slot(pool, TIMEOUT + 0.5)
        started = time.monotonic()
        with pytest.raises(BusyError, match="every query worker stayed busy"):
            pool.run(QueryJob("ASK {}"))
        assert TIMEOUT - 0.1 < time.monotonic() - started < TIMEOUT + 0.4
        holder.join()
    finally:
        pool.close()


def test_a_job_stopped_again_and_again_for_others_is_503(tmp_path: Path) -> None:
    """A job whose worker the pool keeps killing for other jobs' timeouts is sent again
    RESENDS times, then answered 503 rather than sent forever. (A long timeout: the kills
    and restarts must all come before the request's end, timeout and GRACE.)"""
    pool = _pool(tmp_path, size=2, timeout=20.0)
    try:
        kills: list[int] = []

        async def main() -> BaseException | QueryOutcome:
            victim = asyncio.ensure_future(pool.run_async(QueryJob(SLOW)))
            for _ in range(RESENDS + 1):
                await asyncio.sleep(0.3)  # the victim is (again) under way on its worker
                slot = await _the_other_idle_slot(pool)
                kills.append(slot.process.popen.pid)
                pool._replace(slot.process, stopped=True)
                while not any(not s.process.dead for s in list(pool._idle.queue)):
                    await asyncio.sleep(0.02)  # until the replacement is up
            (result,) = await asyncio.gather(victim, return_exceptions=True)
            return result

        result = asyncio.run(main())
        assert isinstance(result, BusyError), result
        assert f"stopped {RESENDS + 1} times" in str(result)
        assert len(set(kills)) == RESENDS + 1
    finally:
        pool.close()


async def _the_other_idle_slot(pool: QueryPool) -> _Slot:
    """The one idle slot of a live worker, once the job under way has taken the other
    (slots of killed workers may linger in the queue)."""
    for _ in range(250):
        alive = [s for s in list(pool._idle.queue) if not s.process.dead]
        if len(alive) == 1:
            return alive[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no single idle slot after 5 s: {alive}")


def _count_sends(pool: QueryPool) -> list[str]:
    """The queries the pool sends from now on, in order (its _send, wrapped)."""
    sent: list[str] = []
    send = pool._send

    def counted(slot: _Slot, job: QueryJob, deadline: float) -> None:
        sent.append(job.query)
        send(slot, job, deadline)

    pool._send = counted  # type: ignore[method-assign]
    return sent


def test_an_abandoned_query_alone_on_its_worker_is_stopped(tmp_path: Path) -> None:
    """The client leaves while its query is the only one on its worker: once the query has
    run stop_after (a quarter of the timeout here), the worker is replaced and the slot is
    free again, not held until the timeout."""
    pool = _pool(tmp_path, size=1)
    try:
        before = set(pool._processes)
        assert pool.stop_after == TIMEOUT / 4

        async def main() -> tuple[BaseException | QueryOutcome, float, float]:
            gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            started = time.monotonic()
            slow = asyncio.ensure_future(pool.run_async(QueryJob(SLOW), gone=gone))
            await asyncio.sleep(0.1)
            gone.set_result(None)
            (result,) = await asyncio.gather(slow, return_exceptions=True)
            stopped = time.monotonic() - started
            started = time.monotonic()
            await pool.run_async(QueryJob("ASK {}"))
            return result, stopped, time.monotonic() - started

        result, stopped, took = asyncio.run(main())
        assert isinstance(result, ClientGone)
        assert pool.stop_after <= stopped < TIMEOUT - 0.5  # not before stop_after, nor at 3 s
        assert took < 4  # the slot came back with the new worker
        assert set(pool._processes).isdisjoint(before) and len(pool._processes) == 1
    finally:
        pool.close()


def test_an_abandoned_query_beside_another_waits_for_it(pool: QueryPool) -> None:
    """Stopping the worker would make its other job start over: the abandoned query runs on
    while the other does, and is stopped once it is alone, long before the timeout."""
    before = set(pool._processes)

    async def main() -> tuple[BaseException | QueryOutcome, QueryOutcome, set[int], float]:
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        started = time.monotonic()
        left = asyncio.ensure_future(pool.run_async(QueryJob(SLOW), gone=gone))
        stays = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
        await asyncio.sleep(0.1)
        gone.set_result(None)
        answered = await stays
        during = set(pool._processes)
        (result,) = await asyncio.gather(left, return_exceptions=True)
        return result, answered, during, time.monotonic() - started

    result, answered, during, took = asyncio.run(main())
    assert b"5130000" in answered.body
    assert during == before  # the worker was kept while the other query ran
    assert isinstance(result, ClientGone)
    assert took < TIMEOUT - 0.5
    assert set(pool._processes).isdisjoint(before)


def test_a_query_abandoned_before_it_is_sent_is_not_sent(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1)
    try:
        before = set(pool._processes)
        sent = _count_sends(pool)

        async def main() -> BaseException | QueryOutcome:
            gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            busy = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
            await asyncio.sleep(0.05)
            waiting = asyncio.ensure_future(pool.run_async(QueryJob("ASK {}"), gone=gone))
            await asyncio.sleep(0.05)
            gone.set_result(None)
            await busy
            (result,) = await asyncio.gather(waiting, return_exceptions=True)
            return result

        assert isinstance(asyncio.run(main()), ClientGone)
        assert sent == [MEDIUM]
        assert set(pool._processes) == before  # no worker killed for it
        assert b"true" in pool.run(QueryJob("ASK {}")).body  # and the slot went back
    finally:
        pool.close()


def test_a_gone_clients_query_is_not_sent_again(pool: QueryPool) -> None:
    """Its worker, shared with a query that overruns, is killed at that one's timeout: the
    abandoned query is not run again on the new worker."""
    sent = _count_sends(pool)

    async def main() -> BaseException | QueryOutcome:
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        overrun = asyncio.ensure_future(pool.run_async(QueryJob(SLOW)))
        await asyncio.sleep(0.5)  # its own deadline comes well after the other's
        left = asyncio.ensure_future(pool.run_async(QueryJob(SLOW), gone=gone))
        await asyncio.sleep(0.2)
        gone.set_result(None)  # not alone: it runs on until the other's timeout kills both
        results = await asyncio.gather(overrun, left, return_exceptions=True)
        assert isinstance(results[0], QueryTimeoutError)
        return results[1]

    assert isinstance(asyncio.run(main()), ClientGone)
    assert sent == [SLOW, SLOW]  # the overrun and the abandoned query, once each


#: 27 million solutions sorted: Oxigraph holds them all in memory (gigabytes).
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


def test_a_query_past_the_memory_limit_is_503_and_its_worker_replaced(tmp_path: Path) -> None:
    """A worker's memory is capped (setting memory_limit): a query that needs more is
    answered with an error naming the limit, and the next query is answered by a new worker.
    Before, nothing capped a worker: this query took gigabytes until the timeout."""
    store = Store(tmp_path)
    lines = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300))
    store.load(lines.encode(), graph=EX + "g", format="turtle")
    store.close()
    limit = 300 * 1024**2
    pool = QueryPool(tmp_path, size=1, timeout=30, memory_limit=limit)
    try:
        before = set(pool._processes)
        started = time.monotonic()
        with pytest.raises(OutOfMemoryError) as caught:
            pool.run(QueryJob(HUNGRY))
        assert time.monotonic() - started < 20
        assert str(caught.value).startswith("the query ran out of memory and was stopped")
        assert "300 MiB" in str(caught.value)
        assert status_for(caught.value) == 503
        assert b"5130000" in pool.run(QueryJob(MEDIUM)).body
        assert set(pool._processes) and not set(pool._processes) & before
    finally:
        pool.close()


@pytest.mark.parametrize("run", ["run", "run_async"])
def test_a_request_ends_by_the_timeout_and_its_grace_whatever_it_waited(
    tmp_path: Path, run: str
) -> None:
    """The wait for a slot and the run each had the whole timeout: a slow query that got
    the only slot just before the timeout ran on for another whole timeout (about 2x)."""
    pool = _pool(tmp_path, size=1)
    try:
        holder = _hold_only_slot(pool, TIMEOUT - 0.3)
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match="timeout"):
            if run == "run":
                pool.run(QueryJob(SLOW))
            else:
                asyncio.run(pool.run_async(QueryJob(SLOW)))
        took = time.monotonic() - started
        holder.join()
        assert TIMEOUT < took < TIMEOUT + GRACE + 0.6, took
    finally:
        pool.close()


def test_a_job_sent_again_ends_by_the_timeout_and_its_grace(tmp_path: Path) -> None:
    """A job whose worker is killed for another's timeout was sent again with a whole
    timeout of its own, up to RESENDS times: a request could take about 4x the timeout."""
    pool = _pool(tmp_path, size=2)
    try:

        async def main() -> tuple[BaseException | QueryOutcome, float]:
            started = time.monotonic()
            victim = asyncio.ensure_future(pool.run_async(QueryJob(SLOW)))
            await asyncio.sleep(TIMEOUT - 1.0)  # the victim is under way on its worker
            slot = await _the_other_idle_slot(pool)
            pool._replace(slot.process, stopped=True)  # as for another job's timeout
            (result,) = await asyncio.gather(victim, return_exceptions=True)
            return result, time.monotonic() - started

        result, took = asyncio.run(main())
        assert isinstance(result, QueryTimeoutError), result
        assert took < TIMEOUT + GRACE + 0.6, took
    finally:
        pool.close()


def test_a_sync_run_is_stopped_when_its_client_goes_away(tmp_path: Path) -> None:
    """run() (a Flask view's) is run_async on the pool's loop: told by a thread's future that
    the client left, it stops the query as run_async does, not at the timeout."""
    pool = _pool(tmp_path, size=1)
    try:
        before = set(pool._processes)
        gone: concurrent.futures.Future[None] = concurrent.futures.Future()
        threading.Timer(0.1, gone.set_result, args=(None,)).start()
        started = time.monotonic()
        with pytest.raises(ClientGone):
            pool.run(QueryJob(SLOW), gone=gone)
        stopped = time.monotonic() - started
        assert pool.stop_after <= stopped < TIMEOUT - 0.5
        assert b"true" in pool.run(QueryJob("ASK {}")).body
        assert set(pool._processes).isdisjoint(before)
    finally:
        pool.close()


def test_a_closed_pool_refuses_at_once(tmp_path: Path) -> None:
    """A run after close() is 503 at once (it waited out the timeout for a slot)."""
    pool = _pool(tmp_path, size=1)
    assert b"true" in pool.run(QueryJob("ASK {}")).body
    pool.close()
    started = time.monotonic()
    with pytest.raises(BusyError, match="the query workers have stopped"):
        pool.run(QueryJob("ASK {}"))
    assert time.monotonic() - started < 0.5
