"""The European Open Source AI Index as RDF: one named graph, ``graph:source/osai-index``.

What :func:`index_graph` writes (``idx:`` is ``<base>id/osai-index/``):

- the Index itself, named by its DOI IRI: a ``dcat:Dataset`` with its title, licence and
  creators; the named graph says ``prov:wasDerivedFrom`` it;
- its dimensions as a SKOS scheme ``idx:dimensions`` (``dct:source`` the DOI), each a
  ``mof:OpennessDimension`` (``skos:notation`` its ref, ``skos:prefLabel`` its name,
  ``skos:definition`` its question, ``dqv:inCategory`` its category, ``mof:appliesToModelType``
  each type it is graded for);
- each record as a ``mof:Model`` ``idx:model/<file name>`` (``mof:sourceRecord`` the file name,
  ``dct:source`` the DOI), with its organisation ``idx:org/<name>`` as ``mof:producer``, its
  types (``mof:modelType``, split at commas), base and end model names, licence text, release
  month, and one ``mof:Grading`` per dimension: ``mof:grade`` (absent when the record leaves it
  empty), ``skos:note`` the Index's notes, ``mof:evidence`` its links;
- links drawn from the record: ``mof:huggingFacePage`` (the system link on huggingface.co, or
  the end model's weights there), ``mof:codeRepository`` (training code on a forge) and
  ``mof:paper`` (preprint and paper links); those from dimensions only where graded open or
  partial.

:func:`index_grades` reads one model's grades and the Index's score back for pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from mofkg.graphstore.importers.osai import (
    GRADES,
    IndexErrors,
    IndexRecord,
    IndexRelease,
    Problem,
    read_index,
)
from mofkg.graphstore.namespaces import DQV, GRAPH, MOF, SCHEMA, Ids, slug, source_graph
from mofkg.graphstore.store.embedded import Store

INDEX_GRAPH = source_graph("osai-index")
GRADE_IRIS = {"open": MOF.GradeOpen, "partial": MOF.GradePartial, "closed": MOF.GradeClosed}
_GRADE_NAMES = {str(iri): name for name, iri in GRADE_IRIS.items()}
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_FORGES = ("https://github.com/", "https://gitlab.com/", "https://codeberg.org/")
_HF_REPO = re.compile(
    r"^https://huggingface\.co/(?!datasets/|collections/|spaces/|papers/)[^/]+/[^/#?]+"
)


def index_namespace(ids: Ids) -> Namespace:
    """``<base>id/osai-index/``: where the Index's models, organisations and dimensions live."""
    return Namespace(ids.base + "id/osai-index/")


def _month(text: str) -> Literal:
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return Literal(text, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return Literal(text, datatype=XSD.date)
    if re.fullmatch(r"\d{4}", text):
        return Literal(text, datatype=XSD.gYear)
    return Literal(text)


def _link(
    graph: Graph, subject: URIRef | BNode, prop: URIRef, text_prop: URIRef, value: str
) -> None:
    if _URL.match(value):
        graph.add((subject, prop, URIRef(value)))
    else:
        graph.add((subject, text_prop, Literal(value)))


def index_graph(release: IndexRelease, *, ids: Ids) -> Graph:
    """The Index's named graph, from what :func:`~mofkg.graphstore.importers.osai.read_index`
    read. Two records whose file names give one IRI are refused (:class:`IndexErrors`)."""
    idx = index_namespace(ids)
    g = Graph()
    doi = URIRef(f"https://doi.org/{release.doi}")
    g.add((INDEX_GRAPH, PROV.wasDerivedFrom, doi))
    g.add((INDEX_GRAPH, PROV.generatedAtTime, Literal(datetime.now(UTC).replace(microsecond=0))))
    g.add((doi, RDF.type, DCAT.Dataset))
    g.add((doi, DCTERMS.identifier, Literal(f"doi:{release.doi}")))
    g.add((doi, DCTERMS.title, Literal(release.title, lang="en")))
    g.add((doi, DCAT.landingPage, URIRef("https://osai-index.eu/")))
    if release.licence:
        g.add((doi, DCTERMS.license, URIRef(f"http://spdx.org/licenses/{release.licence}")))
    for creator in release.creators:
        person = BNode()
        g.add((doi, DCTERMS.creator, person))
        g.add((person, FOAF.name, Literal(creator["name"])))
        if "orcid" in creator:
            g.add((person, RDFS.seeAlso, URIRef(f"https://orcid.org/{creator['orcid']}")))
    scheme = idx["dimensions"]
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add(
        (scheme, RDFS.label, Literal("dimensions of the European Open Source AI Index", lang="en"))
    )
    g.add((scheme, DCTERMS.source, doi))
    dims: dict[str, URIRef] = {}
    for d in release.dimensions:
        dim = dims[d.ref] = idx[f"dimension/{slug(d.ref)}"]
        category = idx[f"category/{slug(d.category)}"]
        g.add((category, RDF.type, MOF.DimensionCategory))
        g.add((category, SKOS.prefLabel, Literal(d.category_name, lang="en")))
        g.add((category, SKOS.notation, Literal(d.category)))
        g.add((dim, RDF.type, MOF.OpennessDimension))
        g.add((dim, SKOS.inScheme, scheme))
        g.add((scheme, SKOS.hasTopConcept, dim))
        g.add((dim, SKOS.notation, Literal(d.ref)))
        g.add((dim, SKOS.prefLabel, Literal(d.name, lang="en")))
        g.add((dim, DQV.inCategory, category))
        g.add((dim, MOF.dimensionOrder, Literal(d.order)))
        if d.description:
            g.add((dim, SKOS.definition, Literal(d.description, lang="en")))
        for t in d.types:
            g.add((dim, MOF.appliesToModelType, Literal(t)))
    problems: list[Problem] = []
    minted: dict[URIRef, str] = {}
    for record in release.records:
        stem = record.file.rsplit(".", 1)[0]
        model = idx[f"model/{slug(stem)}"]
        if model in minted:
            problems.append(
                Problem(record.file, 0, f"gives the IRI {model} that {minted[model]} has")
            )
            continue
        minted[model] = record.file
        _model(g, record, model, idx, dims, doi)
    if problems:
        raise IndexErrors(problems)
    return g


def _model(
    g: Graph,
    record: IndexRecord,
    model: URIRef,
    idx: Namespace,
    dims: dict[str, URIRef],
    doi: URIRef,
) -> None:
    system, org_fields = record.system, record.org
    g.add((model, RDF.type, MOF.Model))
    g.add((model, SCHEMA.name, Literal(system["name"])))
    g.add((model, MOF.sourceRecord, Literal(record.file)))
    g.add((model, DCTERMS.source, doi))
    for t in record.types:
        g.add((model, MOF.modelType, Literal(t)))
    for key, prop in (
        ("performanceclass", MOF.performanceClass),
        ("basemodelname", MOF.baseModelName),
        ("endmodelname", MOF.endModelName),
        ("endmodellicense", MOF.endModelLicenceText),
        ("notes", DCTERMS.description),
    ):
        if key in system:
            g.add((model, prop, Literal(system[key])))
    if "releasedate" in system:
        g.add((model, DCTERMS.issued, _month(system["releasedate"])))
    for key, value in record.extra:
        g.add((model, SKOS.note, Literal(f"{key}: {value}")))
    for link in system.get("link", "").split("\n"):
        if _HF_REPO.match(link):
            g.add((model, MOF.huggingFacePage, URIRef(link)))
        elif link:
            _link(g, model, MOF.homepage, MOF.homepageText, link)
    org = idx[f"org/{slug(org_fields['name'])}"]
    g.add((model, MOF.producer, org))
    g.add((org, RDF.type, MOF.Organisation))
    g.add((org, RDFS.label, Literal(org_fields["name"])))
    for link in org_fields.get("link", "").split("\n"):
        if link:
            _link(g, org, MOF.homepage, MOF.homepageText, link)
    if "notes" in org_fields:
        g.add((org, DCTERMS.description, Literal(org_fields["notes"])))
    for ref, grading in record.gradings.items():
        node = URIRef(f"{model}/grading/{slug(ref)}")
        g.add((model, MOF.hasGrading, node))
        g.add((node, RDF.type, MOF.Grading))
        g.add((node, MOF.dimension, dims[ref]))
        if grading.grade is not None:
            g.add((node, MOF.grade, GRADE_IRIS[grading.grade]))
        if grading.notes is not None:
            g.add((node, SKOS.note, Literal(grading.notes)))
        for url in grading.links:
            _link(g, node, MOF.evidence, MOF.evidenceText, url)
        _derived_links(g, model, ref, grading.grade, grading.links)


def _derived_links(
    g: Graph, model: URIRef, ref: str, grade: str | None, links: tuple[str, ...]
) -> None:
    if grade not in ("open", "partial"):
        return
    for url in links:
        if not _URL.match(url):
            continue
        if ref == "weights_endmodel" and _HF_REPO.match(url):
            g.add((model, MOF.huggingFacePage, URIRef(_HF_REPO.match(url).group(0))))  # type: ignore[union-attr]  # matched just above
        elif ref == "trainingcode" and url.startswith(_FORGES):
            g.add((model, MOF.codeRepository, URIRef(url)))
        elif ref in ("preprint", "paper"):
            g.add((model, MOF.paper, URIRef(url)))


@dataclass(frozen=True)
class DimensionGrade:
    """One dimension of a model in the Index, for a page."""

    dimension: str
    label: str
    category: str
    grade: str | None
    notes: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class IndexGrades:
    """A model's grades in the Index, with the score and position the framework computed."""

    model: str
    dimensions: list[DimensionGrade]
    score: float | None
    points: float | None
    position: int | None
    ranked: int

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "score": self.score,
            "points": self.points,
            "position": self.position,
            "ranked": self.ranked,
            "dimensions": [d.__dict__ | {"evidence": list(d.evidence)} for d in self.dimensions],
        }


#: A model's grades per dimension (``%s``: a VALUES clause of models), in the Index's order.
_GRADES = """SELECT ?model ?ref ?label ?category ?grade ?notes
     (GROUP_CONCAT(STR(?evidence); separator="\\n") AS ?links) WHERE { %s
  ?model mof:hasGrading ?g . ?g mof:dimension ?d .
  ?d skos:notation ?ref ; skos:prefLabel ?label ; mof:dimensionOrder ?order .
  OPTIONAL { ?d dqv:inCategory/skos:prefLabel ?category }
  OPTIONAL { ?g mof:grade ?grade }
  OPTIONAL { ?g skos:note ?notes }
  OPTIONAL { ?g mof:evidence|mof:evidenceText ?evidence }
} GROUP BY ?model ?ref ?label ?category ?grade ?notes ?order ORDER BY ?order"""
#: The score, points and position of models (``%s``: as above), with how many are ranked.
_SCORES = """SELECT ?model ?score ?points ?position ?ranked WHERE { %s
  ?a mof:assessedModel ?model ; mof:framework mof:OSAI-Index ; mof:score ?score ;
     mof:points ?points .
  OPTIONAL { ?a mof:position ?position }
  { SELECT (COUNT(?other) AS ?ranked) WHERE {
      ?other mof:framework mof:OSAI-Index ; mof:position ?p } }
}"""


def index_grades(store: Store, model: str) -> IndexGrades | None:
    """The Index's grades of ``model`` (a model IRI) per dimension, in the Index's order, and
    its score and position where the framework has been run; None if the Index grades it not."""
    return index_grades_of(store, [model]).get(model)


def index_grades_of(store: Store, models: Sequence[str]) -> dict[str, IndexGrades]:
    """:func:`index_grades` of each model the Index grades, by model IRI, in two queries
    whatever the number of models (or what they hold)."""
    if not models:
        return {}
    values = "VALUES ?model { " + " ".join(f"<{m}>" for m in dict.fromkeys(models)) + " }"
    rows = store.query(_GRADES % values)  # the embedded store or a remote one
    assert isinstance(rows, ox.QuerySolutions)
    dims: dict[str, list[DimensionGrade]] = {}
    for r in rows:
        dims.setdefault(r["model"].value, []).append(
            DimensionGrade(
                dimension=r["ref"].value,
                label=r["label"].value,
                category=r["category"].value if r["category"] is not None else "",
                grade=_GRADE_NAMES.get(r["grade"].value) if r["grade"] is not None else None,
                notes=r["notes"].value if r["notes"] is not None else None,
                evidence=tuple(
                    u for u in (r["links"].value if r["links"] is not None else "").split("\n") if u
                ),
            )
        )
    found = store.query(_SCORES % values)
    assert isinstance(found, ox.QuerySolutions)
    scored: dict[str, ox.QuerySolution] = {}
    for r in found:
        if int(r["ranked"].value):  # no model has a position: the framework has not run
            scored.setdefault(r["model"].value, r)
    out = {}
    for model, grades in dims.items():
        first = scored.get(model)
        out[model] = IndexGrades(
            model=model,
            dimensions=grades,
            score=float(first["score"].value) if first else None,
            points=float(first["points"].value) if first else None,
            position=(
                int(first["position"].value) if first and first["position"] is not None else None
            ),
            ranked=int(first["ranked"].value) if first else 0,
        )
    return out


assert set(GRADE_IRIS) == set(GRADES)


ASSESSMENT_GRAPH = GRAPH["assessment/osai-index"]


@dataclass
class IndexImport:
    """What one import of the Index makes: its source graph and the framework's results."""

    release: IndexRelease
    graph: Graph
    assessments: Graph

    def graphs(self) -> dict[str, Graph]:
        """Named graph IRI -> graph, for
        :meth:`mofkg.graphstore.store.embedded.Store.replace_graphs`."""
        return {str(INDEX_GRAPH): self.graph, str(ASSESSMENT_GRAPH): self.assessments}


def import_index(path: Path | str, *, ids: Ids, framework: Path | None = None) -> IndexImport:
    """Read and check the Index at ``path``, make its graph and run the framework file
    (``shapes/osai-index.ttl`` unless ``framework``) over it; nothing is written."""
    from mofkg.graphstore.frameworks.rules import run_rules_file
    from mofkg.graphstore.resources import shapes_path

    release = read_index(path)
    graph = index_graph(release, ids=ids)
    assessments = run_rules_file(framework or shapes_path("osai-index.ttl"), graph)
    return IndexImport(release, graph, assessments)
