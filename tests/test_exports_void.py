"""/.well-known/void over real HTTP: the dataset, a subset per named graph with its size and
dump, linksets to Wikidata / SPDX / Hugging Face with their counts, the licence; and the
SPARQL service description's link to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from mofkg.graphstore.namespaces import DEMO_GRAPH
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .server import Server, fetch, get, running_server

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SKOS_MATCH = URIRef("http://www.w3.org/2004/02/skos/core#exactMatch")
HF_PAGE = URIRef("https://w3id.org/mofkg/ontology#huggingFacePage")
TOKEN = "void-test-token"
LINKS = "https://w3id.org/mofkg/graph/links"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("store")
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    # Two Wikidata links, as a links graph holds them.
    store.update(
        f"INSERT DATA {{ GRAPH <{LINKS}> {{ "
        "<https://w3id.org/mofkg/id/model/OLMo-7B> skos:exactMatch "
        "<http://www.wikidata.org/entity/Q124377398> . "
        "<https://w3id.org/mofkg/id/org/AllenAI> skos:exactMatch "
        "<http://www.wikidata.org/entity/Q4731227> . } }"
    )
    settings = Settings(store=folder, update_token=TOKEN, data_licence="CC-BY-4.0")
    with running_server(settings, store=store) as running:
        yield running


@pytest.fixture(scope="module")
def void(server: Server) -> Graph:
    reply = get(server.url + "/.well-known/void")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=reply.content, format="turtle")


def dataset(server: Server) -> URIRef:
    return URIRef(server.url + "/.well-known/void#mofkg")


def linkset_count(g: Graph, target: str, predicate: URIRef) -> int:
    found = [
        int(g.value(ls, VOID.triples))
        for ls in g.subjects(RDF.type, VOID.Linkset)
        if g.value(ls, VOID.objectsTarget) == URIRef(target)
        and g.value(ls, VOID.linkPredicate) == predicate
    ]
    assert len(found) == 1, (target, predicate)
    return found[0]


def test_the_dataset_and_where_to_get_it(server: Server, void: Graph) -> None:
    ds = dataset(server)
    assert (ds, RDF.type, VOID.Dataset) in void
    assert void.value(ds, VOID.sparqlEndpoint) == URIRef(server.url + "/sparql")
    assert void.value(ds, VOID.dataDump) == URIRef(server.url + "/dumps/mofkg.nq.gz")
    assert void.value(ds, DCTERMS.license) == URIRef("http://spdx.org/licenses/CC-BY-4.0")
    assert server.store is not None
    assert void.value(ds, VOID.triples) == Literal(len(server.store), datatype=XSD.integer)
    assert void.value(ds, VOID.rootResource) == URIRef("https://w3id.org/mofkg/id/catalog")
    assert void.value(ds, RDFS.seeAlso) == URIRef(server.url + "/catalog")


def test_a_subset_per_named_graph(server: Server, void: Graph) -> None:
    assert server.store is not None
    ds = dataset(server)
    subsets = set(void.objects(ds, VOID.subset))
    for name, size in server.store.graph_sizes().items():
        graph = URIRef(name)
        assert graph in subsets
        assert int(void.value(graph, VOID.triples)) == size
    dump = str(void.value(URIRef(str(DEMO_GRAPH)), VOID.dataDump))
    assert dump.startswith(server.url + "/dumps/graph.nt.gz?graph=")
    assert get(dump).status_code == 200  # the dump it names is there


def test_linksets_count_links_by_target(server: Server, void: Graph) -> None:
    assert server.store is not None
    assert linkset_count(void, "https://www.wikidata.org/", SKOS_MATCH) == 2
    hf_pages = len(server.store.select("SELECT ?m ?p WHERE { ?m mof:huggingFacePage ?p }"))
    assert hf_pages == 17
    assert linkset_count(void, "https://huggingface.co/", HF_PAGE) == hf_pages
    licences = len(
        server.store.select(
            "SELECT DISTINCT ?m ?l WHERE { ?m mof:distributionLicence ?l "
            "FILTER(STRSTARTS(STR(?l), 'http://spdx.org/licenses/')) }"
        )
    )
    assert (
        linkset_count(
            void,
            "https://spdx.org/licenses/",
            URIRef("https://w3id.org/mofkg/ontology#distributionLicence"),
        )
        == licences
    )
    wikidata = URIRef("https://www.wikidata.org/")
    assert void.value(wikidata, VOID.uriSpace) == Literal("http://www.wikidata.org/entity/")


def current(server: Server) -> Graph:
    return Graph().parse(data=get(server.url + "/.well-known/void").content, format="turtle")


def test_the_description_follows_writes(server: Server) -> None:
    before = linkset_count(current(server), "https://www.wikidata.org/", SKOS_MATCH)
    extra = server.graph_store + "?graph=" + quote(LINKS + "-extra", safe="")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    reply = fetch(
        "PUT",
        extra,
        data=b"<https://w3id.org/mofkg/id/model/Amber> <http://www.w3.org/2004/02/skos/core"
        b"#exactMatch> <http://www.wikidata.org/entity/Q1> .",
        headers={"Content-Type": "application/n-triples", **auth},
    )
    assert reply.status_code in (201, 204), reply.text
    assert linkset_count(current(server), "https://www.wikidata.org/", SKOS_MATCH) == before + 1
    assert fetch("DELETE", extra, headers=auth).status_code in (200, 204)
    assert linkset_count(current(server), "https://www.wikidata.org/", SKOS_MATCH) == before


def test_void_negotiates_rdf(server: Server) -> None:
    reply = get(server.url + "/.well-known/void", headers={"Accept": "application/n-triples"})
    assert reply.headers["Content-Type"] == "application/n-triples"
    g = Graph().parse(data=reply.content, format="nt")
    assert (dataset(server), RDF.type, VOID.Dataset) in g
    refused = get(server.url + "/.well-known/void", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_the_service_description_links_to_void(server: Server) -> None:
    reply = get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=reply.content, format="turtle")
    default = g.value(g.value(predicate=RDF.type, object=SD.Service), SD.defaultDataset)
    assert g.value(default, RDFS.seeAlso) == URIRef(server.url + "/.well-known/void")


def test_the_catalogue_states_the_data_licence(server: Server) -> None:
    g = Graph().parse(data=get(server.url + "/catalog.nt").content, format="nt")
    licence = URIRef("http://spdx.org/licenses/CC-BY-4.0")
    assert (URIRef("https://w3id.org/mofkg/id/catalog"), DCTERMS.license, licence) in g
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in g


def test_a_data_licence_no_iri_can_hold_is_refused() -> None:
    from mofkg.graphstore.errors import SettingsError

    with pytest.raises(SettingsError, match="data_licence must be an SPDX licence id"):
        Settings(data_licence="CC BY 4.0")
