"""Edges of the HTTP exchange, under `mofkg serve`'s own server and under werkzeug: a body
announced one byte over the cap, answers without a body, a client that hangs up on a POSTed
query."""

from __future__ import annotations

import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, running_production_server, running_server

TOKEN = "edges-token"
EX = "http://example.org/edges/"
MAX_BODY = 4096
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 triples: enough for SLOW's cartesian product to run for minutes."""
    path = tmp_path_factory.mktemp("edges")
    store = Store(path)
    store.oxigraph.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i), ox.NamedNode(EX))
        for i in range(300)
    )
    store.close()
    return path


@pytest.fixture(scope="module")
def servers(store_path: Path) -> Iterator[dict[str, Server]]:
    """The app under werkzeug and under Granian (RSGI), one store, a small body cap and a long
    body timeout: a server that waited for the body would answer 408 after 30 s."""
    settings = Settings(store=store_path, update_token=TOKEN, max_body=MAX_BODY, body_timeout=30.0)
    env = {
        "MOFKG_UPDATE_TOKEN": TOKEN,
        "MOFKG_MAX_BODY": str(MAX_BODY),
        "MOFKG_BODY_TIMEOUT": "30",
    }
    with running_server(settings, shared=True) as wsgi:
        with running_production_server(store_path, **env) as rsgi:
            yield {"wsgi": wsgi, "rsgi": rsgi}


def _exchange(url: str, request: bytes, *, wait: float, close_after: float | None = None) -> bytes:
    """Send ``request`` as written and read what comes back within ``wait`` seconds."""
    netloc = urllib.parse.urlsplit(url).netloc
    host, port = netloc.split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(request)
        if close_after is not None:
            time.sleep(close_after)
            return b""
        sock.settimeout(wait)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        except TimeoutError:
            pass
        return answer


@pytest.mark.parametrize("kind", ["wsgi", "rsgi"])
@pytest.mark.parametrize(
    "target", ["/sparql", f"/store?graph={urllib.parse.quote(EX + 'big')}", "/validate"]
)
def test_a_body_announced_one_byte_over_the_cap_is_413_at_once(
    servers: dict[str, Server], kind: str, target: str
) -> None:
    """``Content-Length: max_body + 1`` and no body sent: 413 at once, not after the body."""
    method = "PUT" if target.startswith("/store") else "POST"
    kind_of_body = "application/sparql-query" if target == "/sparql" else "application/n-triples"
    request = (
        f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: {kind_of_body}\r\n"
        f"Content-Length: {MAX_BODY + 1}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = _exchange(servers[kind].url, request, wait=5)
    took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert took < 5


@pytest.mark.parametrize("kind", ["wsgi", "rsgi"])
def test_answers_without_a_body_name_no_content_type(servers: dict[str, Server], kind: str) -> None:
    """A 204 has no Content-Type at all, and a 201 that only names its Location none either
    (Flask labelled them text/html)."""
    from tests.test_front import raw

    url = servers[kind].url
    auth = [("Authorization", f"Bearer {TOKEN}")]
    nt = [*auth, ("Content-Type", "application/n-triples")]
    graph = urllib.parse.quote(f"{EX}{kind}-made")
    line = f"<{EX}a> <{EX}b> <{EX}c> .\n".encode()
    created = raw(url, "PUT", f"/store?graph={graph}", nt, line)
    assert created.status == 201
    assert created.header("Content-Type") is None
    posted = raw(url, "POST", "/store", nt, line)  # a new graph, named by the server
    assert posted.status == 201 and posted.header("Location")
    assert posted.header("Content-Type") is None
    replaced = raw(url, "PUT", f"/store?graph={graph}", nt, line)
    assert replaced.status == 204
    assert replaced.header("Content-Type") is None
    update = f"INSERT DATA {{ GRAPH <{EX}{kind}-made> {{ <{EX}a> <{EX}b> <{EX}d> }} }}"
    updated = raw(
        url,
        "POST",
        "/sparql",
        [*auth, ("Content-Type", "application/sparql-update")],
        update.encode(),
    )
    assert updated.status == 204
    assert updated.header("Content-Type") is None
    deleted = raw(url, "DELETE", f"/store?graph={graph}", auth)
    assert deleted.status == 204
    assert deleted.header("Content-Type") is None
    # Answers with a body keep theirs.
    found = raw(url, "GET", f"/store?graph={urllib.parse.quote(EX)}")
    assert found.status == 200 and found.header("Content-Type")


@pytest.mark.parametrize("how", ["form", "direct"])
def test_a_posted_query_whose_client_goes_away_frees_its_worker(store_path: Path, how: str) -> None:
    """Under `mofkg serve`: the client of a long POSTed query hangs up; the query is stopped
    once it has run a quarter of the timeout (its worker runs nothing else), so the one
    worker answers the next query after about 2 s, not after the 8 s timeout."""
    from tests.test_front import raw

    env = {"MOFKG_QUERY_TIMEOUT": "8", "MOFKG_PROCESSES": "1", "MOFKG_WORKERS": "1"}
    if how == "form":
        body = urllib.parse.urlencode({"query": SLOW}).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        body = SLOW.encode()
        kind = "application/sparql-query"
    with running_production_server(store_path, **env) as srv:
        request = (
            f"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        _exchange(srv.url, request, wait=0, close_after=0.5)
        started = time.monotonic()
        count = raw(srv.url, "GET", f"/sparql?query={COUNT}")
        took = time.monotonic() - started
        assert count.status == 200
        assert took < 6, f"the next query waited {took:.1f} s for the worker"
