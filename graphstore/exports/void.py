"""The VoID description of the store: what it holds, where to query and download it, and
how it links to Wikidata, the SPDX licence list and Hugging Face.

The description names one ``void:Dataset`` (the store) with its SPARQL endpoint, its dump,
its size and licence, and one ``void:subset`` per named graph (its size and its own dump).
Links are counted by the namespace of their object, per predicate: each (target, predicate)
pair is a ``void:Linkset`` with its ``void:triples``.

>>> from mofkg.graphstore.store.embedded import Store
>>> store = Store()
>>> store.update('INSERT DATA { GRAPH <https://e.org/g> { '
...              '<https://e.org/m> <https://e.org/page> <https://huggingface.co/m> } }')
>>> [(c.target.key, c.predicate, c.triples) for c in count_links(store)]
[('huggingface', 'https://e.org/page', 1)]
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox

from ..namespaces import SPDX_LICENCE, WD
from ..store.embedded import Store

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Prefixes of the serialised description.
VOID_PREFIXES = {
    "void": VOID,
    "dct": DCT,
    "foaf": FOAF,
    "formats": FORMATS,
    "xsd": XSD,
    "rdfs": RDFS,
}


@dataclass(frozen=True)
class LinkTarget:
    """A dataset the store links to, known by the namespace of its IRIs."""

    key: str
    title: str
    dataset: str
    namespace: str


LINK_TARGETS: tuple[LinkTarget, ...] = (
    LinkTarget("wikidata", "Wikidata", "https://www.wikidata.org/", str(WD)),
    LinkTarget("spdx", "SPDX License List", "https://spdx.org/licenses/", str(SPDX_LICENCE)),
    LinkTarget(
        "huggingface", "Hugging Face Hub", "https://huggingface.co/", "https://huggingface.co/"
    ),
)


@dataclass(frozen=True)
class LinkCount:
    """How many triples link the store to one target through one predicate."""

    target: LinkTarget
    predicate: str
    triples: int


def _links_query() -> str:
    values = " ".join(f'("{t.key}" "{t.namespace}")' for t in LINK_TARGETS)
    return f"""SELECT ?target ?p (COUNT(*) AS ?n) WHERE {{
      VALUES (?target ?ns) {{ {values} }}
      ?s ?p ?o .
      FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?ns) && !STRSTARTS(STR(?s), ?ns))
    }} GROUP BY ?target ?p ORDER BY ?target ?p"""


def count_links(store: Store) -> list[LinkCount]:
    """The links from the store's resources to each target, per predicate (one scan)."""
    targets = {t.key: t for t in LINK_TARGETS}
    result = store.oxigraph.query(_links_query(), use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    counts = []
    for row in result:
        target, predicate, n = row["target"], row["p"], row["n"]
        assert target is not None and predicate is not None and n is not None
        counts.append(LinkCount(targets[target.value], predicate.value, int(n.value)))
    return counts


@dataclass(frozen=True)
class Site:
    """Where the service answers: the URLs the description points to."""

    root: str  # the server's URL, ending with "/"

    @property
    def description(self) -> str:
        return self.root + ".well-known/void"

    @property
    def dataset(self) -> str:
        return self.description + "#mofkg"

    @property
    def catalog(self) -> str:
        return self.root + "catalog"

    @property
    def sparql(self) -> str:
        return self.root + "sparql"

    @property
    def whole_dump(self) -> str:
        return self.root + "dumps/mofkg.nq.gz"

    def graph_dump(self, graph: str) -> str:
        return self.root + "dumps/graph.nt.gz?" + urlencode({"graph": graph})


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_iri(XSD + "integer"))


def void_triples(
    site: Site,
    *,
    graph_sizes: dict[str, int],
    links: list[LinkCount],
    base_iri: str,
    licence: str | None,
    modified: datetime.datetime,
    catalog: str | None = None,
) -> list[ox.Triple]:
    """The VoID description's triples; ``catalog`` is the DCAT catalogue's IRI, the root
    resource from which its models and datasets are reached."""
    ds = _iri(site.dataset)
    triples = [
        ox.Triple(ds, RDF_TYPE, _iri(VOID + "Dataset")),
        ox.Triple(ds, _iri(DCT + "title"), ox.Literal("mofkg", language="en")),
        ox.Triple(
            ds,
            _iri(DCT + "description"),
            ox.Literal(
                "The knowledge graph of the Generative AI Commons: models, components, "
                "datasets, licences and their openness under the Model Openness Framework.",
                language="en",
            ),
        ),
        ox.Triple(ds, _iri(FOAF + "homepage"), _iri(site.root)),
        ox.Triple(ds, _iri(VOID + "sparqlEndpoint"), _iri(site.sparql)),
        ox.Triple(ds, _iri(VOID + "dataDump"), _iri(site.whole_dump)),
        ox.Triple(ds, _iri(VOID + "feature"), _iri(FORMATS + "N-Quads")),
        ox.Triple(ds, _iri(VOID + "uriSpace"), ox.Literal(base_iri.rstrip("/") + "/id/")),
        ox.Triple(ds, _iri(VOID + "triples"), _integer(sum(graph_sizes.values()))),
        ox.Triple(
            ds,
            _iri(DCT + "modified"),
            ox.Literal(modified.isoformat(), datatype=_iri(XSD + "dateTime")),
        ),
    ]
    if licence is not None:
        triples.append(ox.Triple(ds, _iri(DCT + "license"), _iri(licence)))
    if catalog is not None:
        triples += [
            ox.Triple(ds, _iri(VOID + "rootResource"), _iri(catalog)),
            ox.Triple(ds, _iri(RDFS + "seeAlso"), _iri(site.catalog)),
        ]
    for graph, size in graph_sizes.items():
        subset = _iri(graph)
        triples += [
            ox.Triple(ds, _iri(VOID + "subset"), subset),
            ox.Triple(subset, RDF_TYPE, _iri(VOID + "Dataset")),
            ox.Triple(subset, _iri(VOID + "triples"), _integer(size)),
            ox.Triple(subset, _iri(VOID + "dataDump"), _iri(site.graph_dump(graph))),
            ox.Triple(subset, _iri(VOID + "feature"), _iri(FORMATS + "N-Triples")),
        ]
    described: set[str] = set()
    for number, link in enumerate(links, start=1):
        linkset = _iri(f"{site.description}#links-{link.target.key}-{number}")
        target = _iri(link.target.dataset)
        triples += [
            ox.Triple(ds, _iri(VOID + "subset"), linkset),
            ox.Triple(linkset, RDF_TYPE, _iri(VOID + "Linkset")),
            ox.Triple(linkset, _iri(VOID + "subjectsTarget"), ds),
            ox.Triple(linkset, _iri(VOID + "objectsTarget"), target),
            ox.Triple(linkset, _iri(VOID + "linkPredicate"), _iri(link.predicate)),
            ox.Triple(linkset, _iri(VOID + "triples"), _integer(link.triples)),
        ]
        if link.target.key not in described:
            described.add(link.target.key)
            triples += [
                ox.Triple(target, RDF_TYPE, _iri(VOID + "Dataset")),
                ox.Triple(target, _iri(DCT + "title"), ox.Literal(link.target.title)),
                ox.Triple(target, _iri(FOAF + "homepage"), target),
                ox.Triple(target, _iri(VOID + "uriSpace"), ox.Literal(link.target.namespace)),
            ]
    return triples
