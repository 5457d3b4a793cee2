"""The reconciliation graph: SSSOM mappings as RDF, and what each entity is reconciled as.

The mappings take the RDF form SSSOM gives them (sssom-py's ``to_rdf_graph``): the graph
``graph:reconciliation`` is an ``sssom:MappingSet`` whose ``sssom:mappings`` are ``owl:Axiom``
nodes with ``owl:annotatedSource``/``owl:annotatedProperty``/``owl:annotatedTarget`` and the
SSSOM slots (``sssom:mapping_justification``, ``sssom:confidence``, ``sssom:match_string`` ...).
Mapping nodes are IRIs, ``id:mapping/<hash of subject and object>``, so a page can link one.
Beside them: ``?e mof:reconciledAs ?canonical`` for every entity, and ``?s skos:exactMatch ?o``
for each merged match.
"""

from __future__ import annotations

import hashlib
from datetime import date

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from ..namespaces import DCT, GRAPH, MOF, Ids
from .matching import EVIDENCE, Match, Outcome

SSSOM = Namespace("https://w3id.org/sssom/")
RECONCILIATION_GRAPH = GRAPH["reconciliation"]
MAPPING_TOOL = "mofkg reconcile"
#: The mapping set's licence: mappings are facts about identifiers (CC0).
MAPPING_LICENCE = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")


def family_source(family: str) -> URIRef:
    """The IRI SSSOM's ``subject_source``/``object_source`` give for a source family."""
    return URIRef(f"{GRAPH}source/{family}")


def mapping_iri(ids: Ids, subject: str, obj: str) -> URIRef:
    digest = hashlib.sha1(f"{subject} {obj}".encode()).hexdigest()[:16]
    return ids.id[f"mapping/{digest}"]


def mapping_graph(outcome: Outcome, *, ids: Ids) -> Graph:
    """The reconciliation graph of one run."""
    g = Graph()
    mapping_set = RECONCILIATION_GRAPH
    g.add((mapping_set, RDF.type, SSSOM.MappingSet))
    g.add((mapping_set, SSSOM.mapping_set_id, Literal(str(mapping_set), datatype=XSD.anyURI)))
    g.add((mapping_set, DCT.license, MAPPING_LICENCE))
    g.add((mapping_set, SSSOM.mapping_tool, Literal(MAPPING_TOOL)))
    g.add((mapping_set, SSSOM.mapping_date, Literal(date.today())))
    for match in outcome.matches:
        node = mapping_iri(ids, match.subject.iri, match.object.iri)
        g.add((mapping_set, SSSOM.mappings, node))
        _mapping(g, node, match)
        if match.merged:
            g.add((URIRef(match.subject.iri), SKOS.exactMatch, URIRef(match.object.iri)))
    for entity, canonical in outcome.clusters.items():
        g.add((URIRef(entity), MOF.reconciledAs, URIRef(canonical)))
    return g


def _mapping(g: Graph, node: URIRef, match: Match) -> None:
    s, o = URIRef(match.subject.iri), URIRef(match.object.iri)
    rejected = match.rejected
    predicate = SKOS.exactMatch if match.merged or match.manual or rejected else SKOS.closeMatch
    g.add((node, RDF.type, OWL.Axiom))
    g.add((node, OWL.annotatedSource, s))
    g.add((node, OWL.annotatedProperty, predicate))
    g.add((node, OWL.annotatedTarget, o))
    if rejected:
        g.add((node, SSSOM.predicate_modifier, Literal("Not")))
    g.add((node, SSSOM.mapping_justification, URIRef(match.justification)))
    g.add((node, SSSOM.confidence, Literal(match.confidence, datatype=XSD.double)))
    g.add((node, SSSOM.subject_label, Literal(match.subject.label)))
    g.add((node, SSSOM.object_label, Literal(match.object.label)))
    g.add((node, SSSOM.subject_source, family_source(match.subject.main_family)))
    g.add((node, SSSOM.object_source, family_source(match.object.main_family)))
    for kind in sorted(match.evidence):
        field = URIRef(EVIDENCE[kind][1])
        g.add((node, SSSOM.subject_match_field, field))
        g.add((node, SSSOM.object_match_field, field))
    if match.evidence:
        g.add(
            (
                node,
                SSSOM.match_string,
                Literal(" | ".join(match.evidence[k] for k in sorted(match.evidence))),
            )
        )
    g.add((node, SSSOM.mapping_tool, Literal(MAPPING_TOOL)))
    comment = ", ".join(f"same {k}: {v}" for k, v in sorted(match.evidence.items()))
    if match.manual or match.rejected:
        verdict = "accepted" if match.manual else "rejected"
        comment = "; ".join(filter(None, [f"{verdict} by a curator", comment]))
    if match.note and not match.merged and not match.rejected:
        comment = "; ".join(filter(None, [comment, match.note]))
    g.add((node, RDFS.comment, Literal(comment)))
