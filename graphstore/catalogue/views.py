"""Read-side views of the catalogue that the pages, badges and JSON API share.

Everything here reads the store (with SPARQL or quad patterns) and returns dataclasses;
nothing writes and nothing knows about HTTP. Assessments are read as stored
(``graph:assessment/...``, see ``docs/vocabulary.md``); which requirement belongs to which
class comes from the framework's shapes (:mod:`mofkg.graphstore.frameworks.definition`).

>>> from mofkg.graphstore.store.embedded import Store
>>> catalogue_counts(Store()).models
0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from ..errors import NotFoundError
from ..frameworks.definition import Framework, OpennessClass, load_framework
from ..frameworks.explain import keeping_from, rated, stored_assessment
from ..frameworks.results import ComponentType as ComponentType
from ..frameworks.results import component_types as component_types
from ..namespaces import DQV, EARL, MOF, PREFIXES, model_key
from ..store.embedded import Store
from ..store.terms import TripleIndex, to_rdflib
from .openness import HeldBack, held_back, licence_source_phrase, optional_component_types

#: How each component status reads on a page, and its short name (CSS class, JSON).
STATUS_NAMES: dict[URIRef, str] = {
    URIRef(MOF.Counts): "counts",
    URIRef(MOF.OpenNotTypeAppropriate): "open-not-type-appropriate",
    URIRef(MOF.InvalidLicence): "invalid-licence",
    URIRef(MOF.Unlicensed): "unlicensed",
    URIRef(MOF.Missing): "missing",
}
STATUS_LABELS: dict[str, str] = {
    "counts": "Open licence",
    "open-not-type-appropriate": "Open, not made for this content",
    "invalid-licence": "Licence not open or not valid",
    "unlicensed": "No licence",
    "missing": "Missing",
}


@lru_cache(maxsize=8)
def framework(key: str = "mof-1.0") -> Framework:
    """A framework read once from its shipped shapes file."""
    return load_framework(key)


@dataclass(frozen=True)
class Counts:
    """How many things of each kind the catalogue holds."""

    models: int
    components: int
    datasets: int
    organisations: int
    licences: int


@dataclass(frozen=True)
class ModelRow:
    """One model with its assessment under a framework (``class_number`` None: not assessed)."""

    iri: URIRef
    key: str
    name: str
    class_number: int | None
    class_label: str | None
    progress: dict[int, float] = field(default_factory=dict)
    statuses: dict[URIRef, str] = field(default_factory=dict)  # component type -> status name

    @property
    def assessed(self) -> bool:
        return self.class_number is not None


@dataclass(frozen=True)
class ComponentView:
    """A component of a model, or a required one it lacks (``component`` None)."""

    component: URIRef | None
    component_type: ComponentType
    status: str | None
    licence: URIRef | None
    licence_label: str | None
    licence_text: str | None
    licence_source: str | None  # a phrase: "the release's distribution licence"
    optional: bool = False  # optional in every class that names its type: never counted


@dataclass(frozen=True)
class Blocker:
    """A requirement of the next class up that the model does not meet."""

    component_type: ComponentType
    status: str
    message: str


@dataclass(frozen=True)
class ModelDetail:
    row: ModelRow
    components: tuple[ComponentView, ...]
    next_class: OpennessClass | None
    blockers: tuple[Blocker, ...]
    held_back: dict[int, HeldBack] = field(default_factory=dict)  # why a class is at 0%


def _solutions(store: Store, sparql: str) -> Iterable[ox.QuerySolution]:
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _text(solution: ox.QuerySolution, name: str) -> str | None:
    term = solution[name]
    return None if term is None else str(term.value)


def catalogue_counts(store: Store) -> Counts:
    """Counts of models, components, datasets, organisations and licences."""
    kinds = {
        "models": MOF.Model,
        "components": MOF.Component,
        "datasets": MOF.Dataset,
        "organisations": MOF.Organisation,
        "licences": MOF.Licence,
    }
    selects = " ".join(
        f"{{ SELECT (COUNT(DISTINCT ?{k}) AS ?n_{k}) WHERE {{ ?{k} a <{iri}> }} }}"
        for k, iri in kinds.items()
    )
    solution = next(iter(_solutions(store, f"SELECT * WHERE {{ {selects} }}")))
    return Counts(**{k: int(solution[f"n_{k}"].value) for k in kinds})


def _local(iri: str) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def model_rows(
    store: Store,
    *,
    framework_key: str = "mof-1.0",
    models: Sequence[str] | None = None,
    statuses: bool = True,
) -> list[ModelRow]:
    """Every model (or those given) with its class, progress and component statuses.

    Sorted by class (best first, unassessed last), by progress, then by name. Without
    ``statuses`` the rows have none: the order and the counts per class cost a fifth as much
    (two small queries instead of one over every component outcome).
    """
    if models is not None and not models:
        return []  # no VALUES clause would mean every model
    fw = framework(framework_key)
    values = f"VALUES ?m {{ {' '.join(f'<{m}>' for m in models)} }}" if models else ""
    names: dict[str, str] = {}
    classes: dict[str, int] = {}
    for s in _solutions(
        store,
        f"""SELECT ?m (SAMPLE(?n) AS ?name) (MAX(?c) AS ?cls) WHERE {{ {values}
          ?m a mof:Model . OPTIONAL {{ ?m schema:name ?n }}
          OPTIONAL {{ ?a mof:assessedModel ?m ; mof:framework <{fw.iri}> ; mof:classNumber ?c .
                     {rated("?m")} }}
        }} GROUP BY ?m""",
    ):
        m = str(s["m"].value)
        names[m] = _text(s, "name") or _local(m)
        if (cls := _text(s, "cls")) is not None:
            classes[m] = int(cls)
    numbers = {c.iri: c.number for c in fw.classes}
    progress: dict[str, dict[int, float]] = {m: {} for m in names}
    for s in _solutions(
        store,
        f"""SELECT ?m ?c ?v WHERE {{ {values}
          ?a mof:assessedModel ?m ; mof:framework <{fw.iri}> ; <{DQV.hasQualityMeasurement}> ?q .
          ?q mof:forClass ?c ; <{DQV.value}> ?v }}""",
    ):
        m, cls = str(s["m"].value), URIRef(s["c"].value)
        if m in classes and cls in numbers:
            progress[m][numbers[cls]] = float(s["v"].value)
    by_model: dict[str, dict[URIRef, str]] = {m: {} for m in names}
    outcomes = f"""SELECT ?m ?t ?st WHERE {{ {values}
          ?a mof:assessedModel ?m ; mof:framework <{fw.iri}> ; mof:hasOutcome ?o .
          ?o mof:componentType ?t ; mof:status ?st }}"""
    for s in _solutions(store, outcomes) if statuses else ():
        m, ctype = str(s["m"].value), URIRef(s["t"].value)
        name = STATUS_NAMES.get(URIRef(s["st"].value), "missing")
        if m in by_model and m in classes:
            previous = by_model[m].get(ctype)
            if previous is None or _rank(name) < _rank(previous):
                by_model[m][ctype] = name
    class_labels = {c.number: c.api_label for c in fw.classes}
    rows = [
        ModelRow(
            iri=URIRef(m),
            key=model_key(m),
            name=name,
            class_number=classes.get(m),
            class_label=(
                (class_labels.get(classes[m], "Unclassified") if classes[m] else "Unclassified")
                if m in classes
                else None
            ),
            progress=progress[m],
            statuses=by_model[m],
        )
        for m, name in names.items()
    ]
    rows.sort(key=_row_order)
    return rows


def _rank(status: str) -> int:
    return list(STATUS_LABELS).index(status)


def _row_order(row: ModelRow) -> tuple[int, float, str]:
    if row.class_number is None:
        return (5, 0.0, row.name.lower())
    number = row.class_number or 4
    return (number, -sum(row.progress.values()), row.name.lower())


def model_row(store: Store, iri: str, *, framework_key: str = "mof-1.0") -> ModelRow:
    """One model's row; :class:`NotFoundError` when the store has no such model."""
    rows = model_rows(store, framework_key=framework_key, models=[iri])
    if not rows:
        raise NotFoundError(f"no model <{iri}> in the catalogue")
    return rows[0]


def class_histogram(rows: Iterable[ModelRow], fw: Framework) -> list[tuple[str, int]]:
    """How many models reached each class (best first), then unclassified and unassessed."""
    counts: dict[str, int] = {c.label: 0 for c in reversed(fw.classes)}
    counts["Unclassified"] = 0
    counts["Not assessed"] = 0
    by_number = {c.number: c.label for c in fw.classes}
    for row in rows:
        if row.class_number is None:
            counts["Not assessed"] += 1
        else:
            counts[by_number.get(row.class_number, "Unclassified")] += 1
    return list(counts.items())


def model_detail(store: Store, iri: str, *, framework_key: str = "mof-1.0") -> ModelDetail:
    """A model's class, each component's status and licence, and what lifts it a class."""
    fw = framework(framework_key)
    row = model_row(store, iri, framework_key=framework_key)
    types = {t.iri: t for t in component_types(fw, store)}
    outcomes = stored_outcomes(store, iri, fw)
    present: dict[URIRef, URIRef] = {}
    for s in _solutions(
        store, f"SELECT ?c ?t WHERE {{ <{iri}> mof:hasComponent ?c . ?c mof:componentType ?t }}"
    ):
        present[URIRef(s["t"].value)] = URIRef(s["c"].value)
    views: dict[URIRef, ComponentView] = {}
    optional = optional_component_types(fw)
    for req in fw.requirements:
        o = outcomes.get(req.shape)
        ctype = types.get(req.component_type, ComponentType(req.component_type, ""))
        if o is None or req.component_type in views:
            continue
        views[req.component_type] = ComponentView(
            component=URIRef(o["c"]) if o["c"] else present.get(req.component_type),
            component_type=ctype,
            status=row.statuses.get(req.component_type),
            licence=URIRef(o["lic"]) if o["lic"] else None,
            licence_label=o["ll"],
            licence_text=o["lt"],
            licence_source=licence_source_phrase(o["src"]),
            optional=req.component_type in optional,
        )
    for ctype_iri, component in present.items():
        if ctype_iri not in views:
            ctype = types.get(ctype_iri, ComponentType(ctype_iri, _local(ctype_iri)))
            views[ctype_iri] = ComponentView(component, ctype, None, None, None, None, None)
    next_class = _next_class(fw, row)
    blockers: list[Blocker] = []
    if next_class is not None and row.assessed:
        stored = stored_assessment(store, iri, fw)
        for lacking in keeping_from(stored, fw, next_class) if stored is not None else []:
            req = lacking.requirement
            ctype = types.get(req.component_type, ComponentType(req.component_type, ""))
            status = STATUS_NAMES.get(lacking.status, "missing")
            blockers.append(Blocker(ctype, status, req.message))
    return ModelDetail(
        row, tuple(views.values()), next_class, tuple(blockers), held_back(fw, row.progress)
    )


_OUTCOME_VARS = ("test", "t", "st", "c", "lic", "ll", "lt", "src")


def stored_outcomes(store: Store, model: str, fw: Framework) -> dict[URIRef, dict[str, Any]]:
    """A model's stored outcomes under a framework, by requirement shape: each one's
    component type ``t``, status ``st``, component ``c``, applied licence ``lic`` (with its
    label ``ll``), licence text ``lt`` and licence source ``src``, as text or None."""
    outcomes: dict[URIRef, dict[str, Any]] = {}
    for s in _solutions(
        store,
        f"""SELECT ?test ?t ?st ?c ?lic ?ll ?lt ?src WHERE {{
          ?a mof:assessedModel <{model}> ; mof:framework <{fw.iri}> ; mof:hasOutcome ?o .
          ?o <{EARL.test}> ?test ; mof:componentType ?t ; mof:status ?st .
          OPTIONAL {{ ?o mof:component ?c }}
          OPTIONAL {{ ?o mof:appliedLicence ?lic
                     OPTIONAL {{ ?lic <{RDFS.label}> ?ll }} }}
          OPTIONAL {{ ?o mof:licenceText ?lt }}
          OPTIONAL {{ ?o mof:licenceSource ?src }} }}""",
    ):
        outcomes[URIRef(s["test"].value)] = {k: _text(s, k) for k in _OUTCOME_VARS}
    return outcomes


def _next_class(fw: Framework, row: ModelRow) -> OpennessClass | None:
    """The class one step above the one reached (Class III when unclassified)."""
    if row.class_number is None or row.class_number == 0:
        return fw.classes[0]
    for cls in fw.classes:
        reached = next((c for c in fw.classes if c.number == row.class_number), None)
        if reached is not None and cls.implies == reached.iri:
            return cls
    return None


# -- descriptions ------------------------------------------------------------------------


#: A remote store's blank nodes are named afresh in each answer, so a description asks for
#: the blank nodes under its subject in the same query, this many levels deep.
_REMOTE_BLANK_DEPTH = 3


def _remote_quads(store: Store, subject: URIRef | BNode) -> Iterable[ox.Quad]:
    """:func:`_quads` on a remote store: the subject's triples and those of the blank nodes
    under it (they come with it; a blank node alone has nothing more)."""
    if isinstance(subject, BNode):
        return ()
    head, where, close = [f"<{subject}> ?p0 ?o0 ."], f"<{subject}> ?p0 ?o0 ", ""
    for d in range(1, _REMOTE_BLANK_DEPTH + 1):
        head.append(f"?o{d - 1} ?p{d} ?o{d} .")
        where += f"OPTIONAL {{ ?o{d - 1} ?p{d} ?o{d} FILTER(isBlank(?o{d - 1})) "
        close += "} "
    found = store.query(f"CONSTRUCT {{ {' '.join(head)} }} WHERE {{ {where}{close}}}")
    return (ox.Quad(t.subject, t.predicate, t.object) for t in found)


def _quads(store: Store, subject: URIRef | BNode) -> Iterable[ox.Quad]:
    if not isinstance(store, Store):
        return _remote_quads(store, subject)
    term: ox.NamedNode | ox.BlankNode = (
        ox.NamedNode(str(subject)) if isinstance(subject, URIRef) else ox.BlankNode(str(subject))
    )
    return store.oxigraph.quads_for_pattern(term, None, None, None)


def describe(store: Store, iri: str, *, graph: Graph | None = None) -> Graph:
    """The concise bounded description of ``iri`` over all graphs.

    Its triples as subject, closed over blank nodes and over the resource's own fragment
    IRIs (``<iri#...>``, as assessments use for their outcomes).
    """
    g = graph if graph is not None else _new_graph()
    todo: list[URIRef | BNode] = [URIRef(iri)]
    seen: set[URIRef | BNode] = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in _quads(store, subject):
            obj = to_rdflib(quad.object)
            g.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), obj))
            if isinstance(obj, BNode) or (
                isinstance(obj, URIRef) and str(obj).startswith(f"{iri}#")
            ):
                todo.append(obj)
    return g


def _new_graph() -> Graph:
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    return g


def describe_model(store: Store, iri: str) -> Graph:
    """A model's description plus its assessments (each with its outcomes and measures)."""
    g = describe(store, iri)
    for s in _solutions(store, f"SELECT ?a WHERE {{ ?a mof:assessedModel <{iri}> }}"):
        describe(store, str(s["a"].value), graph=g)
    return g


def valid_iri(iri: str) -> bool:
    """Whether ``iri`` is an IRI Oxigraph accepts (so it is safe inside ``<...>`` in SPARQL).

    >>> valid_iri("https://example.org/a"), valid_iri("https://example.org/a> ?p ?o")
    (True, False)
    """
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


def has_description(store: Store, iri: str) -> bool:
    """Whether ``iri`` is the subject of any triple (False for a string that is no IRI)."""
    return valid_iri(iri) and next(iter(_quads(store, URIRef(iri))), None) is not None


def is_model(store: Store, iri: str) -> bool:
    """Whether ``iri`` is a model of the catalogue (False for a string that is no IRI)."""
    return valid_iri(iri) and store.ask(f"ASK {{ <{iri}> a mof:Model }}")


def literal_text(node: object) -> str:
    """A node as display text."""
    return str(node.toPython()) if isinstance(node, Literal) else str(node)


# -- the reference tool's view ---------------------------------------------------------


def model_iris(store: Store) -> list[str]:
    """Every model IRI, once, in IRI order (the JSON API's stable paging order).

    Sorted here: Oxigraph's ORDER BY reads each IRI's text back for every comparison, which
    took 1.1 s for 10,000 models against 0.05 s for the query and 2 ms for the sort.
    """
    return sorted({str(s["m"].value) for s in _solutions(store, "SELECT ?m { ?m a mof:Model }")})


def release_triples(store: Store, models: Sequence[str]) -> TripleIndex:
    """The triples a MOT record of each model is written from: the model, its components,
    and its producer's name."""
    if not models:
        return TripleIndex([])
    values = " ".join(f"<{m}>" for m in models)
    result = store.query(
        f"""CONSTRUCT {{ ?m ?p ?o . ?c ?cp ?co . ?org <{RDFS.label}> ?l }} WHERE {{
          VALUES ?m {{ {values} }}
          {{ ?m ?p ?o }} UNION {{ ?m mof:hasComponent ?c . ?c ?cp ?co }}
          UNION {{ ?m mof:producer ?org . ?org <{RDFS.label}> ?l }} }}"""
    )
    assert isinstance(result, ox.QueryTriples)
    return TripleIndex(result)


def component_statuses(
    store: Store, models: Sequence[str], *, framework_key: str = "mof-1.0"
) -> dict[str, dict[URIRef, str]]:
    """Each model's components' own statuses, by component type.

    Only a component assessed under its own type has one (a technical report replaced by
    its substitute, the research paper, has none of its own).
    """
    fw = framework(framework_key)
    found: dict[str, dict[URIRef, str]] = {m: {} for m in models}
    if not models:
        return found
    values = " ".join(f"<{m}>" for m in models)
    for s in _solutions(
        store,
        f"""SELECT ?m ?t ?st WHERE {{ VALUES ?m {{ {values} }}
          ?a mof:assessedModel ?m ; mof:framework <{fw.iri}> ; mof:hasOutcome ?o .
          ?o mof:component ?c ; mof:componentType ?t ; mof:status ?st .
          ?c mof:componentType ?t }}""",
    ):
        name = STATUS_NAMES.get(URIRef(s["st"].value), "missing")
        found[str(s["m"].value)][URIRef(s["t"].value)] = name
    return found


def component_type_definitions(store: Store) -> dict[URIRef, str]:
    """Each component type's definition as MOT words it (``skos:definition``, no final stop)."""
    return {
        URIRef(s["t"].value): str(s["d"].value).rstrip(".")
        for s in _solutions(
            store, f"SELECT ?t ?d WHERE {{ ?t a mof:ComponentType ; <{SKOS.definition}> ?d }}"
        )
    }
