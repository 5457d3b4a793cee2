"""Query workers as a read-only `oxigraph serve` (setting query_workers = "engine"): the same
answers as the worker processes, a timeout that stops the work, restarts after a kill and
reopens after a write."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.api.errors import BusyError, status_for
from mofkg.api.server.engine import EnginePool, engine_command
from mofkg.api.server.frames import ClientGone
from mofkg.api.server.pool import GRACE, QueryPool
from mofkg.api.server.queries import QueryJob, QueryOutcome
from mofkg.graphstore.errors import MofkgError, QueryTimeoutError, SettingsError
from mofkg.graphstore.store.embedded import Store
from tests.server import Reply, get, running_production_server

EX = "http://example.org/"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: About half a second here: 304 x 304 x 3 x 3 solutions counted.
MEDIUM = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g <{EX}q> ?i . ?j <{EX}q> ?l }}"
COUNTED = b"831744"
TIMEOUT = 3.0


def _store(path: Path) -> None:
    """300 triples in one graph, 3 in another (one with a blank node), 1 in the default
    graph."""
    store = Store(path)
    lines = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300))
    store.load(lines.encode(), graph=EX + "g", format="turtle")
    store.load(
        f'<{EX}a> <{EX}q> "x\\ty"@en . <{EX}b> <{EX}q> _:n . _:n <{EX}r> <{EX}c> .'.encode(),
        graph=EX + "h",
        format="turtle",
    )
    store.oxigraph.add(
        ox.Quad(ox.NamedNode(EX + "d"), ox.NamedNode(EX + "q"), ox.NamedNode(EX + "e"))
    )
    store.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[EnginePool]:
    _store(tmp_path)
    pool = EnginePool(tmp_path, size=2, timeout=TIMEOUT)
    yield pool
    pool.close()


def _pid(pool: EnginePool) -> int:
    assert pool._engine is not None
    return pool._engine.popen.pid


BASE = "http://example.org/sparql"
JOBS = [
    QueryJob(f"SELECT ?s ?o {{ ?s <{EX}q> ?o }} ORDER BY ?s", result_format=name, base_iri=BASE)
    for name in ("json", "xml", "csv", "tsv")
] + [
    QueryJob("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"),  # the union default graph
    QueryJob("SELECT ?s { ?s <q> ?o } ORDER BY ?s", base_iri=EX),  # relative to the base
    QueryJob("SELECT ?c { ?c a mof:Model }"),  # the store's prefixes
    QueryJob("PREFIX mof: <http://example.org/> SELECT ?o { mof:a mof:q ?o }"),  # theirs win
    QueryJob("SELECT ?s { ?s ?p ?o } ORDER BY ?s", default_graphs=(EX + "h",), named_graphs=()),
    QueryJob(
        "SELECT ?g ?s { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s",
        default_graphs=(),
        named_graphs=(EX + "h",),
    ),
    QueryJob(f"SELECT ?s ?g FROM NAMED <{EX}h> {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s"),
    QueryJob(f"SELECT ?s ?o {{ ?s <{EX}p> ?o }} ORDER BY ?o", max_rows=5),  # cut
    QueryJob(f"SELECT ?s ?o {{ ?s <{EX}p> ?o }} ORDER BY ?o", max_rows=5, result_format="csv"),
    QueryJob(f"SELECT ?s {{ ?s <{EX}q> ?o }} ORDER BY ?s", max_rows=2, result_format="tsv"),
    QueryJob(f"ASK {{ <{EX}a> ?p ?o }}"),
    QueryJob(f"ASK {{ <{EX}z> ?p ?o }}", result_format="csv"),
    QueryJob(f"CONSTRUCT {{ ?s <{EX}q> ?o }} {{ ?s <{EX}q> ?o }}", rdf_format="ntriples"),
    QueryJob(f"CONSTRUCT {{ ?s ?p ?o }} {{ ?s <{EX}p> ?o }}", rdf_format="ntriples", max_rows=3),
    QueryJob(f"DESCRIBE <{EX}a>", rdf_format="turtle"),
    QueryJob("SELECT ?s { ?s ?p ?o", base_iri=BASE),  # malformed: line and column
    QueryJob("SELECT ?s\nWHERE { ?s ?p ?o . FILTER(?s = ) }"),  # malformed on its line 2
    QueryJob("SELECT * { ?s ?p ?o }", result_format=None),  # no results format accepted
    QueryJob(f"CONSTRUCT {{ ?s ?p ?o }} {{ ?s <{EX}q> ?o }}", rdf_format=None),
]


def _comparable(outcome: QueryOutcome) -> tuple[object, ...]:
    """What must agree: the body (blank nodes' labels aside), type, cut, rows and error."""
    body: object = outcome.body
    if outcome.media_type == "application/n-triples":
        body = sorted(line.split(b"_:")[0] for line in outcome.body.splitlines())
    return (
        body,
        outcome.media_type,
        outcome.truncated,
        outcome.rows,
        outcome.error_kind,
        outcome.error.split(": expected")[0],
    )


def test_the_engine_answers_every_job_as_a_worker_process(tmp_path: Path) -> None:
    _store(tmp_path)
    engine = EnginePool(tmp_path, size=2, timeout=TIMEOUT)
    process = QueryPool(tmp_path, size=2, timeout=TIMEOUT, threads=2)
    try:
        for job in JOBS:
            ours, theirs = engine.run(job), process.run(job)
            assert _comparable(ours) == _comparable(theirs), job
    finally:
        engine.close()
        process.close()
    assert _comparable(engine_outcome := ours)[4] == "NotAcceptableError"  # the last job
    assert engine_outcome.error


def test_a_syntax_error_names_its_place_in_the_query_as_sent(engine: EnginePool) -> None:
    outcome = engine.run(QueryJob("SELECT ?s\nWHERE { ?s ?p ?o . FILTER(?s = ) }"))
    assert outcome.error_kind == "QueryError"
    assert outcome.error.startswith("malformed query: error at 2:"), outcome.error


def test_a_query_past_the_timeout_is_stopped_and_the_engine_restarted(engine: EnginePool) -> None:
    before = _pid(engine)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="ran longer than the 3 s timeout"):
        engine.run(QueryJob(SLOW))
    assert time.monotonic() - started < TIMEOUT + GRACE
    with pytest.raises(ProcessLookupError):  # the overrunning engine is gone
        os.kill(before, 0)
    assert COUNTED in engine.run(QueryJob(MEDIUM)).body
    assert _pid(engine) != before


def test_a_query_beside_an_overrun_is_sent_again(engine: EnginePool) -> None:
    async def both() -> tuple[BaseException | QueryOutcome, ...]:
        slow = asyncio.ensure_future(engine.run_async(QueryJob(SLOW)))
        await asyncio.sleep(TIMEOUT - 0.4)  # MEDIUM (~0.5 s) is under way at the kill
        medium = asyncio.ensure_future(engine.run_async(QueryJob(MEDIUM)))
        return tuple(await asyncio.gather(slow, medium, return_exceptions=True))

    slow, medium = asyncio.run(both())
    assert isinstance(slow, QueryTimeoutError)
    assert isinstance(medium, QueryOutcome) and COUNTED in medium.body


def test_an_engine_killed_under_a_query_is_503_and_started_again(engine: EnginePool) -> None:
    before = _pid(engine)
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            engine.run(QueryJob(SLOW))
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            errors.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    os.kill(before, signal.SIGKILL)
    thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], BusyError), errors
    assert status_for(errors[0]) == 503
    assert "engine died" in str(errors[0])
    assert COUNTED in engine.run(QueryJob(MEDIUM)).body
    assert _pid(engine) != before


def test_an_engine_killed_between_queries_is_started_again(engine: EnginePool) -> None:
    engine.run(QueryJob("ASK {}"))  # a kept connection to the engine
    before = _pid(engine)
    os.kill(before, signal.SIGKILL)
    time.sleep(0.2)
    assert engine.run(QueryJob("ASK { ?s ?p ?o }")).body == b'{"head":{},"boolean":true}'
    assert _pid(engine) != before


def test_a_kept_connection_the_engine_answered_unasked_is_not_used(engine: EnginePool) -> None:
    """Oxigraph's server ends a connection left idle with a 408 of its own: a kept connection
    with anything waiting on it (here from a listener that does just that) is closed, not
    read as the next query's answer (which was a 400 "query failed")."""
    listener = socket.create_server(("127.0.0.1", 0))
    stale = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    accepted.sendall(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n")
    time.sleep(0.1)
    stale.setblocking(False)
    assert engine._engine is not None
    engine._engine.idle.append((stale, time.monotonic()))
    try:
        outcome = engine.run(QueryJob("ASK { ?s ?p ?o }"))
        assert outcome.error_kind is None, outcome.error
        assert outcome.body == b'{"head":{},"boolean":true}'
        assert stale.fileno() == -1  # closed
    finally:
        accepted.close()
        listener.close()


def test_a_write_is_seen_by_the_next_query_and_the_old_engine_ends(tmp_path: Path) -> None:
    _store(tmp_path)
    writer = Store(tmp_path)  # open for writing while the engine reads, as in one process
    pool = EnginePool(tmp_path, size=2, timeout=TIMEOUT)
    try:
        ask = QueryJob(f"ASK {{ <{EX}new> ?p ?o }}")
        assert b"false" in pool.run(ask).body
        before = _pid(pool)
        writer.load(f"<{EX}new> <{EX}p> 1 .".encode(), graph=EX + "g", format="turtle")
        writer.flush()
        assert b"false" in pool.run(ask).body  # not told yet: the engine's snapshot
        pool.stored_changed()
        assert b"true" in pool.run(ask).body
        assert _pid(pool) != before
        with pytest.raises(ProcessLookupError):
            os.kill(before, 0)
    finally:
        pool.close()
        writer.close()


def test_a_query_under_way_at_a_write_ends_on_its_engine(tmp_path: Path) -> None:
    _store(tmp_path)
    pool = EnginePool(tmp_path, size=2, timeout=TIMEOUT)
    try:

        async def across() -> QueryOutcome:
            medium = asyncio.ensure_future(pool.run_async(QueryJob(MEDIUM)))
            await asyncio.sleep(0.1)
            pool.stored_changed()
            assert b"true" in (await pool.run_async(QueryJob("ASK { ?s ?p ?o }"))).body
            return await medium

        before = _pid(pool)
        assert COUNTED in asyncio.run(across()).body
        assert _pid(pool) != before
        time.sleep(0.1)
        with pytest.raises(ProcessLookupError):  # retired once its last query ended
            os.kill(before, 0)
    finally:
        pool.close()


def test_an_abandoned_query_alone_on_its_engine_is_stopped(tmp_path: Path) -> None:
    _store(tmp_path)
    pool = EnginePool(tmp_path, size=2, timeout=8.0)  # stop_after: 2 s
    try:

        async def abandon() -> float:
            gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            slow = asyncio.ensure_future(pool.run_async(QueryJob(SLOW), gone=gone))
            await asyncio.sleep(0.3)
            gone.set_result(None)
            started = time.monotonic()
            with pytest.raises(ClientGone):
                await slow
            return time.monotonic() - started

        before = _pid(pool)
        waited = asyncio.run(abandon())
        assert 1.0 < waited < 3.5
        assert pool.run(QueryJob("ASK {}")).error_kind is None
        assert _pid(pool) != before
    finally:
        pool.close()


def test_the_engine_listens_on_loopback_only(engine: EnginePool) -> None:
    assert engine._engine is not None
    args = engine._engine.popen.args
    assert args[1] == "serve-read-only"  # no updates, whoever reaches the port
    assert args[args.index("--bind") + 1] == f"127.0.0.1:{engine._engine.port}"


def test_without_the_oxigraph_command_it_says_so(tmp_path: Path) -> None:
    _store(tmp_path)
    with pytest.raises(SettingsError, match="needs the `oxigraph` command"):
        engine_command(path=str(tmp_path))


def test_an_engine_that_cannot_start_says_why(tmp_path: Path) -> None:
    not_a_store = tmp_path / "file"
    not_a_store.write_text("not a store")
    with pytest.raises(
        MofkgError, match=r"file: the query engine \(oxigraph serve-read-only\) failed: .*CURRENT"
    ):
        EnginePool(not_a_store, size=1, timeout=TIMEOUT)


def _engines_of(server_pid: int) -> list[int]:
    """The `oxigraph serve-read-only` processes under a server process (any depth)."""
    children: dict[int, list[int]] = {}
    names: dict[int, bytes] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            names[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [server_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            todo.append(child)
            if b"serve-read-only" in names.get(child, b""):
                found.append(child)
    return found


def test_mofkg_serve_answers_503_when_its_engine_is_killed(tmp_path: Path) -> None:
    _store(tmp_path)
    env = {"MOFKG_QUERY_WORKERS": "engine", "MOFKG_PROCESSES": "1", "MOFKG_QUERY_TIMEOUT": "10"}
    with running_production_server(tmp_path, **env) as server:
        assert server.process is not None
        reply = get(server.sparql, params={"query": MEDIUM})
        assert reply.status_code == 200 and COUNTED.decode() in reply.text
        (engine_pid,) = _engines_of(server.process.pid)
        replies: list[Reply] = []
        thread = threading.Thread(
            target=lambda: replies.append(get(server.sparql, params={"query": SLOW}))
        )
        thread.start()
        time.sleep(1.0)
        os.kill(engine_pid, signal.SIGKILL)
        thread.join(15)
        (killed,) = replies
        assert isinstance(killed, Reply)
        assert killed.status_code == 503, killed.text
        assert "engine died" in killed.text
        reply = get(server.sparql, params={"query": MEDIUM})
        assert reply.status_code == 200 and COUNTED.decode() in reply.text
        assert _engines_of(server.process.pid) not in ([], [engine_pid])
