"""The organisations, models, datasets and projects the sources name, read from the store.

Each :class:`Entity` is one IRI with the sources (named graphs) that describe it, its kind, its
names and its links. A source's *family* is what reconciliation keeps apart: ``mot``,
``landscape``, ``osai-index``, ``hf``, ``demo``, or the graph itself for any other loaded file;
two entities of one family are never matched automatically (MOT's records of two releases that
share a name stay two models).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal as Kind

from rdflib.namespace import RDF, RDFS

from ..namespaces import GRAPH, MOF, SCHEMA

EntityKind = Kind["organisation", "model", "dataset", "project"]
KINDS: dict[str, EntityKind] = {
    str(MOF.Organisation): "organisation",
    str(MOF.Model): "model",
    str(MOF.Dataset): "dataset",
    str(MOF.Framework): "project",
    str(MOF.Application): "project",
}
#: Families in the order their IRI is preferred as the one a cluster is reconciled as.
FAMILY_ORDER = ("mot", "demo", "landscape", "osai-index", "hf")
_SOURCE = str(GRAPH) + "source/"
PREDICATES = {
    "type": RDF.type,
    "name": SCHEMA.name,
    "label": RDFS.label,
    "homepage": MOF.homepage,
    "repository": MOF.codeRepository,
    "hf_page": MOF.huggingFacePage,
    "hf_id": MOF.huggingFaceId,
    "crunchbase": MOF.crunchbasePage,
    "linkedin": MOF.linkedInPage,
    "producer": MOF.producer,
}


def family(graph: str) -> str | None:
    """The family of a named graph; None for graphs that are not sources (ontology, ...).

    >>> family("https://w3id.org/mofkg/graph/source/mot/Amber.yml")
    'mot'
    >>> family("https://w3id.org/mofkg/graph/source/osai-index"), family("https://x/g")
    ('osai-index', None)
    """
    if graph == str(GRAPH["demo"]):
        return "demo"
    if not graph.startswith(_SOURCE):
        return None
    rest = graph[len(_SOURCE) :]
    head = rest.split("/", 1)[0]
    return head if head in FAMILY_ORDER else rest


@dataclass
class Entity:
    iri: str
    kind: EntityKind | None = None
    families: set[str] = field(default_factory=set)
    values: dict[str, set[str]] = field(default_factory=dict)

    def get(self, key: str) -> set[str]:
        return self.values.get(key, set())

    @property
    def label(self) -> str:
        for key in ("name", "label", "hf_id"):
            if values := self.get(key):
                return min(values)
        return self.iri.rsplit("/", 1)[-1]

    @property
    def main_family(self) -> str:
        """The family its IRI comes from, by :data:`FAMILY_ORDER`."""
        return min(self.families, key=lambda f: (_order(f), f))

    @property
    def rank(self) -> tuple[int, str]:
        """Lower is preferred as a cluster's IRI: by family, then by IRI."""
        return min(_order(f) for f in self.families), self.iri


def _order(family: str) -> int:
    return FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)


def collect(rows: Iterable[Mapping[str, str]]) -> dict[str, Entity]:
    """Entities from rows of ``?g ?e ?p ?o`` (see :data:`ENTITY_QUERY`)."""
    names = {str(iri): key for key, iri in PREDICATES.items()}
    entities: dict[str, Entity] = {}
    for row in rows:
        fam = family(row["g"])
        if fam is None:
            continue
        entity = entities.get(row["e"])
        if entity is None:
            entity = entities[row["e"]] = Entity(row["e"])
        entity.families.add(fam)
        key = names[row["p"]]
        if key == "type":
            entity.kind = entity.kind or KINDS.get(row["o"])
        else:
            entity.values.setdefault(key, set()).add(row["o"])
    for entity in entities.values():
        if entity.kind is None and (entity.get("hf_id") or entity.get("hf_page")):
            pages = entity.get("hf_page")
            is_dataset = any("huggingface.co/datasets/" in p for p in pages)
            entity.kind = "dataset" if is_dataset else "model"
    return {iri: e for iri, e in entities.items() if e.kind is not None}


ENTITY_QUERY = (
    "SELECT ?g ?e ?p ?o WHERE { GRAPH ?g { ?e ?p ?o } VALUES ?p { "
    + " ".join(f"<{iri}>" for iri in PREDICATES.values())
    + " } FILTER(isIRI(?e)) }"
)
