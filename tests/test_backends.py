"""The store's behaviour, once per backend: embedded Oxigraph, `oxigraph serve` and Virtuoso.

The remote engines are real processes on loopback (tests/backend_servers.py), started once
per session (the ``engines`` fixture of conftest.py) and emptied before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from mofkg.graphstore.errors import MofkgError, NotFoundError, RdfSyntaxError
from mofkg.graphstore.store.backend_settings import Endpoints
from mofkg.graphstore.store.commit import STAGING_PREFIX
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.remote import BackendError, BackendUnsupported, RemoteStore

from .backend_servers import Engine, engine_absent, remote

EX = "https://example.org/"
BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, engines: dict[str, Engine]) -> Iterator[Any]:
    if request.param == "embedded":
        yield Store()
        return
    engine = engines[request.param]
    kv = remote(engine)
    kv.clear()
    yield kv
    kv.clear()


def fill(store: Any) -> None:
    store.load(f'<{EX}a> <{EX}p> "1" .'.encode(), graph=EX + "g1", format="nt")
    store.load(
        f'<{EX}b> <{EX}p> "2" .\n<{EX}c> <{EX}p> "3" .'.encode(), graph=EX + "g2", format="nt"
    )


def test_load_and_graph_sizes(store: Any) -> None:
    fill(store)
    assert store.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}
    assert store.graph_size(EX + "g2") == 2
    assert store.has_graph(EX + "g1") and not store.has_graph(EX + "nothing")
    assert len(store) == 3


def test_queries_see_the_union_and_named_default_graphs(store: Any) -> None:
    fill(store)
    assert len(store.select(f"SELECT * WHERE {{ ?s <{EX}p> ?o }}")) == 3
    assert len(store.select("SELECT * WHERE { ?s ?p ?o }", default_graph=[EX + "g1"])) == 1
    assert store.ask(f"ASK {{ GRAPH <{EX}g2> {{ <{EX}c> ?p ?o }} }}")
    assert not store.ask(f"ASK {{ GRAPH <{EX}g1> {{ <{EX}c> ?p ?o }} }}")


def test_select_gives_rdflib_terms_with_mofkg_prefixes(store: Any) -> None:
    store.load(f'<{EX}m> <http://schema.org/name> "M"@en .'.encode(), graph=EX + "g", format="nt")
    assert store.select("SELECT ?n WHERE { ?m schema:name ?n }") == [{"n": Literal("M", lang="en")}]


def test_construct_gives_an_rdflib_graph(store: Any) -> None:
    fill(store)
    g = store.construct(f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }}")
    assert len(g) == 3 and (URIRef(EX + "a"), URIRef(EX + "q"), Literal("1")) in g


def test_replace_and_append(store: Any) -> None:
    fill(store)
    store.load(f'<{EX}d> <{EX}p> "4" .'.encode(), graph=EX + "g1", format="nt")
    assert store.graph_size(EX + "g1") == 2
    store.load(f'<{EX}e> <{EX}p> "5" .'.encode(), graph=EX + "g1", format="nt", replace=True)
    assert store.graph_size(EX + "g1") == 1
    assert store.graph_size(EX + "g2") == 2


def test_a_syntax_error_writes_nothing(store: Any) -> None:
    fill(store)
    with pytest.raises(RdfSyntaxError):
        store.load(
            f'<{EX}x> <{EX}p> "1" .\n<{EX}y> <{EX}p> .'.encode(),
            graph=EX + "g1",
            format="nt",
            replace=True,
        )
    assert store.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}


def test_literals_are_the_same_terms_on_every_backend(store: Any) -> None:
    """mofkg parses what it writes with Oxigraph, so every engine stores its canonical
    literals (Virtuoso would keep "032"^^xsd:integer as written)."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    store.load(
        f'<{EX}a> <{EX}p> "032"^^<{xsd}integer> , "1.50"^^<{xsd}decimal> , "1"^^<{xsd}boolean> ,'
        f' "1e3"^^<{xsd}double> , "chat"@EN , "x" .'.encode(),
        graph=EX + "g",
        format="turtle",
    )
    rows = store.select(f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o }} ORDER BY STR(?o)")
    assert [r["o"] for r in rows] == [
        Literal("1.5", datatype=URIRef(xsd + "decimal")),
        Literal("1000.0", datatype=URIRef(xsd + "double")),
        Literal("32", datatype=URIRef(xsd + "integer")),
        Literal("chat", lang="en"),
        Literal("true", datatype=URIRef(xsd + "boolean")),
        Literal("x"),
    ]


def test_replace_graphs_with_blank_nodes(store: Any) -> None:
    g = Graph()
    for i in range(50):
        node = BNode()
        g.add((URIRef(f"{EX}m{i}"), URIRef(EX + "has"), node))
        g.add((node, URIRef(EX + "n"), Literal(i)))
    store.replace_graphs({EX + "bn": g})
    rows = store.select(
        f"SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ ?m <{EX}has> ?b . ?b <{EX}n> ?i }}"
    )
    assert int(rows[0]["n"]) == 50


def test_blank_nodes_stay_whole_across_chunks(engines: dict[str, Engine]) -> None:
    """Chunks of about 200 bytes: a blank node's triples are never split between two
    requests (Virtuoso gives each request's blank nodes fresh identities)."""
    for kind in ("oxigraph", "virtuoso"):
        if engine_absent(kind):
            continue
        kv = remote(engines[kind], chunk=200)
        kv.clear()
        turtle = "".join(
            f'<{EX}m{i}> <{EX}has> [ <{EX}n> {i} ; <{EX}l> "label {i}" ] .\n' for i in range(40)
        )
        kv.load(turtle.encode(), graph=EX + "bn", format="turtle")
        rows = kv.select(
            f"SELECT ?m (COUNT(DISTINCT ?b) AS ?n) WHERE {{ ?m <{EX}has> ?b . ?b <{EX}n> ?i ; "
            f"<{EX}l> ?l }} GROUP BY ?m"
        )
        assert len(rows) == 40 and {int(r["n"]) for r in rows} == {1}, kind
        kv.clear()


def test_export_one_graph_and_the_whole_store(store: Any, tmp_path: Path) -> None:
    fill(store)
    out = tmp_path / "all.nq"
    store.export(out, "nquads")
    back = Store()
    back.load(out, graph=EX + "unused")
    assert back.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}
    data = store.export(None, "ntriples", graph=EX + "g2")
    assert data.count(b"\n") == 2
    with pytest.raises(NotFoundError):
        store.export(None, "ntriples", graph=EX + "nothing")


# -- faults --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_malformed_query_is_the_stores_error(kind: str, engines: dict[str, Engine]) -> None:
    kv = remote(engines[kind])
    with pytest.raises(BackendError, match="answered 400"):
        kv.select("SELECT WHERE {")


def test_a_store_that_is_down_is_named(tmp_path: Path) -> None:
    from .backend_servers import free_port

    kv = RemoteStore(Endpoints.of("oxigraph", f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(BackendError, match="cannot reach the remote store"):
        kv.graph_sizes()
    with pytest.raises(BackendError, match="cannot reach"):
        kv.load(b"<http://a> <http://b> <http://c> .", graph=EX + "g", format="nt")


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_paused_store_times_out(kind: str, engines: dict[str, Engine]) -> None:
    engine = engines[kind]
    kv = remote(engine, timeout=1.0)
    engine.pause()
    try:
        with pytest.raises(BackendError, match=r"did not answer .* within 1 s"):
            kv.graph_sizes()
    finally:
        engine.resume()
    assert remote(engine).graph_sizes() is not None


def test_unsupported_parts_are_refused() -> None:
    kv = RemoteStore(Endpoints.of("oxigraph", "http://127.0.0.1:9"))
    with pytest.raises(BackendUnsupported, match="not available on a remote backend yet"):
        kv.oxigraph  # noqa: B018
    with pytest.raises(BackendUnsupported, match="default graph alone"):
        kv.query("ASK {}", union=False)
    assert issubclass(BackendUnsupported, MofkgError)


def test_a_failed_final_update_says_the_staging_graphs_are_left(
    engines: dict[str, Engine],
) -> None:
    """The update URL is wrong: the chunks are sent, the move is refused, and so is the
    drop of the staging graphs; the message says so and names their prefix."""
    engine = engines["oxigraph"]
    kv = remote(engine)
    kv.clear()
    broken = RemoteStore(Endpoints.of("oxigraph", engine.url, update=engine.url + "/nowhere"))
    with pytest.raises(BackendError, match=r"answered 404.*could not be dropped.*urn:mofkg:st"):
        broken.load(f'<{EX}s> <{EX}p> "1" .'.encode(), graph=EX + "g1", format="nt")
    left = kv.graph_sizes()
    assert list(left) and all(g.startswith(STAGING_PREFIX) for g in left)
    kv.clear()


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_connection_cut_mid_load_leaves_the_graphs_as_they_were(
    kind: str, engines: dict[str, Engine]
) -> None:
    from .backend_servers import CuttingProxy

    kv = remote(engines[kind])
    kv.clear()
    fill(kv)
    proxy = CuttingProxy(engines[kind].url, cut_at=3)
    try:
        cut = remote(
            Engine(kind, proxy.url, engines[kind].process, engines[kind].folder), chunk=100
        )
        data = "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(30)).encode()
        with pytest.raises(BackendError, match="connection to the remote store broke"):
            cut.load(data, graph=EX + "g1", format="nt", replace=True)
        assert proxy.writes == 3
    finally:
        proxy.close()
    assert kv.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}  # no staging graph either
    kv.clear()


def test_a_malformed_answer_is_named() -> None:
    """A store that answers with broken SPARQL results: a clear error, not a short result."""
    import http.server
    import threading

    class Broken(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = b'{"head": {"vars": ["g", "n"]}, "results": {"bindings": [{"g": {"type": "u'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        kv = RemoteStore(Endpoints.of("oxigraph", url))
        with pytest.raises(BackendError, match="answer from .*/query is malformed"):
            kv.graph_sizes()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_sigterm_mid_load_leaves_no_graph(
    kind: str, engines: dict[str, Engine], tmp_path: Path
) -> None:
    """`mofkg load` terminated while its chunks go out: exit 143, the staging graphs
    dropped, the target graph never made."""
    import signal
    import subprocess
    import sys
    import time

    from .backend_servers import CuttingProxy

    engine = engines[kind]
    remote(engine).clear()
    data = tmp_path / "big.nt"
    data.write_text("".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(200)))
    proxy = CuttingProxy(engine.url, delay=0.5)
    env = {
        **os.environ,
        "MOFKG_BACKEND": kind,
        "MOFKG_BACKEND_URL": proxy.url,
        "MOFKG_BACKEND_CHUNK": "500",
        "MOFKG_STORE": str(tmp_path / "untouched"),
    }
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mofkg.graphstore.cli.main",
                "load",
                str(data),
                "--graph",
                EX + "big",
            ],
            env=env,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while proxy.writes < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proxy.writes >= 2
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        proxy.close()
    assert process.returncode == 143, err
    assert b"terminated (SIGTERM)" in err
    assert remote(engine).graph_sizes() == {}


def test_virtuoso_with_a_user_uses_its_authenticated_endpoints(
    engines: dict[str, Engine],
) -> None:
    engine = engines["virtuoso"]
    urls = Endpoints.of("virtuoso", engine.url, authenticated=True)
    assert urls.gsp.endswith("/sparql-graph-crud-auth") and urls.query.endswith("/sparql-auth")
    kv = RemoteStore(urls, user="dba", password="dba")
    kv.clear()
    fill(kv)
    assert kv.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}
    kv.clear()
    wrong = RemoteStore(urls, user="dba", password="wrong")
    with pytest.raises(BackendError, match="answered 401"):
        wrong.graph_sizes()


def test_a_blank_node_too_big_for_a_chunk_is_refused(engines: dict[str, Engine]) -> None:
    """A blank node whose triples run past 8 chunks cannot be sent whole: refused, with the
    setting to raise, and the chunks already sent are dropped."""
    kv = remote(engines["oxigraph"], chunk=100)
    kv.clear()
    fill(kv)
    many = " ; ".join(f'<{EX}p{i}> "value {i}"' for i in range(60))
    plain = "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(20))  # sent first
    with pytest.raises(BackendUnsupported, match="raise backend_chunk"):
        kv.load(
            (plain + f"<{EX}a> <{EX}has> [ {many} ] .").encode(), graph=EX + "g1", format="turtle"
        )
    assert kv.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}
    kv.clear()


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_slow_write_times_out_and_leaves_the_graphs_as_they_were(
    kind: str, engines: dict[str, Engine]
) -> None:
    from .backend_servers import CuttingProxy

    engine = engines[kind]
    kv = remote(engine)
    kv.clear()
    fill(kv)
    proxy = CuttingProxy(engine.url, delay=2.0)
    try:
        slow = RemoteStore(Endpoints.of(kind, proxy.url), timeout=1.0)
        with pytest.raises(BackendError, match=r"did not answer the Graph Store .* within 1 s"):
            slow.load(f'<{EX}x> <{EX}p> "9" .'.encode(), graph=EX + "g1", format="nt")
    finally:
        proxy.close()
    assert kv.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}
    kv.clear()


def test_many_graphs_are_replaced_and_dropped_in_one_update(store: Any) -> None:
    """Past MANY_GRAPHS graphs a remote write moves them with patterns (Virtuoso refuses a
    thousand operations): each graph replaced whole, its blank node kept one node, the other
    graphs untouched; dropping as many leaves the others."""
    import pyoxigraph as ox

    from mofkg.graphstore.store.remote_moves import MANY_GRAPHS

    names = [f"{EX}many/{i}" for i in range(MANY_GRAPHS + 6)]
    store.load(f'<{EX}k> <{EX}p> "kept" .'.encode(), graph=EX + "keep", format="nt")
    store.load(f'<{EX}a> <{EX}p> "old" .'.encode(), graph=names[0], format="nt")
    p, node = ox.NamedNode(EX + "p"), ox.BlankNode()
    quads = [
        q
        for name in names
        for q in (
            ox.Quad(ox.NamedNode(EX + "a"), p, node, ox.NamedNode(name)),
            ox.Quad(node, p, ox.Literal("new"), ox.NamedNode(name)),
        )
    ]
    store.write_quads(quads, replace=names)
    sizes = store.graph_sizes()
    assert {n: sizes.get(n) for n in names} == dict.fromkeys(names, 2)
    assert sizes[EX + "keep"] == 1
    rows = store.select(
        f'SELECT ?b WHERE {{ GRAPH <{names[0]}> {{ <{EX}a> <{EX}p> ?b . ?b <{EX}p> "new" }} }}'
    )
    assert len(rows) == 1  # one blank node, both its triples
    store.drop_graphs(names)
    assert store.graph_sizes() == {EX + "keep": 1}
    assert not [g for g in store.graph_sizes() if g.startswith(STAGING_PREFIX)]
