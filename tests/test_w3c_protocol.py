"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol tests, driven by their manifests.

Each test is named by its IRI. The manifests' ``/sparql/`` paths map onto ``/sparql``
and ``/gsp`` onto ``/store``; every request carries the update token (reads ignore it).
Before each test the store is emptied and the test's ``ut:graphData`` loaded, through
the Graph Store Protocol, against one real server on a free loopback port.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from mofkg.graphstore.settings import Settings
from tests.server import Server, running_production_server, running_server

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

TOKEN = "w3c-test-token"
W3C = Path(__file__).resolve().parents[2] / "shared" / "data" / "w3c" / "sparql11"
STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}


@dataclass(frozen=True)
class W3cTest:
    """One manifest entry: its IRI, its name, its graph data and its request graph."""

    iri: str
    name: str
    graph: Graph
    node: URIRef


def _manifest_tests(path: Path) -> list[W3cTest]:
    if not path.exists():
        return []
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    tests = []
    manifests = [path]
    for included in g.objects(None, MF.include):
        for item in Collection(g, included):  # type: ignore[arg-type]
            manifests.append(Path(urllib.parse.urlparse(str(item)).path))
    for file in manifests[1:]:
        g.parse(file, format="turtle", publicID=file.as_uri())
    for entries in g.objects(None, MF.entries):
        for node in Collection(g, entries):  # type: ignore[arg-type]
            assert isinstance(node, URIRef)
            tests.append(W3cTest(str(node), str(g.value(node, MF.name)), g, node))
    return tests


PROTOCOL = _manifest_tests(W3C / "protocol" / "manifest.ttl")
GRAPH_STORE = _manifest_tests(W3C / "graph-store-protocol" / "manifest.ttl")


@pytest.fixture(scope="module", params=["werkzeug", "granian", "granian-engine"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[Server]:
    """The app under werkzeug in a thread, and under `mofkg serve`'s own server (Granian, in a
    subprocess): the suites run against both, so the production server's HTTP is tested too;
    and under `mofkg serve` with a read-only `oxigraph serve` as its query worker
    (query_workers = "engine")."""
    folder = tmp_path_factory.mktemp("w3c-store")
    if request.param.startswith("granian"):
        workers = "engine" if request.param == "granian-engine" else "process"
        with running_production_server(
            folder,
            MOFKG_UPDATE_TOKEN=TOKEN,
            MOFKG_QUERY_TIMEOUT="10",
            MOFKG_WORKERS="2",
            MOFKG_QUERY_WORKERS=workers,
        ) as srv:
            yield srv
        return
    settings = Settings(store=folder, update_token=TOKEN, query_timeout=10)
    with running_server(settings) as srv:
        yield srv


def _request(
    server: Server, method: str, path: str, *, body: bytes | None, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    netloc = urllib.parse.urlparse(server.url).netloc
    conn = http.client.HTTPConnection(netloc, timeout=30)
    try:
        conn.request(
            method, path, body=body, headers={"Authorization": f"Bearer {TOKEN}", **headers}
        )
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def _map_path(path: str) -> str:
    if path.startswith("/sparql/"):
        return "/sparql" + path[len("/sparql/") :]
    if path.startswith("/gsp"):
        return "/store" + path[len("/gsp") :]
    raise AssertionError(f"unexpected path {path}")


def _reset(server: Server, test: W3cTest) -> None:
    status, _, body = _request(
        server,
        "POST",
        "/sparql",
        body=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert status == 204, body
    g = test.graph
    for data in g.objects(test.node, UT.graphData):
        file = Path(urllib.parse.urlparse(str(g.value(data, UT.graph))).path)
        name = urllib.parse.quote(str(g.value(data, RDFS.label)), safe="")
        status, _, body = _request(
            server,
            "PUT",
            f"/store?graph={name}",
            body=file.read_bytes(),
            headers={"Content-Type": "application/n-triples"},
        )
        assert status in (201, 204), body


def _headers(g: Graph, node: Node) -> dict[str, str]:
    headers: dict[str, str] = {}
    for list_node in g.objects(node, HT.headers):
        for header in Collection(g, list_node):  # type: ignore[arg-type]
            headers[str(g.value(header, HT.fieldName))] = str(g.value(header, HT.fieldValue))
    return headers


def _expected_statuses(g: Graph, response: Node) -> list[range]:
    ranges = []
    for status in g.objects(response, MF.expectedStatus):
        local = str(status).rsplit("#", 1)[1]
        if local.startswith("StatusCode"):
            first = int(local[len("StatusCode")]) * 100
            ranges.append(range(first, first + 100))
        else:
            code = STATUS_NAMES[local]
            ranges.append(range(code, code + 1))
    return ranges


def _boolean(media_type: str, body: bytes) -> bool:
    if "json" in media_type:
        value = json.loads(body)["boolean"]
        assert isinstance(value, bool)
        return value
    root = ElementTree.fromstring(body)
    element = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None
    return element.text == "true"


def _check_response(
    g: Graph, response: Node, status: int, headers: dict[str, str], body: bytes, what: str
) -> None:
    expected = _expected_statuses(g, response)
    assert any(status in r for r in expected), f"{what}: status {status}: {body[:500]!r}"
    media_type = headers.get("content-type", "").split(";")[0].strip()
    fmt = g.value(response, MF.expectedFormat)
    if fmt is not None:
        kinds = {
            "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
            "tabular": (
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
            ),
            "RDF": (
                "text/turtle",
                "application/n-triples",
                "application/ld+json",
                "application/rdf+xml",
            ),
        }
        assert media_type in kinds[str(fmt)], f"{what}: {media_type} is not {fmt}"
    boolean = g.value(response, MF.expectedBoolean)
    if boolean is not None:
        assert _boolean(media_type, body) == boolean.toPython(), what
    expected_body = g.value(response, HT.body)
    if expected_body is not None:
        expected_type = _headers(g, response).get("content-type", "")
        assert media_type == expected_type.split(";")[0].strip(), what
        want = Graph().parse(data=str(g.value(expected_body, CNT.chars)), format=media_type)
        got = Graph().parse(data=body, format=media_type)
        assert isomorphic(want, got), f"{what}: graphs differ:\n{body.decode()}"


def _run(server: Server, test: W3cTest) -> None:
    _reset(server, test)
    g = test.graph
    action = g.value(test.node, MF.action)
    location: str | None = None
    for step, req in enumerate(Collection(g, g.value(action, HT.requests))):  # type: ignore[arg-type]
        method = str(g.value(req, HT.methodName))
        path = str(g.value(req, HT.absolutePath))
        body_node = g.value(req, HT.body)
        body = str(g.value(body_node, CNT.chars)) if body_node is not None else None
        if location is not None:
            path = path.replace("$LOCATION$", location)
            body = body.replace("$LOCATION$", location) if body is not None else None
        status, headers, data = _request(
            server,
            method,
            _map_path(path),
            body=body.encode("utf-8") if body is not None else None,
            headers=_headers(g, req),
        )
        response = g.value(req, HT.resp)
        _check_response(g, response, status, headers, data, f"request {step + 1} ({method} {path})")
        if g.value(response, MF.expectedLocation) is not None:
            assert "location" in headers, f"request {step + 1}: no Location header"
            location = headers["location"]


@pytest.mark.parametrize("test", PROTOCOL, ids=[t.iri for t in PROTOCOL])
def test_protocol(server: Server, test: W3cTest) -> None:
    _run(server, test)


@pytest.mark.parametrize("test", GRAPH_STORE, ids=[t.iri for t in GRAPH_STORE])
def test_graph_store_protocol(server: Server, test: W3cTest) -> None:
    _run(server, test)


def test_manifests_hold_every_test(shared_data: Path) -> None:
    """The counts the issue names: 34 protocol tests and 13 Graph Store Protocol tests."""
    assert (len(PROTOCOL), len(GRAPH_STORE)) == (34, 13)
    assert all(t.graph.value(t.node, RDF.type) is not None for t in PROTOCOL + GRAPH_STORE)
