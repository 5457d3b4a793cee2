"""Real SPARQL clients against the running endpoint, and the production server (Granian)."""

from __future__ import annotations

import csv
import http.client
import io
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from mofkg.graphstore.rdfio.formats import format_for_media_type
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
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


# The client matrix: SPARQLWrapper with each of its return formats, for each query form, sent
# each way it can send a query; rdflib's SPARQLStore; plain HTTP clients with Accept headers.

SELECT = f"SELECT ?m WHERE {{ ?m a <{EX}Model> }} ORDER BY ?m"
ASK = f"ASK {{ <{EX}m1> <{EX}name> 'one' }}"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"
DESCRIBE = f"DESCRIBE <{EX}m1>"
#: Triples each graph query answers.
GRAPH_SIZES = {CONSTRUCT: 3, DESCRIBE: 2}
#: How SPARQLWrapper sends a query: GET, a POSTed form, or the query as the POST body.
SENDS = {
    "GET": ("GET", URLENCODED),
    "POST form": (POST, URLENCODED),
    "POST directly": (POST, POSTDIRECTLY),
}


def _wrapper(server: Server, query: str, send: str, return_format: str | None) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    method, request_method = SENDS[send]
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setQuery(query)
    if return_format is not None:
        client.setReturnFormat(return_format)
    return client


def _solutions(result: Any, return_format: str) -> list[str]:
    """The ?m values (or the ASK answer, as ["true"]) of a converted result, however it came."""
    if return_format == JSON:
        if "boolean" in result:
            return [str(result["boolean"]).lower()]
        return [b["m"]["value"] for b in result["results"]["bindings"]]
    if return_format == XML:
        assert isinstance(result, Document)
        booleans = result.getElementsByTagName("boolean")
        if booleans:
            return [booleans[0].firstChild.data]  # type: ignore[union-attr]
        return [u.firstChild.data for u in result.getElementsByTagName("uri")]  # type: ignore[union-attr]
    text = result.decode("utf-8")
    if return_format == CSV:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] in (["m"], ["_askResult"])
        return [r[0] for r in rows[1:]]
    lines = text.splitlines()
    assert lines[0] in ("?m", "?_askResult")
    return [line.strip("<>") for line in lines[1:]]


@pytest.mark.parametrize("send", SENDS)
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize(
    ("query", "expected"),
    [(SELECT, [EX + "m1", EX + "m2"]), (ASK, ["true"])],
    ids=["SELECT", "ASK"],
)
def test_sparqlwrapper_results_formats(
    server: Server, query: str, expected: list[str], return_format: str, send: str
) -> None:
    result = _wrapper(server, query, send, return_format).queryAndConvert()
    assert _solutions(result, return_format) == expected


# SPARQLWrapper reads RDF/XML and JSON-LD into an rdflib ConjunctiveGraph, which rdflib 7
# deprecates: the warning is the client's, not ours.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("send", SENDS)
@pytest.mark.parametrize("return_format", [XML, RDFXML, TURTLE, N3, JSONLD, None])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["CONSTRUCT", "DESCRIBE"])
def test_sparqlwrapper_graph_formats(
    server: Server, query: str, return_format: str | None, send: str
) -> None:
    """SPARQLWrapper's default (XML) and RDF/XML send format=xml / format=rdf+xml, N3
    format=n3: each means the graph format it means elsewhere (406 and 400 before)."""
    result = _wrapper(server, query, send, return_format).queryAndConvert()
    if isinstance(result, bytes):  # Turtle and N3 come as the bytes sent
        result = Graph().parse(data=result, format="turtle")
    assert isinstance(result, Graph)
    assert len(result) == GRAPH_SIZES[query]
    assert (URIRef(EX + "m1"), URIRef(EX + "name"), Literal("one")) in result


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_select_ask_construct(server: Server, method: str) -> None:
    g = Graph(store=SPARQLStore(server.sparql, method=method))
    assert [row[0] for row in g.query(SELECT)] == [URIRef(EX + "m1"), URIRef(EX + "m2")]  # type: ignore[index]
    assert g.query(ASK).askAnswer is True
    constructed = g.query(CONSTRUCT).graph
    assert constructed is not None and len(constructed) == 3


def _curl(server: Server, query: str, accept: str | None, **params: str) -> tuple[int, str, bytes]:
    """A plain HTTP GET with urllib, as curl would send it."""
    url = server.sparql + "?" + urllib.parse.urlencode({"query": query, **params})
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


@pytest.mark.parametrize(
    ("query", "accept", "params", "media_type"),
    [
        (SELECT, "text/csv", {}, "text/csv"),
        (SELECT, "application/json", {}, "application/sparql-results+json"),
        (ASK, "text/tab-separated-values", {}, "text/tab-separated-values"),
        (CONSTRUCT, "application/n-triples", {}, "application/n-triples"),
        (CONSTRUCT, "application/json", {}, "application/ld+json"),
        (CONSTRUCT, "*/*", {}, "text/turtle"),
        (DESCRIBE, None, {}, "text/turtle"),
        # format= as Virtuoso and Fuseki read it; for a graph, xml is RDF/XML, json JSON-LD.
        (CONSTRUCT, None, {"format": "xml"}, "application/rdf+xml"),
        (CONSTRUCT, None, {"format": "json"}, "application/ld+json"),
        (CONSTRUCT, None, {"format": "application/rdf+xml"}, "application/rdf+xml"),
        (SELECT, None, {"format": "xml"}, "application/sparql-results+xml"),
        (SELECT, None, {"output": "json"}, "application/sparql-results+json"),
        (SELECT, None, {"format": "text/tab-separated-values"}, "text/tab-separated-values"),
        # A format= with nothing for the query's form leaves it to the Accept header.
        (CONSTRUCT, "application/n-triples", {"format": "csv"}, "application/n-triples"),
        (CONSTRUCT, None, {"format": "tsv"}, "text/turtle"),
        (SELECT, "text/csv", {"format": "turtle"}, "text/csv"),
    ],
)
def test_plain_http_clients(
    server: Server, query: str, accept: str | None, params: dict[str, str], media_type: str
) -> None:
    status, content_type, body = _curl(server, query, accept, **params)
    assert status == 200, body
    assert content_type.split(";")[0] == media_type
    if media_type == "application/sparql-results+json":
        assert json.loads(body)["results"]["bindings"][0]["m"]["value"] == EX + "m1"
    elif media_type in ("text/csv", "text/tab-separated-values"):
        assert EX + "m1" in body.decode() or b"true" in body
    elif media_type != "application/sparql-results+xml":
        triples = ox.parse(body, format=format_for_media_type(media_type).oxigraph)
        name = ox.Triple(ox.NamedNode(EX + "m1"), ox.NamedNode(EX + "name"), ox.Literal("one"))
        assert name in {q.triple for q in triples}


@pytest.mark.parametrize(
    ("query", "accept", "params", "status", "message"),
    [
        (
            SELECT,
            "image/png",
            {"format": "turtle"},
            406,
            "neither format='turtle' nor the Accept header 'image/png' fits",
        ),
        (
            CONSTRUCT,
            "application/sparql-results+json, text/turtle;q=0",
            {"format": "csv"},
            406,
            "neither format='csv' nor the Accept header",
        ),
        (
            "SELECT ?s WHERE { ?s ?p ?o }",  # bounded: run in the server process
            "image/png",
            {"format": "nt"},
            406,
            "neither format='nt' nor the Accept header 'image/png' fits",
        ),
        (SELECT, None, {"format": "png"}, 400, "format='png': unknown format"),
    ],
)
def test_a_format_that_cannot_be_served_names_both(
    server: Server,
    query: str,
    accept: str | None,
    params: dict[str, str],
    status: int,
    message: str,
) -> None:
    got, _, body = _curl(server, query, accept, **params)
    assert (got, message in body.decode()) == (status, True), body
