"""The Python lane of a server process (setting request_lanes): request threads run Python
one at a time, and give their place up while they wait."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mofkg.api.server.lanes import Lane
from tests.server import REPO, free_port, get, wait_until_up


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


#: A `mofkg serve` process whose app has one more view: half a second of Python work that
#: answers how many such views ran at once, at most, so far.
BUSY_SERVER = """
import json, sys, threading, time
from functools import partial
from flask import Blueprint
from granian import Granian
from mofkg.api.app import create_app, granian_options
from mofkg.api.server.front import Front
from mofkg.graphstore.settings import load_settings

counts = {"now": 0, "most": 0}
lock = threading.Lock()
bp = Blueprint("busy", __name__)

@bp.route("/busy")
def busy():
    with lock:
        counts["now"] += 1
        counts["most"] = max(counts["most"], counts["now"])
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        pass
    with lock:
        counts["now"] -= 1
        return json.dumps(counts["most"])

def load(settings):
    return Front(create_app(settings, blueprints=[bp]), threads=4)

settings = load_settings()
server = Granian("busy:load", **granian_options(settings))
server.serve(target_loader=partial(load, settings), wrap_loader=False)
"""


@pytest.mark.parametrize(("lanes", "most"), [("1", 1), ("3", 3)])
def test_requests_of_one_server_process_run_python_lanes_at_a_time(
    tmp_path: Path, lanes: str, most: int
) -> None:
    """Three requests that run Python at once in one server process: with one lane they run
    one after the other, with three (as before the lane) side by side."""
    port = free_port()
    env = {
        **os.environ,
        "MOFKG_STORE": str(tmp_path / "store"),
        "MOFKG_HOST": "127.0.0.1",
        "MOFKG_PORT": str(port),
        "MOFKG_PROCESSES": "1",
        "MOFKG_WORKERS": "4",
        "MOFKG_REQUEST_LANES": lanes,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", BUSY_SERVER],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/sparql", process=process)
        answers: list[int] = []

        def busy() -> None:
            reply = get(url + "/busy", timeout=60)
            assert reply.status_code == 200
            answers.append(int(reply.text))

        threads = [threading.Thread(target=busy) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert max(answers) == most, answers
    finally:
        process.terminate()
        process.wait(10)
