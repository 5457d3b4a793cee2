"""One store served by several processes: every process sees every write
(mofkg.api.server.shared)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mofkg.api.server.shared import OPEN_ATTEMPTS
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.generation import StoreGeneration
from tests.server import (
    Server,
    delete,
    get,
    post,
    put,
    running_production_server,
    running_server,
)

REPO = Path(__file__).resolve().parents[1]
TOKEN = "shared-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}
EX = "http://example.org/shared/"


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    settings = Settings(store=tmp_path / "store", update_token=TOKEN, workers=2, processes=2)
    with running_server(settings, shared=True) as a, running_server(settings, shared=True) as b:
        yield a, b


def ask(server: Server, query: str) -> bool:
    reply = get(server.sparql, params={"query": query}, headers={"Accept": "application/json"})
    assert reply.status_code == 200, reply.content
    return bool(reply.json()["boolean"])


def test_a_write_in_one_process_is_seen_by_the_other(two: tuple[Server, Server]) -> None:
    a, b = two
    assert not ask(b, f"ASK {{ <{EX}s> ?p ?o }}")  # b has opened the store and queried it
    graph = f"{EX}g1"
    reply = put(a.graph_store + f"?graph={graph}", data=f"<{EX}s> <{EX}p> 1 .", headers=TURTLE)
    assert reply.status_code == 201
    assert ask(b, f"ASK {{ <{EX}s> <{EX}p> 1 }}")  # the fast path, then a query worker
    described = get(b.sparql, headers={"Accept": "application/n-triples"})
    assert graph in described.content.decode()  # its service description was dropped
    assert get(b.graph_store + f"?graph={graph}").status_code == 200
    assert delete(b.graph_store + f"?graph={graph}", headers=AUTH).status_code == 204
    assert get(a.graph_store + f"?graph={graph}").status_code == 404
    assert not ask(a, f"ASK {{ <{EX}s> ?p ?o }}")


def test_writers_in_two_processes_take_turns(two: tuple[Server, Server]) -> None:
    failures: list[str] = []

    def writer(server: Server, name: str) -> None:
        for i in range(8):
            graph = f"{EX}{name}{i}"
            data = f"<{EX}{name}> <{EX}n> {i} ."
            reply = put(server.graph_store + f"?graph={graph}", data=data, headers=TURTLE)
            if reply.status_code != 201:
                failures.append(f"{graph}: {reply.status_code} {reply.content!r}")

    threads = [threading.Thread(target=writer, args=(s, n)) for s, n in zip(two, "ab", strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    for server in two:
        for name in "ab":
            for i in range(8):
                assert ask(server, f"ASK {{ GRAPH <{EX}{name}{i}> {{ <{EX}{name}> ?p {i} }} }}")
    assert StoreGeneration(two[0].app.extensions["mofkg"].store.path).current() == 16  # type: ignore[union-attr]


HOLD_THE_STORE = """
import sys
from mofkg.graphstore.store.embedded import Store
store = Store(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
store.close()
"""


def test_a_write_while_another_process_holds_the_store_is_503(tmp_path: Path) -> None:
    """RocksDB lets one process at a time open the store for writing: a write that finds
    another program holding it is told to come back (503, Retry-After), not that it was wrong.
    """
    settings = Settings(store=tmp_path / "store", update_token=TOKEN, workers=1, processes=1)
    update = {"Content-Type": "application/sparql-update", **AUTH}
    with running_server(settings, shared=True) as server:
        with subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_STORE, str(settings.store)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ) as holder:  # closing its stdin (on the way out, whatever happens) lets it end
            assert holder.stdout is not None and holder.stdout.readline() == b"open\n"
            started = time.monotonic()
            busy = post(server.sparql, data=f"INSERT DATA {{ <{EX}s> <{EX}p> 1 }}", headers=update)
            waited = time.monotonic() - started
        assert holder.returncode == 0  # it closed the store
        assert busy.status_code == 503, busy.content
        assert busy.headers["Retry-After"] == "1"
        assert busy.text == (
            "the store is busy: another process holds it open for writing; try again shortly\n"
        )
        assert str(tmp_path) not in busy.text  # the cause, naming folders, is only logged
        assert 0.05 * sum(range(OPEN_ATTEMPTS)) < waited < 5  # open_store's retries, no more
        assert not ask(server, f"ASK {{ <{EX}s> ?p ?o }}")
        written = post(server.sparql, data=f"INSERT DATA {{ <{EX}s> <{EX}p> 2 }}", headers=update)
        assert written.status_code == 204, written.content
        assert ask(server, f"ASK {{ <{EX}s> <{EX}p> 2 }}")


def test_the_generation_file_lives_beside_the_store_data(two: tuple[Server, Server]) -> None:
    a, _ = two
    path = a.app.extensions["mofkg"].store.path  # type: ignore[union-attr]
    assert (path / "mofkg-writes").stat().st_size == 8
    assert (path / "CURRENT").exists()  # RocksDB's own files are there too


def _app_processes(server_pid: int) -> set[int]:
    """The processes that hold query workers: the server's app processes."""
    parents = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"mofkg.api.server.worker" in cmdline:
            parents.add(int(stat[1]))
    return {pid for pid in parents if _descends_from(pid, server_pid)}


def _tree(root: int) -> str:
    """The processes under ``root`` with their command lines, for a failure's message."""
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _descends_from(int(entry.name), root):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")[:120]
                ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            except OSError:
                continue
            lines.append(f"{entry.name} (parent {ppid}): {cmdline.decode(errors='replace')}")
    return "\n".join(sorted(lines))


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


def test_the_production_server_runs_processes_that_agree(tmp_path: Path) -> None:
    with running_production_server(
        tmp_path, MOFKG_UPDATE_TOKEN=TOKEN, MOFKG_PROCESSES="2", MOFKG_WORKERS="2"
    ) as srv:
        assert srv.process is not None
        # The first process to start answers first; the second follows within seconds.
        deadline = time.monotonic() + 30
        while len(_app_processes(srv.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_app_processes(srv.process.pid)) == 2, _tree(srv.process.pid)
        for i in range(6):
            graph = f"{EX}p{i}"
            data = f"<{EX}s> <{EX}n> {i} ."
            assert (
                put(srv.graph_store + f"?graph={graph}", data=data, headers=TURTLE).status_code
                == 201
            )
            # Each read may reach either process: all of them see the write at once.
            for _ in range(6):
                assert ask(srv, f"ASK {{ <{EX}s> <{EX}n> {i} }}")
    assert os.path.exists(tmp_path / "mofkg-writes")


def test_a_store_that_cannot_be_reopened_after_a_write_is_503(
    two: tuple[Server, Server], tmp_path: Path
) -> None:
    """Another process wrote, and this one cannot open the store as it now is: the request
    is told to come back (503), and the process keeps trying on later requests."""
    _, b = two
    folder = tmp_path / "store"
    current = folder / "CURRENT"
    good = current.read_bytes()
    query = f"ASK {{ <{EX}s> ?p ?o }}"
    try:
        current.write_bytes(b"MANIFEST-999999\n")  # RocksDB now fails to open it at all
        generation = StoreGeneration(folder)
        with generation.exclusive():
            generation.bump()  # as a write in another process does
        for _ in range(2):  # the first and a later request both try to reopen
            reply = get(b.sparql, params={"query": query}, headers={"Accept": "application/json"})
            assert reply.status_code == 503, reply.content
            assert reply.headers["Retry-After"] == "1"
            assert reply.text == (
                "the store changed and could not be reopened yet; try again shortly\n"
            )
            assert str(tmp_path) not in reply.text
        page = get(b.url + "/")
        assert page.status_code == 503
    finally:
        current.write_bytes(good)
    assert not ask(b, query)


def test_a_mofkg_load_is_seen_by_the_running_server(
    two: tuple[Server, Server], tmp_path: Path
) -> None:
    """A curator loads a file with the command line while the server runs: the server's
    processes see it from their next request, as they see their own writes."""
    a, b = two
    data = tmp_path / "more.ttl"
    data.write_text(f"<{EX}loaded> <{EX}p> 1 .\n")
    query = f"ASK {{ <{EX}loaded> <{EX}p> 1 }}"
    assert not ask(a, query) and not ask(b, query)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mofkg.graphstore.cli.main",
            "--store",
            str(tmp_path / "store"),
            "load",
            "--graph",
            f"{EX}loaded",
            str(data),
        ],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert ask(a, query) and ask(b, query)


def test_a_command_that_cannot_count_its_write_says_so(tmp_path: Path) -> None:
    """The write is done, but a running server would not see it: the command says why."""
    store = tmp_path / "store"
    store.mkdir()
    (store / "mofkg-writes").mkdir()  # not a file: the count cannot be kept
    data = tmp_path / "more.ttl"
    data.write_text(f"<{EX}a> <{EX}p> 1 .\n")
    done = subprocess.run(
        [sys.executable, "-m", "mofkg.graphstore.cli", "--store", str(store), "load", str(data)],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "mofkg load: " in done.stderr.decode()
    assert "cannot open the store's write lock" in done.stderr.decode()
    assert b"Traceback" not in done.stderr
