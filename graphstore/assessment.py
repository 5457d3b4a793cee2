"""Openness assessment: a framework's shapes run as SPARQL inside Oxigraph, stored as RDF.

The requirements come from the shapes file (:mod:`mofkg.graphstore.requirements`); nothing here
lists components per class. One run is a handful of queries over the whole store:

1. the framework's rules (``shapes/<key>-rules.rq``, a CONSTRUCT) derive each component's
   effective licence into the named graph ``graph:derived/<key>`` (replaced on each run);
2. one SELECT gives, for every model and required component type present, the component,
   its effective licence, where it came from and its status (counts, open but not
   type-appropriate, invalid licence, unlicensed), decided in SPARQL from the licence graph;
3. one SELECT finds the components whose open licence is not made for their content type
   (the warning shapes), with MINUS rather than FILTER NOT EXISTS;
4. one SELECT gives each model's name and source record.

Python then applies the framework's arithmetic: a requirement is met when its component
counts (or its substitute's does); progress per class is met / counted requirements, 0 unless
the class below is at 100; a requirement met only through a substitute that the class also
requires counts neither as met nor as required (MOF 1.0's "/13" case).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .assessment_rdf import (
    AssessmentWriter,
    assessment_rdf,
    has_assessments,
    replace_by_difference,
    write_assessments,
)
from .namespaces import GRAPH, MOF, SCHEMA, slug
from .openness import percent_texts
from .pending import PendingGraphs
from .requirements import Framework, OpennessClass, Requirement, load_framework
from .store import Store

UNCLASSIFIED = "Unclassified"

#: Statuses under which a component counts towards progress.
COUNTING = frozenset({MOF.Counts, MOF.OpenNotTypeAppropriate})
_RANK = {MOF.Counts: 0, MOF.OpenNotTypeAppropriate: 1, MOF.InvalidLicence: 2, MOF.Unlicensed: 3}


@dataclass(frozen=True)
class ComponentState:
    """What the store says about one component of a model."""

    component: URIRef
    component_type: URIRef
    status: URIRef
    licence: URIRef | None
    licence_text: str | None
    licence_source: URIRef | None


@dataclass(frozen=True)
class Outcome:
    """The outcome of one requirement for one model."""

    requirement: Requirement
    status: URIRef  # mof:Counts, mof:Missing, ...
    met: bool
    state: ComponentState | None  # the component that filled the slot (maybe the substitute)
    substituted: bool  # the slot was filled by the requirement's substitute


@dataclass(frozen=True)
class LicenceWarning:
    """A component whose open licence is not one made for its content type."""

    component: URIRef
    shape: URIRef
    severity: URIRef
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """A (focus node, source shape, severity) triple, as a SHACL engine reports it."""

    focus: str
    shape: str
    severity: str


@dataclass(frozen=True)
class ModelAssessment:
    """One model assessed under one framework."""

    model: URIRef
    name: str | None
    source: str | None
    framework: str
    class_number: int  # 0 when unclassified
    class_iri: URIRef | None
    label: str
    progress: dict[int, float]  # class number -> percent
    outcomes: tuple[Outcome, ...]
    warnings: tuple[LicenceWarning, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The reference tool's API shape (class, label, progress per class number)."""
        return {
            "id": str(self.model),
            "name": self.name,
            "source": self.source,
            "classification": {
                "class": self.class_number,
                "label": self.label,
                "progress": {str(n): p for n, p in sorted(self.progress.items())},
                "progress_text": percent_texts(self.progress),
            },
        }

    def results(self) -> set[ValidationResult]:
        """What a SHACL engine reports for this model: unmet requirements and warnings."""
        found = {
            ValidationResult(str(self.model), str(o.requirement.shape), str(o.requirement.severity))
            for o in self.outcomes
            if not o.met
        }
        found |= {
            ValidationResult(str(w.component), str(w.shape), str(w.severity)) for w in self.warnings
        }
        return found


def derived_graph(framework: str) -> URIRef:
    """The named graph holding the facts a framework's rules derive."""
    return GRAPH[f"derived/{slug(framework)}"]


def derive(store: Store, framework: Framework) -> int:
    """Run the framework's rules over the store into :func:`derived_graph`; return its size."""
    target = str(derived_graph(framework.key))
    if framework.rules is None:
        store.drop_graphs([target])
        return 0
    graph = ox.NamedNode(target)
    quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in store.query(framework.rules))
    if store.has_graph(target):
        replace_by_difference(store, [(target, set(quads))])
    else:
        with PendingGraphs(store, [target]):  # a new graph: rolled back if cut short
            store.oxigraph.bulk_extend(quads)
    return store.graph_size(target)


def derived_triples(store: Store, framework: Framework) -> Graph:
    """The rules' output as an rdflib graph, without writing it (for pySHACL)."""
    if framework.rules is None:
        return Graph()
    return store.construct(framework.rules)


def _iri_list(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def _models_clause(models: Sequence[str] | None) -> str:
    return f"VALUES ?m {{ {_iri_list(models)} }}" if models is not None else ""


def _state_query(framework: Framework, models: Sequence[str] | None) -> str:
    return f"""
SELECT ?m ?c ?type ?lic ?text ?src ?status WHERE {{
  {_models_clause(models)}
  VALUES ?type {{ {_iri_list(framework.component_types())} }}
  ?m a mof:Model ; mof:hasComponent ?c .
  ?c mof:componentType ?type .
  OPTIONAL {{ ?c mof:effectiveLicence ?lic . OPTIONAL {{ ?lic mof:isOpenLicence ?open }} }}
  OPTIONAL {{ ?c mof:effectiveLicence ?lic2 ; mof:componentType/mof:contentType ?ct .
             ?lic2 mof:appropriateFor ?ct . ?lic2 mof:isOpenLicence true .
             BIND (true AS ?appropriate) }}
  OPTIONAL {{ ?c mof:effectiveLicenceText ?text }}
  OPTIONAL {{ ?c mof:licenceSource ?src }}
  BIND (IF(COALESCE(?open = true, false),
           IF(BOUND(?appropriate), mof:Counts, mof:OpenNotTypeAppropriate),
           IF(BOUND(?lic) || BOUND(?text), mof:InvalidLicence, mof:Unlicensed)) AS ?status)
}}"""


def _warning_query(framework: Framework, models: Sequence[str] | None) -> str:
    scope = f"?m mof:hasComponent ?c . {_models_clause(models)}" if models is not None else ""
    return f"""
SELECT DISTINCT ?c ?ct WHERE {{
  VALUES ?ct {{ {_iri_list(c.content_type for c in framework.licence_checks)} }}
  {scope}
  ?c a mof:Component ; mof:componentType/mof:contentType ?ct ;
     mof:effectiveLicence ?lic . ?lic mof:isOpenLicence true .
  MINUS {{ ?c mof:effectiveLicence/mof:appropriateFor ?ct }}
}}"""


def _model_query(models: Sequence[str] | None) -> str:
    return f"""
SELECT ?m (SAMPLE(?n) AS ?name) (SAMPLE(?s) AS ?source) WHERE {{
  {_models_clause(models)}
  ?m a mof:Model .
  OPTIONAL {{ ?m schema:name ?n }}
  OPTIONAL {{ ?m mof:sourceRecord ?s }}
}} GROUP BY ?m"""


def _value(solution: ox.QuerySolution, name: str) -> str | None:
    term = solution[name]
    return None if term is None else str(term.value)


def _outcomes(framework: Framework, states: dict[URIRef, ComponentState]) -> list[Outcome]:
    outcomes = []
    for req in framework.requirements:
        own = states.get(req.component_type)
        if own is not None and own.status in COUNTING:
            outcomes.append(Outcome(req, own.status, True, own, False))
            continue
        sub = states.get(req.substitute) if req.substitute is not None else None
        if sub is not None:
            outcomes.append(Outcome(req, sub.status, sub.status in COUNTING, sub, True))
        elif own is not None:
            outcomes.append(Outcome(req, own.status, False, own, False))
        else:
            outcomes.append(Outcome(req, MOF.Missing, False, None, False))
    return outcomes


def _counting_plan(framework: Framework) -> list[tuple[URIRef, list[tuple[URIRef, bool]]]]:
    """Per class: its counted requirement shapes, each with whether its substitute is counted
    in its own right in that class (then a requirement met only through it does not count)."""
    plan = []
    for cls in framework.classes:
        counted = framework.counted(cls)
        types = {r.component_type for r in counted}
        plan.append((cls.iri, [(r.shape, r.substitute in types) for r in counted]))
    return plan


def progress_by_class(
    framework: Framework,
    outcomes: Sequence[Outcome],
    *,
    plan: list[tuple[URIRef, list[tuple[URIRef, bool]]]] | None = None,
) -> dict[URIRef, float]:
    """Percent of each class's counted requirements met, 0 unless the class below is at 100."""
    by_shape = {o.requirement.shape: o for o in outcomes}
    progress: dict[URIRef, float] = {}
    below_complete = True
    for cls_iri, counted in plan if plan is not None else _counting_plan(framework):
        met = total = 0
        for shape, substitute_counted in counted:
            outcome = by_shape[shape]
            if outcome.substituted and outcome.met and substitute_counted:
                continue  # the substitute is counted in its own right in this class
            total += 1
            met += outcome.met
        complete = total > 0 and met == total
        progress[cls_iri] = (100.0 * met / total if total else 0.0) if below_complete else 0.0
        below_complete = below_complete and complete
    return progress


def _classify(
    framework: Framework, progress: dict[URIRef, float]
) -> tuple[OpennessClass | None, dict[int, float]]:
    reached = None
    for cls in framework.classes:
        if progress[cls.iri] >= 100.0:
            reached = cls
    return reached, {c.number: min(progress[c.iri], 100.0) for c in framework.classes}


def assess_models(
    store: Store,
    *,
    framework: str = "mof-1.0",
    models: list[str] | None = None,
    shapes: Path | None = None,
    now: datetime | None = None,
) -> list[ModelAssessment]:
    """Assess every model in the store (or those given) under a framework's shapes.

    Writes the derived facts (effective licences) into ``graph:derived/<framework>``;
    the assessments themselves are only returned: store them with :func:`write_assessments`.
    """
    fw = load_framework(framework, shapes=shapes)
    return assess_with(store, fw, models=models)


def assess_with(
    store: Store,
    fw: Framework,
    *,
    models: Sequence[str] | None = None,
    write_derived: bool = True,
) -> list[ModelAssessment]:
    """:func:`assess_models` with a framework already loaded.

    On an on-disk store, the whole store is assessed in batches of :data:`BATCH_MODELS`
    models, each on an in-memory working copy of what the rules and queries read (Oxigraph
    answers them 4-5x faster in memory than on disk; see docs/assessment.md, "Working
    copies"). An in-memory store, or a list of models, is queried in place.

    ``write_derived=False`` (whole store only) writes nothing into ``store``: it is assessed
    in batches on working copies whether in memory or on disk, the derived facts kept in the
    copies. This bounds the memory of assessing a large in-memory store (a validation's
    staging store), where deriving over the whole store and querying it at once would not.
    """
    if not write_derived:
        if models is not None:
            raise ValueError("write_derived=False assesses the whole store (models=None)")
        return _assess_in_batches(store, fw, write_derived=False)
    if store.path is None or models is not None:
        derive(store, fw)
        return _assess_in(store, fw, models)
    return _assess_in_batches(store, fw)


def assess_and_write(
    store: Store,
    *,
    framework: str = "mof-1.0",
    shapes: Path | None = None,
    now: datetime | None = None,
) -> list[ModelAssessment]:
    """:func:`assess_models` then :func:`write_assessments` over the whole store, as
    ``mofkg assess`` runs them, with the same results and the same quads.

    On an on-disk store holding no assessment of the framework yet (the first assessment),
    each batch's assessments are bulk-loaded on a worker thread while the next batch is
    assessed (:class:`~mofkg.graphstore.assessment_rdf.AssessmentWriter`): Oxigraph's on-disk bulk
    load is most of the time of a run, and it runs without the GIL. If anything fails, the
    graphs begun are dropped. Otherwise (in memory, or a re-assessment, which replaces by
    difference in one transaction) it is exactly the two calls.
    """
    fw = load_framework(framework, shapes=shapes)
    if store.path is None or store.read_only or has_assessments(store, fw.key):
        results = assess_with(store, fw)
        write_assessments(store, results, now=now, shapes=shapes)
        return results
    with AssessmentWriter(store, fw, now=now or datetime.now(UTC)) as writer:
        results = _assess_in_batches(store, fw, writer=writer)
        writer.finish()
    return results


#: Models per in-memory working copy: bounds the memory of a run (about 0.3 GiB per 5,000).
BATCH_MODELS = 5_000

_SKIPPED_GRAPHS = (str(GRAPH["assessment/"]), str(GRAPH["derived/"]))
_HAS_COMPONENT = ox.NamedNode(str(MOF.hasComponent))


def _skipped(graph: object) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(_SKIPPED_GRAPHS)


def _working_copy(
    store: ox.Store,
    models: Sequence[ox.NamedNode],
    components: dict[ox.NamedNode, list[ox.NamedNode]],
    around: dict[ox.NamedNode, list[ox.Quad]],
) -> Store:
    """An in-memory store with the quads (graphs kept) of the models, of their components and
    of every IRI these point to (licences, component types ...), from every graph but the
    assessments and derived facts. ``around`` caches the last across batches."""
    work = Store()
    mem = work.oxigraph
    subjects = list(models)
    for m in models:
        subjects.extend(components.get(m, ()))
    mem.bulk_extend(chain.from_iterable(store.quads_for_pattern(s, None, None) for s in subjects))
    copied = set(subjects)
    objects = mem.query(_OBJECTS)
    assert isinstance(objects, ox.QuerySolutions)
    for s in objects:
        o = s[0]
        if o in copied or not isinstance(o, ox.NamedNode):
            continue
        found = around.get(o)
        if found is None:
            found = around[o] = list(store.quads_for_pattern(o, None, None))
        mem.bulk_extend(found)
    for g in list(mem.named_graphs()):
        if _skipped(g):
            mem.remove_graph(g)
    return work


_OBJECTS = "SELECT DISTINCT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?o) }"


def _whole_copy(store: ox.Store) -> Store:
    """An in-memory store with every graph of ``store`` but the assessments and derived facts.

    For a store whose models fit in one batch: each graph goes across as N-Triples written
    and read by Oxigraph, with no Python object per quad (at 1,000 models 0.1 s against
    0.4 s for :func:`_working_copy`). Blank node labels are kept, so a blank node shared by
    two graphs stays one node.
    """
    work = Store()
    mem = work.oxigraph
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    graphs += [g for g in store.named_graphs() if not _skipped(g)]
    for g in graphs:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        if data:
            mem.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
    return work


def _assess_in_batches(
    store: Store,
    fw: Framework,
    *,
    write_derived: bool = True,
    writer: AssessmentWriter | None = None,
) -> list[ModelAssessment]:
    """Derive and assess every model of the store, batch by batch on in-memory working
    copies; the derived facts are written to the store as in :func:`derive` (unless
    ``write_derived`` is false). With a ``writer``, each batch's derived facts and
    assessments go to it as soon as the batch is assessed."""
    oxi = store.oxigraph
    target = str(derived_graph(fw.key))
    graph = ox.NamedNode(target)
    # Without a writer, the derived graph is written in one update at the end.
    replacing = write_derived and (writer is None or store.has_graph(target))
    derived: set[ox.Quad] = set()
    typed = oxi.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(MOF.Model)))
    models = sorted({q.subject for q in typed if isinstance(q.subject, ox.NamedNode)})
    components: dict[ox.NamedNode, list[ox.NamedNode]] = defaultdict(list)
    for q in oxi.quads_for_pattern(None, _HAS_COMPONENT, None):
        if isinstance(q.object, ox.NamedNode) and not _skipped(q.graph_name):
            components[q.subject].append(q.object)  # type: ignore[index]
    around: dict[ox.NamedNode, list[ox.Quad]] = {}
    results: list[ModelAssessment] = []
    if writer is not None and write_derived and not replacing and fw.rules is not None:
        writer.begin([target])
    for start in range(0, len(models), BATCH_MODELS):
        if len(models) <= BATCH_MODELS:
            work = _whole_copy(oxi)
        else:
            work = _working_copy(oxi, models[start : start + BATCH_MODELS], components, around)
        if fw.rules is not None:
            triples = [ox.Quad(t.subject, t.predicate, t.object) for t in work.query(fw.rules)]
            work.oxigraph.bulk_extend(triples)
            quads = (ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples)
            if not write_derived:
                pass
            elif replacing:
                derived.update(quads)
            else:
                assert writer is not None  # (replacing otherwise)
                piece = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
                assert piece is not None  # no output given: the bytes are returned
                writer.load(piece)
        batch = _assess_in(work, fw, None)
        del work
        if writer is not None:
            writer.write(batch, last=start + BATCH_MODELS >= len(models))
        results.extend(batch)
    if not write_derived:
        pass
    elif fw.rules is None:
        store.drop_graphs([target])
    elif replacing:
        replace_by_difference(store, [(target, derived)])
    results.sort(key=lambda a: str(a.model))
    return results


def _assess_in(store: Store, fw: Framework, models: Sequence[str] | None) -> list[ModelAssessment]:
    """The statuses, warnings and names queried from ``store`` (derived facts included),
    then the framework's arithmetic."""
    states: dict[URIRef, dict[URIRef, ComponentState]] = defaultdict(dict)
    iris: dict[str, URIRef] = {}  # statuses, types, licences, sources: few distinct IRIs

    def iri(term: ox.NamedNode | None) -> URIRef | None:
        if term is None:
            return None
        value = term.value
        found = iris.get(value)
        if found is None:
            found = iris[value] = URIRef(value)
        return found

    for m, c, ctype_term, lic, text, src, status_term in store.query(_state_query(fw, models)):
        model = iri(m)  # a model has up to 17 rows: cached too
        ctype, status = iri(ctype_term), iri(status_term)
        assert model is not None and ctype is not None and status is not None
        state = ComponentState(
            component=URIRef(c.value),
            component_type=ctype,
            status=status,
            # a literal given as the licence ("Apache 2.0") is no IRI: the shapes report it
            licence=iri(lic) if isinstance(lic, ox.NamedNode) else None,
            licence_text=None if text is None else text.value,
            licence_source=iri(src),
        )
        previous = states[model].get(ctype)
        if previous is None or _RANK[status] < _RANK[previous.status]:
            states[model][ctype] = state
    warnings: dict[URIRef, list[LicenceWarning]] = defaultdict(list)
    checks = {c.content_type: c for c in fw.licence_checks}
    component_model = {st.component: m for m, by_type in states.items() for st in by_type.values()}
    if checks:
        for s in store.query(_warning_query(fw, models)):
            check = checks[URIRef(s["ct"].value)]
            component = URIRef(s["c"].value)
            warning = LicenceWarning(component, check.shape, check.severity, check.message)
            warnings[component_model.get(component, component)].append(warning)
    results = []
    plan = _counting_plan(fw)
    for s in store.query(_model_query(models)):
        model = URIRef(s["m"].value)
        outcomes = _outcomes(fw, states.get(model, {}))
        reached, progress = _classify(fw, progress_by_class(fw, outcomes, plan=plan))
        results.append(
            ModelAssessment(
                model=model,
                name=_value(s, "name"),
                source=_value(s, "source"),
                framework=fw.key,
                class_number=reached.number if reached else 0,
                class_iri=reached.iri if reached else None,
                label=reached.api_label if reached else UNCLASSIFIED,
                progress=progress,
                outcomes=tuple(outcomes),
                warnings=tuple(sorted(warnings.get(model, ()), key=lambda w: str(w.component))),
            )
        )
    results.sort(key=lambda a: str(a.model))
    return results


def json_lines(assessments: Iterable[ModelAssessment]) -> Iterator[str]:
    """One JSON object per model, in the reference tool's API shape."""
    for a in assessments:
        yield json.dumps(a.to_json(), ensure_ascii=False)


__all__ = [
    "ComponentState",
    "LicenceWarning",
    "ModelAssessment",
    "Outcome",
    "ValidationResult",
    "assess_and_write",
    "assess_models",
    "assess_with",
    "assessment_rdf",
    "derive",
    "derived_graph",
    "derived_triples",
    "json_lines",
    "progress_by_class",
    "write_assessments",
]

_ = SCHEMA  # schema: is among the query prefixes
