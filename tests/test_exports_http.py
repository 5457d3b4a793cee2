"""The exports over real HTTP: /catalog (content negotiated), on a served demo store."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .server import Server, fetch, get, running_server

DCAT = Namespace("http://www.w3.org/ns/dcat#")
IT6 = Namespace("http://data.europa.eu/it6/")
ID = Namespace("https://w3id.org/mofkg/id/")
TOKEN = "exports-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSONLD_WARNING = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("store")
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    settings = Settings(store=folder, update_token=TOKEN)
    with running_server(settings, store=store) as running:
        yield running


@pytest.mark.filterwarnings(JSONLD_WARNING)
@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_catalog_negotiates_rdf(
    server: Server, accept: str, media_type: str, rdflib_format: str
) -> None:
    reply = get(server.url + "/catalog", headers={"Accept": accept})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == media_type
    assert reply.headers["Vary"] == "Accept"
    assert "MLDCAT-AP/releases/3.1.0" in reply.headers["Link"]
    g = Graph().parse(data=reply.content, format=rdflib_format)
    assert (ID["model/OLMo-7B"], RDF.type, IT6.MachineLearningModel) in g
    assert (ID["catalog"], RDF.type, DCAT.Catalog) in g


def test_catalog_for_a_browser_is_a_page_of_links(server: Server) -> None:
    reply = get(server.url + "/catalog", headers={"Accept": "text/html"})
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/html")
    page = reply.text
    assert '<a href="/id/model/OLMo-7B">OLMo-7B</a> <span class="type-badge">model' in page
    assert '<a href="/id/dataset/Dolma">Dolma</a> <span class="type-badge">dataset' in page
    assert 'href="/catalog.ttl?profile=mldcat-ap"' in page


def test_catalog_by_extension_and_profile(server: Server) -> None:
    reply = get(server.url + "/catalog.nt?profile=dcat-ap")
    assert reply.status_code == 200
    g = Graph().parse(data=reply.content, format="nt")
    assert (ID["model/OLMo-7B"], RDF.type, DCAT.Dataset) in g
    assert (ID["catalog"], DCAT.dataset, ID["model/OLMo-7B"]) in g
    assert (None, RDF.type, IT6.MachineLearningModel) not in g


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/catalog?profile=croissant", 400, "no export profile 'croissant'"),
        ("/catalog.png", 404, "no catalogue format .png"),
    ],
)
def test_catalog_bad_requests_say_why(server: Server, path: str, status: int, words: str) -> None:
    reply = get(server.url + path, headers={"Accept": "application/json"})
    assert reply.status_code == status
    assert words in html.unescape(reply.text)


def test_catalog_refuses_what_it_cannot_offer(server: Server) -> None:
    reply = fetch("GET", server.url + "/catalog", headers={"Accept": "image/png"})
    assert reply.status_code == 406


def test_catalog_follows_a_write(server: Server) -> None:
    first = get(server.url + "/catalog.nt")
    before, etag = first.content, first.headers["ETag"]
    assert b"model/Brand-New" not in before
    unchanged = get(server.url + "/catalog.nt", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    reply = fetch(
        "PUT",
        server.graph_store + "?graph=https://w3id.org/mofkg/graph/t",
        data=b"<https://w3id.org/mofkg/id/model/Brand-New> "
        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/mofkg/ontology#Model> .",
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert reply.status_code in (201, 204), reply.text
    changed = get(server.url + "/catalog.nt", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    after = changed.content
    assert b"<https://w3id.org/mofkg/id/model/Brand-New> <http://purl.org/dc/terms/title>" in after
