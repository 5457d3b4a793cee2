"""The Python lane of a server process (setting request_lanes): request threads run Python
one at a time, and give their place up while they wait."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mofkg.api.server.lanes import Lane
from mofkg.graphstore.synthetic import synthetic_ntriples
from tests.server import post, running_production_server


def test_a_second_thread_waits_for_the_lane() -> None:
    lane, order = Lane(1), []
    first_in = threading.Event()

    def first() -> None:
        with lane.held():
            first_in.set()
            time.sleep(0.3)
            order.append("first out")

    def second() -> None:
        first_in.wait()
        with lane.held():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == ["first out", "second in"]
    assert lane.free() == 1


def test_a_thread_that_waits_lets_another_in_then_takes_the_lane_back() -> None:
    lane, order = Lane(1), []
    waiting = threading.Event()
    done = threading.Event()

    def waiter() -> None:
        with lane.held():
            with lane.waiting():
                waiting.set()
                done.wait(5)
            order.append(("back", lane.holding()))

    def other() -> None:
        waiting.wait()
        with lane.held():
            order.append(("other in", True))
        done.set()

    threads = [threading.Thread(target=waiter), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == [("other in", True), ("back", True)]
    assert lane.free() == 1


def test_a_thread_that_cannot_take_the_lane_back_goes_on_beside_it() -> None:
    lane = Lane(1, reclaim=0.1)
    holder_in, release = threading.Event(), threading.Event()

    def holder() -> None:
        with lane.held():
            holder_in.set()
            release.wait(5)

    with lane.held():
        with lane.waiting():
            thread = threading.Thread(target=holder)
            thread.start()
            holder_in.wait()
        started = time.monotonic()
        assert not lane.holding()  # it did not wait for the holder: it runs beside it
    assert time.monotonic() - started < 1
    release.set()
    thread.join()
    assert lane.free() == 1  # given back once, by its holder, never twice


def test_nested_holds_take_the_lane_once() -> None:
    lane = Lane(1)
    with lane.held(), lane.held():
        assert lane.free() == 0
    assert lane.free() == 1


def test_requests_of_one_server_process_run_python_one_at_a_time(tmp_path: Path) -> None:
    """Three validations sent at once to one server process: with one lane they end one
    after the other (the first at about a third of the last's time); sharing the GIL they
    would all end near the end (as they did before the lane: 11.4, 11.4 and 12.5 s here)."""
    dump = synthetic_ntriples(150, seed=5).encode()
    env = {"MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "4", "MOFKG_REQUEST_LANES": "1"}
    with running_production_server(tmp_path / "store", **env) as server:
        headers = {"Content-Type": "application/n-triples", "Accept": "application/json"}
        assert post(server.url + "/validate", data=dump, headers=headers).status_code == 200
        ended: list[float] = []
        started = time.monotonic()

        def validate() -> None:
            reply = post(server.url + "/validate", data=dump, headers=headers, timeout=120)
            assert reply.status_code == 200
            ended.append(time.monotonic() - started)

        threads = [threading.Thread(target=validate) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ended.sort()
    assert len(ended) == 3
    assert ended[0] < 0.6 * ended[2], ended
