"""The RSGI front of `mofkg serve` (api/server/front.py): the same answers as the WSGI app under
werkzeug, bodies that stream both ways, and queries that time out while others go on."""

from __future__ import annotations

import gzip
import http.client
import itertools
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mofkg.api.server.front import STREAM_AT
from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.namespaces import DEFAULT_IDS
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import (
    REPO,
    Server,
    free_port,
    running_production_server,
    running_server,
    wait_until_up,
)

TOKEN = "front-token"
EX = "http://example.org/front/"
OLMO = DEFAULT_IDS.model("OLMo-7B")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None


def raw(
    url: str,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | Iterable[bytes] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request as written: headers may repeat; an iterable body is sent chunked."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=timeout)
    try:
        named = any(name.lower() == "host" for name, _ in headers)
        conn.putrequest(method, target, skip_host=named, skip_accept_encoding=True)
        chunked = body is not None and not isinstance(body, bytes)
        for name, value in headers:
            conn.putheader(name, value)
        if isinstance(body, bytes):
            conn.putheader("Content-Length", str(len(body)))
        elif chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if isinstance(body, bytes):
            conn.send(body)
        elif body is not None:
            for chunk in body:
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo catalogue, assessed, on disk."""
    path = tmp_path_factory.mktemp("front")
    store = Store(path)
    initialise(store, Settings(), demo=True)
    write_assessments(store, assess_models(store))
    store.close()
    return path


@pytest.fixture(scope="module")
def both(store_path: Path) -> Iterator[tuple[Server, Server]]:
    """The app under werkzeug (WSGI) and under `mofkg serve`'s Granian (RSGI), one store."""
    settings = Settings(store=store_path, update_token=TOKEN)
    with running_server(settings, shared=True) as wsgi:
        with running_production_server(store_path, MOFKG_UPDATE_TOKEN=TOKEN) as rsgi:
            yield wsgi, rsgi


ASK = urllib.parse.quote("ASK { ?s ?p ?o }")
LOOKUP = urllib.parse.quote(f"SELECT ?p ?o WHERE {{ <{OLMO}> ?p ?o }}")
COUNT = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
FORM = "application/x-www-form-urlencoded"
SAME = [  # (method, target, headers, body): answered alike by both servers
    ("GET", "/", [("Accept", "text/html")], None),
    ("GET", "/?page=2&rows=5", [], None),
    ("GET", "/sparql", [("Accept", "text/turtle")], None),
    ("GET", "/sparql", [("Accept", "text/html")], None),  # the query page
    ("GET", "/sparql", [("Accept", "text/html,application/xml;q=0.9,*/*;q=0.8")], None),
    ("GET", f"/sparql?query={LOOKUP}&format=json", [], None),
    ("GET", f"/sparql?query={LOOKUP}", [("Accept", "application/sparql-results+json")], None),
    ("GET", f"/sparql?query={LOOKUP}", [("Accept", "text/csv")], None),
    ("GET", f"/sparql?query={COUNT}", [("Accept", "application/sparql-results+xml")], None),
    ("GET", f"/sparql?query={ASK}&format=tsv", [], None),
    # Two Accept headers are one list: nothing fits the first, CSV fits the second.
    ("GET", f"/sparql?query={LOOKUP}", [("Accept", "image/png"), ("Accept", "text/csv")], None),
    ("GET", f"/sparql?query={ASK}", [("Accept", "image/png")], None),  # 406
    ("GET", "/sparql?query=SELECT+*+%7B", [], None),  # 400, the parser's position
    ("GET", f"/sparql?query={ASK}&query={ASK}", [], None),  # 400
    ("GET", "/sparql?query=%FF", [], None),  # 400: not UTF-8
    ("GET", "/sparql?query=ASK%7B%7D%FF", [("Accept", "application/sparql-results+json")], None),
    ("POST", "/sparql", [("Content-Type", FORM)], f"query={COUNT}".encode()),
    ("POST", "/sparql", [("Content-Type", "application/sparql-query")], b"ASK {}"),
    (
        "POST",
        "/sparql",
        [("Content-Type", "application/sparql-query"), ("Content-Encoding", "gzip")],
        gzip.compress(b"ASK {}"),
    ),
    # A header named with "_" is dropped: Content_Type is no Content-Type (415).
    ("POST", "/sparql", [("Content_Type", "application/sparql-query")], b"ASK {}"),
    ("HEAD", f"/sparql?query={LOOKUP}", [], None),
    ("HEAD", "/", [], None),
    ("OPTIONS", "/sparql", [("Origin", "https://example.com")], None),
    ("GET", "/id/model/OLMo-7B", [("Accept", "text/turtle")], None),  # 303
    ("GET", "/id/model/OLMo-7B", [("Accept", "application/json")], None),  # 303 to JSON-LD
    ("GET", "/doc/model/OLMo-7B.ttl", [], None),
    ("GET", "/doc/model/OLMo-7B", [("Accept", "text/html")], None),
    ("GET", "/id/model/caf%C3%A9%20au%20lait", [("Accept", "text/turtle")], None),  # 404
    ("GET", "/api/v1/models?limit=3&page=1", [], None),
    ("GET", "/api/v1/model/OLMo-7B", [], None),
    ("GET", "/api/v1/models?limit=x", [], None),  # 400
    ("GET", "/badge/OLMo-7B.svg", [], None),
    ("GET", "/badge/OLMo-7B/class-III.svg", [], None),
    ("GET", "/query", [], None),
    ("GET", "/licence/Apache-2.0", [], None),
    ("GET", "/static/style.css", [], None),
    ("GET", "/store?default", [("Accept", "application/n-triples")], None),
    ("PUT", "/store?default", [("Content-Type", "text/turtle")], b"<a:s> <a:p> <a:o> ."),  # 401
    ("DELETE", "/store?graph=http://example.org/none", [("Authorization", "Bearer no")], None),
    ("GET", "/nothing/here", [], None),
    ("POST", "/", [], b"x"),  # 405
]


def _normalised(answer: Answer, url: str) -> tuple[int, str | None, bytes]:
    """Status, Content-Type and body, the server's own address written as HOST and blank
    node labels (fresh in each process) as _:b."""
    host = urllib.parse.urlsplit(url).netloc.encode()
    body = re.sub(rb"_:[A-Za-z0-9]+", b"_:b", answer.body.replace(host, b"HOST"))
    return answer.status, answer.header("Content-Type"), body


@pytest.mark.parametrize(("method", "target", "headers", "body"), SAME)
def test_the_front_answers_as_the_wsgi_app(
    both: tuple[Server, Server],
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
) -> None:
    wsgi, rsgi = both
    ours = raw(rsgi.url, method, target, headers, body)
    theirs = raw(wsgi.url, method, target, headers, body)
    assert _normalised(ours, rsgi.url) == _normalised(theirs, wsgi.url)
    for name in ("Location", "Vary", "Access-Control-Allow-Origin", "WWW-Authenticate"):
        assert ours.header(name) == theirs.header(name), name
    assert ours.header("Allow") == theirs.header("Allow")  # in order, whatever the hash seed
    assert ours.header("Server") == "granian"
    if method == "HEAD":
        assert ours.body == b"" and ours.header("Content-Length") not in (None, "0")


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/sparql?query=ASK%7B%7D"),  # the front's fast path
        ("GET", "/sparql?query=ASK%7B%7D&format=json"),  # Flask
        ("GET", "/sparql"),  # the service description names the endpoint
        ("POST", "/store"),  # a new graph's IRI is made from the host
    ],
)
def test_a_host_header_that_is_no_host_name_is_400(
    both: tuple[Server, Server], method: str, target: str
) -> None:
    """werkzeug cannot turn "xn--a" into a URL (its IDNA codec fails): 500 before. It
    drops "x>y" (no IRI authority): a graph POSTed to /store was named http:///store/..."""
    for server, host in itertools.product(both, ["xn--a", "x>y"]):
        answer = raw(
            server.url, method, target, [("Host", host)], b"" if method == "POST" else None
        )
        assert answer.status == 400, (server.url, answer.body)
        assert f"the Host header {host!r} is not a valid host name".encode() in answer.body


@pytest.mark.parametrize("query", ["%FF", "ASK%7B%7D%FF", "ASK%7B%7D%25FF%"])
def test_a_query_string_that_is_not_utf8_is_400(both: tuple[Server, Server], query: str) -> None:
    for server in both:
        answer = raw(server.url, "GET", f"/sparql?query={query}", [], None)
        assert answer.status == 400, (server.url, answer.body)
        assert b"malformed" in answer.body or b"UTF-8" in answer.body, answer.body


def test_a_chunked_upload_streams_in_and_a_long_answer_streams_out(
    both: tuple[Server, Server],
) -> None:
    """A graph PUT in chunks (no Content-Length) arrives whole; read back, its N-Triples are
    longer than STREAM_AT, so the front sends them as the app yields them."""
    _, rsgi = both
    graph = urllib.parse.quote(EX + "big", safe="")
    lines = [f'<{EX}s{i}> <{EX}p> "value {i:06d} {"x" * 40}" .\n'.encode() for i in range(6000)]
    chunks = [b"".join(lines[i : i + 500]) for i in range(0, len(lines), 500)]
    auth = ("Authorization", f"Bearer {TOKEN}")
    put = raw(
        rsgi.url,
        "PUT",
        f"/store?graph={graph}",
        [("Content-Type", "application/n-triples"), auth],
        chunks,
    )
    assert put.status in (201, 204), put.body
    try:
        back = raw(rsgi.url, "GET", f"/store?graph={graph}", [("Accept", "application/n-triples")])
        assert back.status == 200
        assert len(back.body) > STREAM_AT
        assert sorted(back.body.splitlines(keepends=True)) == sorted(lines)
        # Clients that go away: one in the middle of the long answer, one in the middle of
        # a chunked upload. Neither changes the graph, and the server goes on answering.
        host, port = urllib.parse.urlsplit(rsgi.url).netloc.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(f"GET /store?graph={graph} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(1000).startswith(b"HTTP/1.1 200")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            head = (
                f"PUT /store?graph={graph} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/n-triples\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            )
            sock.sendall(head.encode() + f"{len(lines[0]):x}\r\n".encode() + lines[0] + b"\r\n")
        again = raw(rsgi.url, "GET", f"/store?graph={graph}", [("Accept", "application/n-triples")])
        assert again.body == back.body
    finally:
        assert raw(rsgi.url, "DELETE", f"/store?graph={graph}", [auth]).status == 204


@pytest.mark.parametrize("server", ["werkzeug", "mofkg serve"])
def test_a_body_over_the_cap_is_413_whole_or_chunked(tmp_path: Path, server: str) -> None:
    """N-Triples over the cap, whose first max_body bytes are whole lines: sent chunked
    (without Content-Length), they were cut at the cap and the first lines stored."""
    line = f"<{EX}s> <{EX}p> <{EX}o> .\n".encode()
    body = line * 100
    cap = len(line) * 60
    auth = ("Authorization", f"Bearer {TOKEN}")
    ntriples = ("Content-Type", "application/n-triples")
    with _server(tmp_path, server, update_token=TOKEN, max_body=cap) as srv:
        whole = raw(srv.url, "PUT", "/store?default", [ntriples, auth], body)
        chunked = raw(srv.url, "PUT", "/store?default", [ntriples, auth], [body[:500], body[500:]])
        assert (whole.status, chunked.status) == (413, 413), chunked.body
        assert b"max_body" in chunked.body
        empty = raw(srv.url, "GET", "/store?default", [("Accept", "application/n-triples")])
        assert empty.status == 200 and empty.body == b""  # nothing was half-written
        anonymous = raw(srv.url, "PUT", "/store?default", [ntriples], [body[:500], body[500:]])
        assert anonymous.status == 401  # checked before the body is read, as with a length
        fits = raw(srv.url, "PUT", "/store?default", [ntriples, auth], [body[:cap]])
        assert fits.status == 204  # a chunked body within the cap is taken
        stored = raw(srv.url, "GET", "/store?default", [("Accept", "application/n-triples")])
        assert stored.body == line  # the 60 lines are one triple


@contextmanager
def _server(path: Path, kind: str, **settings: Any) -> Iterator[Server]:
    if kind == "werkzeug":
        with running_server(Settings(store=path, **settings), shared=True) as srv:
            yield srv
    else:
        env = {f"MOFKG_{name.upper()}": str(value) for name, value in settings.items()}
        with running_production_server(path, **env) as srv:
            yield srv


def test_a_query_past_the_timeout_is_stopped_while_others_are_answered(
    store_path: Path, tmp_path: Path
) -> None:
    """Under `mofkg serve`'s own server: a query that overruns gets 504 at the timeout, and
    meanwhile lookups, other queries and pages are answered; then its worker is replaced."""
    env = {"MOFKG_QUERY_TIMEOUT": "3", "MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "2"}
    with running_production_server(store_path, **env) as srv:
        slow: list[Answer] = []
        started = time.monotonic()
        thread = threading.Thread(
            target=lambda: slow.append(
                raw(srv.url, "GET", "/sparql?query=" + urllib.parse.quote(SLOW))
            )
        )
        thread.start()
        time.sleep(0.5)
        meanwhile = [
            raw(srv.url, "GET", f"/sparql?query={LOOKUP}"),  # on the event loop
            raw(srv.url, "GET", f"/sparql?query={COUNT}"),  # the other worker thread
            raw(srv.url, "GET", "/doc/model/OLMo-7B.ttl"),  # Flask, in a thread
        ]
        answered = time.monotonic() - started
        thread.join()
        assert [a.status for a in meanwhile] == [200, 200, 200]
        assert answered < 2.5, f"the other requests took until {answered:.1f} s"
        assert slow[0].status == 504
        assert b"ran longer than the 3 s timeout and was stopped" in slow[0].body
        again = raw(srv.url, "GET", f"/sparql?query={COUNT}")
        assert again.status == 200 and again.body == meanwhile[1].body


def test_a_query_whose_client_goes_away_frees_its_worker(store_path: Path) -> None:
    """Under `mofkg serve`: the client of a long query hangs up; the query is stopped once
    it has run a quarter of the timeout (its worker runs nothing else), so the one worker
    answers the next query after about 2 s, not after the 8 s timeout."""
    env = {"MOFKG_QUERY_TIMEOUT": "8", "MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "1"}
    with running_production_server(store_path, **env) as srv:
        host, port = urllib.parse.urlsplit(srv.url).netloc.split(":")
        with socket.create_connection((host, int(port))) as sock:
            target = "/sparql?query=" + urllib.parse.quote(SLOW)
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            time.sleep(0.5)
        started = time.monotonic()
        count = raw(srv.url, "GET", f"/sparql?query={COUNT}")
        took = time.monotonic() - started
        assert count.status == 200
        assert took < 6, f"the next query waited {took:.1f} s for the worker"


@pytest.fixture(scope="module")
def bridge() -> Iterator[str]:
    """tests/bridge_apps.py under Granian's RSGI interface, on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "rsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "tests.bridge_apps:front",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/write", process=process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_the_bridge_sends_what_the_app_writes_before_its_body(bridge: str) -> None:
    assert raw(bridge, "GET", "/write").body == b"written returned"


def test_the_bridge_streams_a_long_body_over_empty_chunks(bridge: str) -> None:
    answer = raw(bridge, "GET", "/gaps")
    assert answer.status == 200 and answer.body == b"x" * (STREAM_AT // 4 * 8)


def test_an_app_failing_before_it_answers_is_500(bridge: str) -> None:
    answer = raw(bridge, "GET", "/raise")
    assert (answer.status, answer.body) == (500, b"internal error (logged on the server)\n")


def test_an_app_failing_midway_ends_the_answer_short(bridge: str) -> None:
    """The first parts were sent (the answer has begun): the client sees it end before its
    Content-Length, not a whole answer. (Every answer of the app has a Content-Length.)"""
    with pytest.raises(http.client.IncompleteRead):
        raw(bridge, "GET", "/broken")
    assert raw(bridge, "GET", "/write").status == 200  # and the server goes on


def _hanging_upload(url: str, target: str, length: int) -> socket.socket:
    """A PUT that announces ``length`` bytes, sends a few, and then waits."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"PUT {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/n-triples\r\nContent-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + f"<{EX}s> <{EX}p> <{EX}o> .\n".encode())
    return sock


def test_lookups_see_a_write_while_every_request_thread_is_busy(tmp_path: Path) -> None:
    """After another process writes, the server reopens the store before its next lookup;
    with both request threads held by uploads that never end, that must not wait for one."""
    store = tmp_path / "store"
    env = {"MOFKG_UPDATE_TOKEN": TOKEN, "MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "2"}
    settings = Settings(store=store, update_token=TOKEN)
    ask = "/sparql?query=" + urllib.parse.quote(f"ASK {{ <{EX}new> ?p ?o }}")
    with running_production_server(store, **env) as srv:
        assert raw(srv.url, "GET", ask).body == b'{"head":{},"boolean":false}'
        held = [_hanging_upload(srv.url, f"/store?graph={EX}held{i}", 100_000) for i in range(2)]
        try:
            time.sleep(0.5)  # both threads are now reading a body that does not come
            with running_server(settings, shared=True) as other:
                auth = ("Authorization", f"Bearer {TOKEN}")
                triple = f'<{EX}new> <{EX}p> "1" .'.encode()
                ntriples = ("Content-Type", "application/n-triples")
                put = raw(other.url, "PUT", f"/store?graph={EX}g", [ntriples, auth], triple)
                assert put.status == 201
            started = time.monotonic()
            seen = raw(srv.url, "GET", ask, timeout=5)
            assert seen.body == b'{"head":{},"boolean":true}'
            assert time.monotonic() - started < 2
        finally:
            for sock in held:
                sock.close()


def test_a_body_shorter_than_its_content_length_is_not_stored(both: tuple[Server, Server]) -> None:
    """The client announces 10,000 bytes, sends 50 lines and goes away: nothing is written
    (werkzeug reads to the Content-Length and finds the body cut short)."""
    _, rsgi = both
    graph = f"{EX}cut"
    sock = _hanging_upload(rsgi.url, f"/store?graph={urllib.parse.quote(graph)}", 10_000)
    lines = "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(50))
    sock.sendall(lines.encode())
    sock.shutdown(socket.SHUT_WR)
    try:
        sock.recv(1000)  # whatever the answer, if any
    except OSError:
        pass
    sock.close()
    time.sleep(0.5)
    target = f"/store?graph={urllib.parse.quote(graph)}"
    assert raw(rsgi.url, "GET", target).status == 404


def test_write_settles_the_status_and_keeps_its_place(bridge: str) -> None:
    """PEP 3333: once write() was given data, start_response with exc_info re-raises (the
    bridge answers its own 500, with nothing of the app's in it); bytes written between
    the parts of a long body are sent in their place."""
    failed = raw(bridge, "GET", "/exc")
    assert failed.status == 500 and b"partial" not in failed.body
    assert failed.header("Content-Length") == str(len(failed.body))
    streamed = raw(bridge, "GET", "/writestream")
    assert streamed.body == b"a" * (STREAM_AT + 1) + b"writtenend"


def _slow_upload(url: str, stop: threading.Event) -> socket.socket:
    """A POST /validate announcing 10 MB and sending a byte every half second till ``stop``."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    head = (
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/n-triples\r\n"
        "Content-Length: 10000000\r\n\r\n"
    )
    sock.sendall(head.encode())

    def trickle() -> None:
        while not stop.wait(0.5):
            try:
                sock.sendall(b"#")
            except OSError:
                return

    threading.Thread(target=trickle, daemon=True).start()
    return sock


def _status_of(sock: socket.socket) -> int:
    """The status of the answer that comes on ``sock`` (0 when it closes without one)."""
    line = sock.makefile("rb").readline()
    return int(line.split()[1]) if line.startswith(b"HTTP/") else 0


def test_slow_uploads_get_408_and_leave_threads_for_pages(store_path: Path) -> None:
    """Four uploads trickling a byte every half second: pages and the API are answered at
    once meanwhile, and an upload is 408 once body_timeout has passed. Before, there was no
    timeout and the uploads held every request thread: pages waited as long as they did."""
    env = {"MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "2", "MOFKG_BODY_TIMEOUT": "3"}
    stop = threading.Event()
    with running_production_server(store_path, **env) as srv:
        started = time.monotonic()
        uploads = [_slow_upload(srv.url, stop) for _ in range(4)]
        try:
            time.sleep(0.5)
            for target in ("/", "/api/v1/models", "/query"):
                asked = time.monotonic()
                answer = raw(srv.url, "GET", target, timeout=10)
                assert answer.status == 200, target
                assert time.monotonic() - asked < 2, target
            statuses = [_status_of(sock) for sock in uploads]
            assert statuses[0] == 408, statuses
            assert set(statuses) <= {408, 503}, statuses
            assert time.monotonic() - started < 12
        finally:
            stop.set()
            for sock in uploads:
                sock.close()


def test_a_query_past_memory_limit_is_503_and_the_next_is_answered(store_path: Path) -> None:
    """A cartesian query over the demo sorted in memory, under a 300 MiB cap (setting
    memory_limit): a clean 503 naming the limit, and the server answers the next query.
    Before, nothing capped a query worker (one such query reached 2.2 GB)."""
    env = {"MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "1", "MOFKG_MEMORY_LIMIT": str(300 << 20)}
    hungry = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
    with running_production_server(store_path, **env) as srv:
        answer = raw(srv.url, "GET", "/sparql?query=" + urllib.parse.quote(hungry), timeout=60)
        assert answer.status == 503, answer.body[:200]
        assert answer.body.startswith(b"the query ran out of memory and was stopped")
        assert b"300 MiB" in answer.body
        ask = "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")
        again = raw(srv.url, "GET", ask, [("Accept", "application/json")], timeout=30)
        assert again.body == b'{"head":{},"boolean":true}'


def test_a_validation_past_memory_limit_is_503_and_the_server_answers(tmp_path: Path) -> None:
    """A gzip body that inflates past the server process's 300 MiB cap (setting
    memory_limit): 503 naming the limit, not a 500; then the server answers. (The body cap is
    raised past the cap on memory: a dump inflates within max_body.)"""
    env = {
        "MOFKG_PROCESSES": "1",
        "MOFKG_WORKERS": "1",
        "MOFKG_MEMORY_LIMIT": str(300 << 20),
        "MOFKG_MAX_BODY": str(600 << 20),
    }
    body = gzip.compress(b"# a comment line that repeats\n" * (450 << 20 >> 5), 1)
    headers = [("Content-Type", "text/turtle"), ("Content-Encoding", "gzip")]
    with running_production_server(tmp_path / "store", **env) as srv:
        answer = raw(srv.url, "POST", "/validate", headers, body, timeout=60)
        assert answer.status == 503, answer.body[:300]
        assert answer.body.startswith(b"the validation ran out of memory and was stopped")
        assert b"300 MiB" in answer.body
        assert raw(srv.url, "GET", "/").status == 200


def test_a_posted_query_gives_back_its_upload_thread_once_its_body_is_in(
    store_path: Path,
) -> None:
    """Requests with a body share half the threads only while their body comes: a long
    POSTed query does not keep a short one waiting for that share (one of two threads)."""
    env = {"MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "2", "MOFKG_QUERY_TIMEOUT": "4"}
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    with running_production_server(store_path, **env) as srv:
        long = threading.Thread(
            target=raw,
            args=(
                srv.url,
                "POST",
                "/sparql",
                form,
                urllib.parse.urlencode({"query": slow}).encode(),
            ),
        )
        long.start()
        time.sleep(0.5)
        asked = time.monotonic()
        quick = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
        answer = raw(srv.url, "POST", "/sparql", [*form, ("Accept", "application/json")], quick)
        assert answer.body == b'{"head":{},"boolean":true}'
        assert time.monotonic() - asked < 2
        long.join()
