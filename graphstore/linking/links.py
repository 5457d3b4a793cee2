"""The links graph: accepted links, candidates and curators' decisions, in SSSOM's RDF terms.

A mapping is an ``owl:Axiom`` whose ``owl:annotatedSource``, ``owl:annotatedProperty`` and
``owl:annotatedTarget`` are SSSOM's ``subject_id``, ``predicate_id`` and ``object_id``, with
``sssom:mapping_justification`` (a SEMAPV term), ``sssom:confidence``, ``dct:created``
(``mapping_date``), ``rdfs:comment`` (the evidence), ``sssom:mapping_tool`` and
``sssom:predicate_modifier "Not"`` for a rejection: the terms ``sssom``'s own RDF writer uses.
Each mapping has an IRI made of its subject and object, so a run replaces, never duplicates.

- accepted: the mapping, and the link itself, ``skos:exactMatch`` (``owl:sameAs`` only
  where a curator's decision says so);
- candidate: the mapping only (its confidence is below the threshold, or it has rivals);
- rejected (by a curator): never linked again; the decision stays in the curation graph.

The run is a ``prov:Activity`` (start, end, the endpoint, each query as a ``prov:Entity``
with its text as ``prov:value``); every mapping was ``prov:wasGeneratedBy`` it and is
``prov:wasDerivedFrom`` the queries whose answers hold its evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS, XSD

from .. import __version__
from ..namespaces import LINK_CURATION_GRAPH, SEMAPV, SSSOM, WIKIDATA_LINKS_GRAPH
from ..store.embedded import Store
from .client import PROJECT_URL
from .matching import Match

Decision = Literal["accepted", "rejected"]
TOOL = f"mofkg {__version__}"
CC0 = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")


@dataclass(frozen=True)
class Curation:
    """A curator's word on one mapping."""

    subject: str
    object: str
    decision: Decision
    predicate: str = str(SKOS.exactMatch)  # or owl:sameAs
    comment: str = ""


def mapping_iri(graph: str, subject: str, obj: str) -> URIRef:
    """The mapping's IRI: one per subject and object, whatever the run."""
    digest = hashlib.sha256(f"{subject} {obj}".encode()).hexdigest()[:20]
    return URIRef(f"{graph}/mapping/{digest}")


def read_curations(store: Store) -> dict[tuple[str, str], Curation]:
    """The curators' decisions kept in the store (``mofkg import mappings``)."""
    rows = store.select(
        f"""SELECT ?s ?p ?o ?not ?c WHERE {{ GRAPH <{LINK_CURATION_GRAPH}> {{
          ?m a <{OWL.Axiom}> ; <{OWL.annotatedSource}> ?s ; <{OWL.annotatedProperty}> ?p ;
             <{OWL.annotatedTarget}> ?o .
          OPTIONAL {{ ?m <{SSSOM.predicate_modifier}> ?not }}
          OPTIONAL {{ ?m <{RDFS.comment}> ?c }} }} }}"""
    )
    found = {}
    for row in rows:
        decision: Decision = "rejected" if str(row.get("not", "")) == "Not" else "accepted"
        key = (str(row["s"]), str(row["o"]))
        found[key] = Curation(key[0], key[1], decision, str(row["p"]), str(row.get("c", "")))
    return found


def curation_graph(curations: Iterable[Curation]) -> Graph:
    """The curation graph holding these decisions."""
    graph = Graph()
    today = RdfLiteral(datetime.now(UTC).date().isoformat(), datatype=XSD.date)
    for c in curations:
        node = mapping_iri(str(LINK_CURATION_GRAPH), c.subject, c.object)
        graph.add((node, RDF.type, OWL.Axiom))
        graph.add((node, OWL.annotatedSource, URIRef(c.subject)))
        graph.add((node, OWL.annotatedProperty, URIRef(c.predicate)))
        graph.add((node, OWL.annotatedTarget, URIRef(c.object)))
        graph.add((node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
        graph.add((node, DCTERMS.created, today))
        if c.decision == "rejected":
            graph.add((node, SSSOM.predicate_modifier, RdfLiteral("Not")))
        if c.comment:
            graph.add((node, RDFS.comment, RdfLiteral(c.comment)))
    return graph


@dataclass
class RunRecord:
    """What the run did, for its provenance."""

    endpoint: str
    queries: list[str]
    started: datetime
    ended: datetime


def links_graph(
    matches: list[Match],
    curations: dict[tuple[str, str], Curation],
    run: RunRecord,
) -> Graph:
    """The whole links graph of one run: links, mappings, decisions honoured, provenance."""
    graph = Graph()
    name = str(WIKIDATA_LINKS_GRAPH)
    activity = URIRef(f"{name}/run")
    graph.add((URIRef(name), RDF.type, SSSOM.MappingSet))
    graph.add((URIRef(name), SSSOM.mapping_set_id, RdfLiteral(name, datatype=XSD.anyURI)))
    graph.add((URIRef(name), DCTERMS.license, CC0))
    graph.add((URIRef(name), SSSOM.mapping_tool, RdfLiteral(TOOL)))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add(
        (activity, PROV.startedAtTime, RdfLiteral(run.started.isoformat(), datatype=XSD.dateTime))
    )
    graph.add(
        (activity, PROV.endedAtTime, RdfLiteral(run.ended.isoformat(), datatype=XSD.dateTime))
    )
    agent = URIRef(PROJECT_URL)
    graph.add((activity, PROV.wasAssociatedWith, agent))
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, RDFS.label, RdfLiteral(TOOL)))
    graph.add((activity, PROV.used, URIRef(run.endpoint)))
    for number, text in enumerate(run.queries, 1):
        query = URIRef(f"{name}/run/query/{number}")
        graph.add((activity, PROV.used, query))
        graph.add((query, RDF.type, PROV.Entity))
        graph.add((query, PROV.value, RdfLiteral(text)))
        graph.add((query, PROV.atLocation, URIRef(run.endpoint)))
    day = RdfLiteral(run.ended.date().isoformat(), datatype=XSD.date)
    seen: set[tuple[str, str]] = set()
    for match in matches:
        key = (match.entity.iri, match.item_iri)
        seen.add(key)
        curation = curations.get(key)
        if curation is not None and curation.decision == "rejected":
            continue
        node = _mapping(graph, name, match.entity.iri, match.item_iri, activity, day)
        predicate = URIRef(curation.predicate) if curation else SKOS.exactMatch
        graph.add((node, OWL.annotatedProperty, predicate))
        justification = SEMAPV.ManualMappingCuration if curation else SEMAPV[match.justification()]
        graph.add((node, SSSOM.mapping_justification, justification))
        graph.add((node, SSSOM.confidence, RdfLiteral(match.score, datatype=XSD.double)))
        for number in sorted({e.query for e in match.evidence if e.query}):
            graph.add((node, PROV.wasDerivedFrom, URIRef(f"{name}/run/query/{number}")))
        evidence = "; ".join(e.text() for e in match.evidence)
        status = "accepted" if match.accepted or curation else "candidate"
        comment = f"{status}: {evidence}" + (f" ({match.note})" if match.note else "")
        graph.add((node, RDFS.comment, RdfLiteral(comment)))
        if match.entity.label:
            graph.add((node, SSSOM.subject_label, RdfLiteral(match.entity.label)))
        graph.add((node, SSSOM.subject_category, RdfLiteral(match.entity.kind)))
        if match.item_label:
            graph.add((node, SSSOM.object_label, RdfLiteral(match.item_label)))
        if status == "accepted":
            graph.add((URIRef(match.entity.iri), predicate, URIRef(match.item_iri)))
    # A curator's acceptance stands even when this run did not find the item again.
    for key, curation in sorted(curations.items()):
        if key in seen or curation.decision != "accepted":
            continue
        node = _mapping(graph, name, key[0], key[1], activity, day)
        graph.add((node, OWL.annotatedProperty, URIRef(curation.predicate)))
        graph.add((node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
        graph.add((node, RDFS.comment, RdfLiteral("accepted by a curator")))
        graph.add((URIRef(key[0]), URIRef(curation.predicate), URIRef(key[1])))
    return graph


def _mapping(
    graph: Graph, name: str, subject: str, obj: str, activity: URIRef, day: RdfLiteral
) -> URIRef:
    node = mapping_iri(name, subject, obj)
    graph.add((URIRef(name), SSSOM.mappings, node))
    graph.add((node, RDF.type, OWL.Axiom))
    graph.add((node, OWL.annotatedSource, URIRef(subject)))
    graph.add((node, OWL.annotatedTarget, URIRef(obj)))
    graph.add((node, DCTERMS.created, day))
    graph.add((node, SSSOM.mapping_tool, RdfLiteral(TOOL)))
    graph.add((node, PROV.wasGeneratedBy, activity))
    return node
