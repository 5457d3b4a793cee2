"""The SPARQL 1.1 Service Description of ``/sparql``, built with Oxigraph and kept until a write.

It lists every named graph with its size (``void:triples``), which takes a scan of the
store: about 1.4 s at 10,000 models (20,000 graphs). So a description, once serialised, is
kept per endpoint URL and format in :attr:`mofkg.api.server.state.Endpoint.descriptions`, which
:meth:`mofkg.api.server.state.Endpoint.writing` empties after every write.
"""

from __future__ import annotations

import pyoxigraph as ox

from mofkg.graphstore.namespaces import PREFIXES, SD
from mofkg.graphstore.rdfio.formats import RdfFormat

from ..server.state import Endpoint
from .negotiation import GRAPH_FORMAT_IRIS, RESULT_FORMATS

#: Descriptions kept at most (endpoint URLs times formats).
MAX_KEPT = 16

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID = "http://rdfs.org/ns/void#"
_VOID_TRIPLES = ox.NamedNode(_VOID + "triples")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def void_url(endpoint_url: str) -> str:
    """Where the VoID description is, beside the endpoint.

    >>> void_url("http://127.0.0.1:8000/sparql")
    'http://127.0.0.1:8000/.well-known/void'
    """
    return endpoint_url.rsplit("/", 1)[0] + "/.well-known/void"


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(SD[name]))


def describe(state: Endpoint, endpoint_url: str) -> list[ox.Triple]:
    """The description's triples: the service, its features and formats, and its dataset."""
    service, dataset, default_graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    if state.settings.service_allow:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for iri in [f.format_iri for f in RESULT_FORMATS] + list(GRAPH_FORMAT_IRIS.values()):
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(iri)))
    triples += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, _RDF_TYPE, _sd("Graph")),
        # The VoID description: the dataset's dumps, subsets and links.
        ox.Triple(dataset, _SEE_ALSO, ox.NamedNode(void_url(endpoint_url))),
    ]
    for name, size in state.store.graph_sizes().items():
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, _RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, _RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, _VOID_TRIPLES, ox.Literal(str(size), datatype=_XSD_INTEGER)),
        ]
    return triples


def description(state: Endpoint, endpoint_url: str, fmt: RdfFormat) -> bytes:
    """The description serialised in ``fmt``, from the cache when no write came since."""
    key = (endpoint_url, fmt.name)
    body = state.descriptions.get(key)
    if body is None:
        prefixes = None
        if fmt.name in ("turtle", "rdfxml"):
            prefixes = {p: PREFIXES[p] for p in ("sd", "rdf", "rdfs", "xsd")}
            prefixes["void"] = _VOID
        triples = describe(state, endpoint_url)
        body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
        if len(state.descriptions) >= MAX_KEPT:
            # The endpoint URL comes from the Host header: a client sending many must not
            # make the cache grow without bound.
            state.descriptions.clear()
        state.descriptions[key] = body
    return body
