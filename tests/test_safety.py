"""Safety of the public endpoint: timeouts that stop the work, caps, and no remote requests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mofkg.api.app import create_app
from mofkg.api.server.state import EXTENSION, Endpoint
from mofkg.graphstore.errors import SettingsError
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.conftest import Listener
from tests.server import Reply, Server, delete, get, post, put, running_server

EX = "http://example.org/"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TOKEN = "safety-token"


def _fill(store: Store, n: int) -> None:
    lines = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(n))
    store.load(lines.encode(), graph=EX + "g", format="turtle")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("safety")
    store = Store(path)
    _fill(store, 300)
    settings = Settings(
        store=path,
        query_timeout=1.5,
        max_rows=100,
        max_body=4096,
        workers=2,
        update_token=TOKEN,
        service_allow=("http://allowed.example/sparql",),
    )
    with running_server(settings, store=store) as srv:
        yield srv


def _query(server: Server, query: str, **kwargs: str) -> Reply:
    return get(server.sparql, params={"query": query, **kwargs}, timeout=30)


def _pids(server: Server) -> set[int]:
    assert server.app is not None
    state: Endpoint = server.app.extensions[EXTENSION]
    return set(state.pool._processes)


def _alive(pid: int) -> bool:
    """Whether a process runs (an exited one that nobody has reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_worker_and_answers_504(server: Server) -> None:
    before = _pids(server)
    started = time.monotonic()
    response = _query(server, SLOW)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert "ran longer than the 1.5 s timeout and was stopped" in response.text
    assert elapsed < 5
    # The worker that ran it is gone, and a fresh one replaces it.
    deadline = time.monotonic() + 10
    while (_pids(server) == before or len(_pids(server)) < len(before)) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    after = _pids(server)
    killed = before - after
    assert len(killed) == 1 and len(after) == len(before) == 1
    assert not any(_alive(pid) for pid in killed)


def test_other_queries_are_served_while_one_runs_long(server: Server) -> None:
    slow: dict[str, Reply] = {}
    thread = threading.Thread(target=lambda: slow.update(r=_query(server, SLOW)))
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    fast = _query(server, "ASK { ?s ?p 7 }")
    assert fast.status_code == 200 and fast.json()["boolean"] is True
    assert time.monotonic() - started < 1.0
    thread.join()
    assert slow["r"].status_code == 504


def test_row_cap_says_it_truncated(server: Server) -> None:
    response = _query(server, "SELECT ?s WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 100
    assert response.headers["X-Mofkg-Truncated"] == "true"
    assert "truncated to the first 100 rows" in response.headers["Warning"]
    assert set(response.json()) == {"head", "results"}
    complete = _query(server, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5")
    assert "X-Mofkg-Truncated" not in complete.headers
    graph = _query(server, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.headers["X-Mofkg-Truncated"] == "true"


def test_body_cap_answers_413(server: Server) -> None:
    query = "ASK {}" + " " * 5000
    response = post(
        server.sparql,
        data=query,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "Request Entity Too Large" in response.text
    form = post(server.sparql, data={"query": query}, timeout=30)
    assert form.status_code == 413


def test_gzip_upload_cannot_expand_past_the_body_cap(server: Server) -> None:
    import gzip

    bomb = gzip.compress(b"# " + b"x" * 100_000 + b"\n")
    assert len(bomb) < 4096
    response = put(
        server.graph_store,
        params={"graph": EX + "bomb"},
        data=bomb,
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "request body: inflates to more than 4096 bytes" in response.text


def test_malformed_query_gives_the_parser_message_and_position(server: Server) -> None:
    response = _query(server, "SELECT ?s WHERE { ?s ?p }")
    assert response.status_code == 400
    assert response.text.startswith("malformed query: error at 1:")
    assert "error at 1:26: expected one of" in response.text


def test_a_listener_does_see_connections(listener: Listener) -> None:
    """The check below could fail: a real request does reach the listener."""
    with pytest.raises(OSError):
        get(listener.url, timeout=1)
    time.sleep(0.2)
    assert listener.connections == 1


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX r: <{base}> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        "BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "ASK FROM <{url}> {{ }}",
        # A comment ends at a carriage return for Oxigraph, which then runs the SERVICE.
        "SELECT * WHERE {{ #\r SERVICE <{url}> {{ ?s ?p ?o }} \n}}",
        # An escaped '#' in a prefixed name starts no comment.
        "PREFIX ex: <http://example.org/> "
        "SELECT * WHERE {{ ?s ex:a\\# ?o . SERVICE <{url}> {{ ?s ?p ?o }}\n}}",
        # Oxigraph decodes \u escapes inside IRIs.
        "SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
    ],
)
def test_queries_reaching_out_are_refused_and_nothing_leaves(
    server: Server, listener: Listener, template: str
) -> None:
    base = listener.url.rsplit("/", 1)[0] + "/"
    escaped = listener.url.replace("/", "\\u002F")
    query = template.format(url=listener.url, base=base, escaped=escaped)
    response = _query(server, query)
    assert response.status_code == 403, response.text
    assert f"<{listener.url}> is refused" in response.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_service_with_a_variable_endpoint_is_refused(server: Server) -> None:
    response = _query(server, "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }")
    assert response.status_code == 403
    assert "SERVICE ?e is refused: an endpoint given by a variable" in response.text


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/> { }" }',
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:from ex:service } LIMIT 1",
        "# SERVICE <http://evil.example/>\nASK {}",
        f"SELECT * FROM <{EX}g> WHERE {{ ?s ?p ?o }} LIMIT 1",
    ],
)
def test_words_that_only_look_like_service_or_from_pass(server: Server, query: str) -> None:
    response = _query(server, query)
    assert response.status_code == 200, response.text


def test_load_is_refused_and_nothing_leaves(server: Server, listener: Listener) -> None:
    for update in (f"LOAD <{listener.url}>", f"load silent <{listener.url}> INTO GRAPH <{EX}x>"):
        response = post(
            server.sparql,
            data=update,
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {TOKEN}",
            },
            timeout=30,
        )
        assert response.status_code == 403, response.text
        assert f"LOAD <{listener.url}> is refused" in response.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_allow_listed_service_passes_the_policy(server: Server) -> None:
    """On the allow-list the query reaches Oxigraph (which here cannot resolve the host)."""
    query = "SELECT * WHERE { SERVICE SILENT <http://allowed.example/sparql> { ?s ?p ?o } }"
    response = _query(server, query)
    assert response.status_code != 403


def test_readers_see_writes_at_once(server: Server) -> None:
    graph = EX + "fresh"
    ask = f"ASK {{ GRAPH <{graph}> {{ ?s ?p 'new' }} }}"
    assert _query(server, ask).json()["boolean"] is False
    response = put(
        server.graph_store,
        params={"graph": graph},
        data=f"<{EX}s> <{EX}p> 'new' .",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 201
    # Both workers, whichever answers, see the new graph.
    assert all(_query(server, ask).json()["boolean"] for _ in range(4))
    delete(
        server.graph_store,
        params={"graph": graph},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert _query(server, ask).json()["boolean"] is False


def test_in_memory_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="needs an on-disk store"):
        create_app(Settings(store=tmp_path), store=Store())


def test_query_parameters_are_url_decoded_once(server: Server) -> None:
    query = urllib.parse.quote("ASK { ?s ?p 5 }")
    response = get(f"{server.sparql}?query={query}", timeout=30)
    assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    ("accept", "rows_in"),
    [
        (
            "application/sparql-results+json",
            lambda text: len(json.loads(text)["results"]["bindings"]),
        ),
        ("application/sparql-results+xml", lambda text: text.count("<result>")),
        ("text/csv", lambda text: len(text.splitlines()) - 1),
        ("text/tab-separated-values", lambda text: len(text.splitlines()) - 1),
    ],
)
def test_row_cap_is_exact_in_every_format(
    server: Server, accept: str, rows_in: Callable[[str], int]
) -> None:
    def ask(limit: int) -> Reply:
        query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} ORDER BY ?o LIMIT {limit}"
        return get(server.sparql, params={"query": query}, headers={"Accept": accept}, timeout=30)

    exactly = ask(100)
    assert rows_in(exactly.text) == 100
    assert "X-Mofkg-Truncated" not in exactly.headers
    one_more = ask(101)
    assert one_more.headers["X-Mofkg-Truncated"] == "true"
    assert one_more.text == exactly.text


def test_from_verdicts_follow_writes(server: Server) -> None:
    graph = EX + "later"
    query = f"ASK FROM <{graph}> {{ ?s ?p ?o }}"
    refused = _query(server, query)
    assert refused.status_code == 403
    assert f"FROM <{graph}> is refused: the store holds no such graph" in refused.text
    # The same text again is answered from the policy's cache, with the same message.
    assert _query(server, query).text == refused.text
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = put(
        server.graph_store,
        params={"graph": graph},
        data=f"<{EX}s> <{EX}p> 'x' .",
        headers={"Content-Type": "text/turtle", **auth},
        timeout=30,
    )
    assert created.status_code == 201
    assert _query(server, query).json()["boolean"] is True
    delete(server.graph_store, params={"graph": graph}, headers=auth, timeout=30)
    assert _query(server, query).status_code == 403


def test_a_query_that_finds_every_worker_busy_gets_503(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 300)
    settings = Settings(store=tmp_path, query_timeout=2, workers=1)
    with running_server(settings, store=store) as srv:
        slow: dict[str, Reply] = {}
        thread = threading.Thread(target=lambda: slow.update(r=_query(srv, SLOW)))
        thread.start()
        time.sleep(0.05)
        # The one worker runs SLOW until its timeout; a replacement takes longer to start
        # than the 0.05 s between the two requests, so this one waits the whole timeout.
        started = time.monotonic()
        busy = _query(srv, "ASK { ?s ?p 7 }")
        thread.join()
    assert busy.status_code == 503
    assert "every query worker stayed busy for 2 s" in busy.text
    assert 1.9 < time.monotonic() - started < 4
    assert slow["r"].status_code == 504


PARENT = """
import sys, threading, time
from pathlib import Path
from mofkg.api.server.pool import QueryPool
from mofkg.api.server.queries import QueryJob
pool = QueryPool(Path(sys.argv[1]), size=1, timeout=600)
print(next(iter(pool._processes)), flush=True)
threading.Thread(target=pool.run, args=(QueryJob(sys.argv[2]),), daemon=True).start()
time.sleep(600)
"""


def test_a_worker_stops_mid_query_when_its_server_dies(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 300)
    store.flush()
    del store
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path), SLOW],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    time.sleep(0.5)  # the worker is now inside the query, which would run for minutes
    assert _alive(worker)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    stopped = not _alive(worker)
    if not stopped:
        os.kill(worker, signal.SIGKILL)  # leave no query running after a failed test
    assert stopped


def test_using_graph_uri_keeps_escapes_inside_strings(tmp_path: Path) -> None:
    """``using-graph-uri`` is added to the update as written: a ``\\u0022`` inside a string
    stays an escaped quote (decoding it first broke the string)."""
    settings = Settings(store=tmp_path, update_token="t")
    with running_server(settings) as srv:
        update = (
            f'INSERT {{ GRAPH <{EX}out> {{ ?s <{EX}said> "a \\u0022quote\\u0022" }} }} '
            f"WHERE {{ ?s ?p ?o }}"
        )
        put(
            srv.graph_store + f"?graph={EX}in",
            data=f"<{EX}s> <{EX}p> 1 .",
            headers={"Content-Type": "text/turtle", "Authorization": "Bearer t"},
        )
        reply = post(
            srv.sparql,
            data={"update": update, "using-graph-uri": f"{EX}in"},
            headers={"Authorization": "Bearer t"},
        )
        assert reply.status_code == 204, reply.content
        answer = _query(srv, f"SELECT ?o {{ GRAPH <{EX}out> {{ ?s <{EX}said> ?o }} }}")
        assert answer.json()["results"]["bindings"][0]["o"]["value"] == 'a "quote"'


def test_a_deeply_nested_query_is_400_and_kills_no_worker(server: Server) -> None:
    """5,000 nested parentheses (a 10 KB query) overflowed the stack of a query worker,
    which died with the other queries it ran; the policy now refuses such a text."""
    before = _pids(server)
    nested = "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    reply = _query(server, nested)
    assert reply.status_code == 400
    assert "nests brackets 5002 deep; at most 128" in reply.text
    assert _pids(server) == before
    assert _query(server, "ASK { ?s ?p 7 }").json()["boolean"] is True


def test_a_long_chain_of_operators_is_400(server: Server) -> None:
    """A property path of 1,200 steps is not nested, but Oxigraph's tree of it is as deep
    (2,000 steps overflowed a thread's stack)."""
    path = "/".join([":p"] * 1200)
    reply = post(
        server.sparql,
        data=f"PREFIX : <{EX}> ASK {{ ?s {path} ?o }}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert reply.status_code == 400
    assert "the text has 1199 operators" in reply.text


def test_values_rows_do_not_count_as_operators(server: Server) -> None:
    rows = " ".join(f"({i} -{i})" for i in range(1500))
    reply = _query(server, f"SELECT (COUNT(*) AS ?n) {{ VALUES (?a ?b) {{ {rows} }} }}")
    assert reply.status_code == 200
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "1500"


def test_a_deeply_nested_update_is_400_and_writes_nothing(server: Server) -> None:
    graph = f"{EX}nested"
    nested = "(" * 300 + "1" + ")" * 300
    update = f"INSERT {{ GRAPH <{graph}> {{ <{EX}s> <{EX}p> 1 }} }} WHERE {{ FILTER({nested}) }}"
    reply = post(
        server.sparql,
        data=update,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 400
    assert "nests brackets 302 deep" in reply.text
    assert _query(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").json()["boolean"] is False
