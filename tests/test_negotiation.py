"""Content negotiation for people and programs: /sparql in a browser is the query page, a
program still gets the service description; linked-data IRIs answer plain JSON as JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef

from mofkg.graphstore.namespaces import DEFAULT_IDS
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, fetch, get, running_server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ORG = str(DEFAULT_IDS.id["org/acme"])
SD = "http://www.w3.org/ns/sparql-service-description#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("negotiation")
    store = Store(path)
    store.load(f'<{ORG}> <{LABEL}> "Acme" .'.encode(), graph=ORG + "/graph", format="turtle")
    with running_server(Settings(store=path), store=store) as srv:
        yield srv


@pytest.mark.parametrize("accept", ["text/html", BROWSER])
def test_sparql_in_a_browser_is_the_query_page(server: Server, accept: str) -> None:
    """It was 406 (text/html) or the service description as RDF/XML (a browser's header)."""
    reply = get(server.sparql, headers={"Accept": accept})
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    assert 'id="query-form"' in reply.text
    assert reply.text == get(server.url + "/query", headers={"Accept": accept}).text
    head = fetch("HEAD", server.sparql, headers={"Accept": accept})
    assert (head.status_code, head.content) == (200, b"")


def test_the_navigation_s_sparql_link_leads_to_a_page(server: Server) -> None:
    home = get(server.url + "/query", headers={"Accept": BROWSER}).text
    link = re.search(r'<a href="([^"]+)">SPARQL endpoint</a>', home)
    assert link is not None
    reply = get(server.url + link.group(1), headers={"Accept": BROWSER})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        (None, "turtle"),
        ("*/*", "turtle"),
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("text/html;q=0.5, text/turtle", "turtle"),
    ],
)
def test_programs_still_get_the_service_description(
    server: Server, accept: str | None, rdflib_format: str
) -> None:
    reply = get(server.sparql, headers={"Accept": accept} if accept else {})
    assert reply.status_code == 200
    g = Graph().parse(data=reply.content, format=rdflib_format)
    assert (None, URIRef(SD + "endpoint"), URIRef(server.sparql)) in g


def test_sparql_with_a_format_names_the_description_s_format(server: Server) -> None:
    """format= on /sparql without a query picks the description's format (it was ignored)."""
    reply = get(server.sparql, params={"format": "nt"}, headers={"Accept": BROWSER})
    assert reply.headers["Content-Type"] == "application/n-triples"


@pytest.mark.parametrize("path", ["/id/org/acme", "/doc/org/acme"])
def test_a_resource_asked_for_as_json_is_json_ld(server: Server, path: str) -> None:
    """Accept: application/json was 406 on /id/ and /doc/."""
    reply = get(server.url + path, headers={"Accept": "application/json"})
    if path.startswith("/id/"):
        assert reply.status_code == 303
        assert reply.headers["Location"].endswith("/doc/org/acme.jsonld")
        reply = get(server.url + reply.headers["Location"], headers={"Accept": "application/json"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"] == "application/ld+json"
    document = json.loads(reply.content)
    assert ORG in json.dumps(document) and "Acme" in json.dumps(document)


@pytest.mark.parametrize(
    ("accept", "not_served"),
    [
        ("text/turtle;q=0, */*", "text/turtle"),
        ("application/rdf+xml;q=0, text/*;q=0.5, */*;q=0.1", "application/rdf+xml"),
    ],
)
def test_q_zero_refuses_a_type_beside_a_wildcard(
    server: Server, accept: str, not_served: str
) -> None:
    """q=0 refuses a type (docs/endpoint.md), but beside */* it was served all the same:
    the wildcard's q-value was taken for it, not its own range's (found by a review)."""
    reply = get(server.url + "/store", params={"graph": ORG + "/graph"}, headers={"Accept": accept})
    assert reply.status_code == 200, reply.text
    assert not reply.headers["Content-Type"].startswith(not_served)
    select = get(
        server.sparql,
        params={"query": "SELECT * { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json;q=0, */*"},
    )
    assert select.status_code == 200
    assert not select.headers["Content-Type"].startswith("application/sparql-results+json")
