"""Real SPARQL clients against the running endpoint, and the production server (Granian)."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from graphstore.settings import Settings
from graphstore.store import Store
from tests.server import Server, fetch, get, running_production_server, running_server

EX = "http://example.org/"
SD = "http://www.w3.org/ns/sparql-service-description#"


def _fill(path: Path) -> Store:
    store = Store(path)
    store.load(
        f'<{EX}m1> a <{EX}Model> ; <{EX}name> "one" .\n<{EX}m2> a <{EX}Model> .'.encode(),
        graph=EX + "models",
        format="turtle",
    )
    return store


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("clients")
    store = _fill(path)
    with running_server(Settings(store=path), store=store) as srv:
        yield srv


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server: Server, method: str) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setMethod(method)
    client.setQuery(f"SELECT ?m WHERE {{ ?m a <{EX}Model> }} ORDER BY ?m")
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert [r["m"]["value"] for r in rows] == [EX + "m1", EX + "m2"]


def test_sparqlwrapper_xml_csv_and_construct(server: Server) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(f"ASK {{ <{EX}m1> <{EX}name> 'one' }}")
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    assert "<boolean>true</boolean>" in document.toxml()  # type: ignore[union-attr]
    client.setQuery(f"SELECT ?n WHERE {{ ?m <{EX}name> ?n }}")
    client.setReturnFormat(CSV)
    assert client.queryAndConvert() == b"n\r\none\r\n"
    client.setQuery("CONSTRUCT WHERE { ?s ?p ?o }")
    client.setReturnFormat(TURTLE)
    g = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert len(g) == 3


def test_rdflib_sparqlstore(server: Server) -> None:
    store = SPARQLStore(server.sparql)
    g = Graph(store=store)
    rows = list(g.query(f"SELECT ?n WHERE {{ ?m <{EX}name> ?n }}"))
    triples = set(g.triples((URIRef(EX + "m1"), None, None)))
    assert [row[0] for row in rows] == [Literal("one")]  # type: ignore[index]
    assert len(triples) == 2


def test_service_description_parses_with_rdflib(server: Server) -> None:
    for accept, fmt in [("text/turtle", "turtle"), ("application/rdf+xml", "xml")]:
        reply = get(server.sparql, headers={"Accept": accept})
        g = Graph().parse(data=reply.content, format=fmt)
        service = g.value(None, URIRef(SD + "endpoint"), URIRef(server.sparql))
        assert service is not None
        assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
        assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in g


def test_the_production_server_serves_the_app(tmp_path: Path) -> None:
    _fill(tmp_path).flush()
    with running_production_server(tmp_path, MOFKG_WORKERS="1") as srv:
        client = SPARQLWrapper(srv.sparql)
        client.setQuery(f"SELECT (COUNT(?m) AS ?n) WHERE {{ ?m a <{EX}Model> }}")
        client.setReturnFormat(JSON)
        result = client.queryAndConvert()
        assert result["results"]["bindings"][0]["n"]["value"] == "2"  # type: ignore[index]
        reply = get(srv.sparql, headers={"Accept": "text/turtle"})
        assert reply.status_code == 200
        assert reply.headers.get("Server") == "granian"
        head = fetch("HEAD", srv.sparql, params={"query": "ASK {}"})
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["Content-Length"] == str(len(b'{"head":{},"boolean":true}'))


def test_idle_keep_alive_connections_do_not_lock_out_new_clients(tmp_path: Path) -> None:
    """Browsers and client libraries keep connections open between requests. Each idle one
    must not hold one of the few places the server has for running queries, or a handful of
    them leave every new client waiting in the listen queue."""
    _fill(tmp_path).flush()
    env = {"MOFKG_PROCESSES": "2", "MOFKG_WORKERS": "1"}  # two WSGI threads per process
    with running_production_server(tmp_path, **env) as srv:
        port = int(srv.url.rsplit(":", 1)[1])
        idle = []
        try:
            for n in range(12):  # three times as many as the processes' threads
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                idle.append(conn)
                started = time.monotonic()
                conn.request("GET", "/sparql?query=ASK%7B%7D")
                reply = conn.getresponse()
                assert reply.status == 200, n
                assert reply.read() == b'{"head":{},"boolean":true}'
                assert reply.getheader("Connection", "keep-alive").lower() != "close"
                assert time.monotonic() - started < 5, f"connection {n} waited"
        finally:
            for conn in idle:
                conn.close()
