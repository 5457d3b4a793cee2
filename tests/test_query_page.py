"""The query page's requests, without a browser: what query.js asks /sparql for each query
form is answered, and the page's Turtle link downloads the graph a CONSTRUCT builds."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.namespaces import DEFAULT_IDS, SCHEMA
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, get, running_server

SCRIPT = Path(__file__).resolve().parents[1] / "api" / "static" / "query.js"
CONSTRUCT = "CONSTRUCT { ?m schema:name ?name } WHERE { ?m a mof:Model ; schema:name ?name }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("query-page")
    store = Store(path)
    initialise(store, Settings(), demo=True)
    write_assessments(store, assess_models(store))
    with running_server(Settings(store=path), store=store) as srv:
        yield srv


def run_accept() -> str:
    """The Accept header query.js sends when it runs a query (read from the script)."""
    script = SCRIPT.read_text()
    assert 'var RUN_ACCEPT = TYPES.json + ", " + NTRIPLES + ";q=0.9";' in script
    return "application/sparql-results+json, application/n-triples;q=0.9"


@pytest.mark.parametrize(
    ("query", "media_type"),
    [
        ("SELECT ?m WHERE { ?m a mof:Model } LIMIT 2", "application/sparql-results+json"),
        ("ASK { ?m a mof:Model }", "application/sparql-results+json"),
        (CONSTRUCT, "application/n-triples"),
        (f"DESCRIBE <{DEFAULT_IDS.model('Amber')}>", "application/n-triples"),
    ],
)
def test_the_page_accept_header_gets_every_query_form(
    server: Server, query: str, media_type: str
) -> None:
    reply = get(server.sparql, params={"query": query}, headers={"Accept": run_accept()})
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].split(";")[0] == media_type


def test_the_turtle_link_downloads_the_constructed_graph(server: Server) -> None:
    page = get(server.url + "/query", params={"query": CONSTRUCT})
    assert page.status_code == 200
    href = re.search(r'href="([^"]+)" id="download-turtle"', page.text)
    assert href is not None
    link = html.unescape(href.group(1))
    assert link.endswith("&format=turtle")
    reply = get(server.url + link)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=reply.text, format="turtle")
    assert len(graph) > 12 and all(p == SCHEMA.name for _, p, _ in graph)
