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

import pyoxigraph as ox
from rdflib import Namespace, URIRef
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


class _Lines:
    """N-Triples lines built from pyoxigraph terms (their text is N-Triples): at 100,000
    entities this is linear where an rdflib graph's bookkeeping was not."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.lines.append(f"<{s}> <{p}> {o} .\n")

    def iri(self, s: str, p: str, o: str) -> None:
        self.add(s, p, ox.NamedNode(o))

    def text(self, s: str, p: str, value: str, datatype: str | None = None) -> None:
        kind = None if datatype is None else ox.NamedNode(datatype)
        self.add(s, p, ox.Literal(value, datatype=kind))


def mapping_ntriples(outcome: Outcome, *, ids: Ids) -> list[str]:
    """The reconciliation graph of one run, as N-Triples lines."""
    out = _Lines()
    mapping_set = str(RECONCILIATION_GRAPH)
    out.iri(mapping_set, str(RDF.type), str(SSSOM.MappingSet))
    out.text(mapping_set, str(SSSOM.mapping_set_id), mapping_set, str(XSD.anyURI))
    out.iri(mapping_set, str(DCT.license), str(MAPPING_LICENCE))
    out.text(mapping_set, str(SSSOM.mapping_tool), MAPPING_TOOL)
    out.text(mapping_set, str(SSSOM.mapping_date), date.today().isoformat(), str(XSD.date))
    for match in outcome.matches:
        node = str(mapping_iri(ids, match.subject.iri, match.object.iri))
        out.iri(mapping_set, str(SSSOM.mappings), node)
        _mapping(out, node, match)
        if match.merged:
            out.iri(match.subject.iri, str(SKOS.exactMatch), match.object.iri)
    reconciled = str(MOF.reconciledAs)
    for entity, canonical in outcome.clusters.items():
        out.iri(entity, reconciled, canonical)
    return out.lines


def _mapping(out: _Lines, node: str, match: Match) -> None:
    predicate = (
        SKOS.exactMatch if match.merged or match.manual or match.rejected else SKOS.closeMatch
    )
    out.iri(node, str(RDF.type), str(OWL.Axiom))
    out.iri(node, str(OWL.annotatedSource), match.subject.iri)
    out.iri(node, str(OWL.annotatedProperty), str(predicate))
    out.iri(node, str(OWL.annotatedTarget), match.object.iri)
    if match.rejected:
        out.text(node, str(SSSOM.predicate_modifier), "Not")
    out.iri(node, str(SSSOM.mapping_justification), match.justification)
    out.text(node, str(SSSOM.confidence), repr(match.confidence), str(XSD.double))
    out.text(node, str(SSSOM.subject_label), match.subject.label)
    out.text(node, str(SSSOM.object_label), match.object.label)
    out.iri(node, str(SSSOM.subject_source), str(family_source(match.subject.main_family)))
    out.iri(node, str(SSSOM.object_source), str(family_source(match.object.main_family)))
    for kind in sorted(match.evidence):
        field = EVIDENCE[kind][1]
        out.iri(node, str(SSSOM.subject_match_field), field)
        out.iri(node, str(SSSOM.object_match_field), field)
    if match.evidence:
        keys = " | ".join(match.evidence[k] for k in sorted(match.evidence))
        out.text(node, str(SSSOM.match_string), keys)
    out.text(node, str(SSSOM.mapping_tool), MAPPING_TOOL)
    comment = ", ".join(f"same {k}: {v}" for k, v in sorted(match.evidence.items()))
    if match.manual or match.rejected:
        verdict = "accepted" if match.manual else "rejected"
        comment = "; ".join(filter(None, [f"{verdict} by a curator", comment]))
    if match.note and not match.merged and not match.rejected:
        comment = "; ".join(filter(None, [comment, match.note]))
    out.text(node, str(RDFS.comment), comment)
