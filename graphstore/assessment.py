"""Openness assessment: a framework's shapes run as SPARQL inside Oxigraph, stored as RDF.

The requirements come from the shapes file (:mod:`graphstore.requirements`); nothing here
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
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SH, XSD

from .namespaces import (
    DEFAULT_IDS,
    DQV,
    EARL,
    GRAPH,
    MOF,
    SCHEMA,
    Ids,
    assessment_graph,
    slug,
)
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
    triples = store.query(framework.rules)
    data = ox.serialize(triples, None, format=ox.RdfFormat.N_TRIPLES)
    return store.load(data or b"", graph=target, format="nt", replace=True).triples


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


def _iri(solution: ox.QuerySolution, name: str) -> URIRef | None:
    value = _value(solution, name)
    return URIRef(value) if value is not None else None


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


def progress_by_class(framework: Framework, outcomes: Sequence[Outcome]) -> dict[URIRef, float]:
    """Percent of each class's counted requirements met, 0 unless the class below is at 100."""
    by_shape = {o.requirement.shape: o for o in outcomes}
    progress: dict[URIRef, float] = {}
    below_complete = True
    for cls in framework.classes:
        counted = framework.counted(cls)
        types = {r.component_type for r in counted}
        met = total = 0
        for req in counted:
            outcome = by_shape[req.shape]
            if outcome.substituted and outcome.met and req.substitute in types:
                continue  # the substitute is counted in its own right in this class
            total += 1
            met += outcome.met
        complete = total > 0 and met == total
        progress[cls.iri] = (100.0 * met / total if total else 0.0) if below_complete else 0.0
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
    store: Store, fw: Framework, *, models: Sequence[str] | None = None
) -> list[ModelAssessment]:
    """:func:`assess_models` with a framework already loaded."""
    derive(store, fw)
    states: dict[URIRef, dict[URIRef, ComponentState]] = defaultdict(dict)
    for s in store.query(_state_query(fw, models)):
        model, ctype = URIRef(s["m"].value), URIRef(s["type"].value)
        state = ComponentState(
            component=URIRef(s["c"].value),
            component_type=ctype,
            status=URIRef(s["status"].value),
            licence=_iri(s, "lic"),
            licence_text=_value(s, "text"),
            licence_source=_iri(s, "src"),
        )
        previous = states[model].get(ctype)
        if previous is None or _RANK[state.status] < _RANK[previous.status]:
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
    for s in store.query(_model_query(models)):
        model = URIRef(s["m"].value)
        outcomes = _outcomes(fw, states.get(model, {}))
        reached, progress = _classify(fw, progress_by_class(fw, outcomes))
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


# -- RDF of assessments ------------------------------------------------------------------


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def assessment_rdf(
    a: ModelAssessment, fw: Framework, *, now: datetime, ids: Ids = DEFAULT_IDS
) -> Graph:
    """The RDF of one assessment (see docs/assessment.md)."""
    g = Graph()
    node = ids.assessment(fw.key, a.model)
    run = URIRef(f"{node}#run")
    add = g.add
    add((node, RDF.type, MOF.Assessment))
    add((node, RDF.type, PROV.Entity))
    add((node, MOF.assessedModel, a.model))
    add((node, MOF.framework, fw.iri))
    add((node, MOF.classNumber, Literal(a.class_number)))
    if a.class_iri is not None:
        add((node, DCTERMS.conformsTo, a.class_iri))
    add((node, PROV.generatedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime)))
    add((node, PROV.wasGeneratedBy, run))
    add((run, RDF.type, PROV.Activity))
    add((run, PROV.used, fw.shapes_iri))
    add((run, MOF.shapesVersion, Literal(fw.version)))
    add((run, PROV.endedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime)))
    for cls in fw.classes:
        m = URIRef(f"{node}#progress-{_local(cls.iri)}")
        add((node, DQV.hasQualityMeasurement, m))
        add((m, RDF.type, DQV.QualityMeasurement))
        add((m, DQV.isMeasurementOf, MOF[f"Progress{_local(cls.iri).removeprefix('MOF-')}"]))
        add((m, MOF.forClass, cls.iri))
        add((m, DQV.value, Literal(round(a.progress[cls.number], 4))))
    for o in a.outcomes:
        req = o.requirement
        assertion = URIRef(f"{node}#{_local(req.shape)}")
        result = URIRef(f"{node}#{_local(req.shape)}-result")
        add((node, MOF.hasOutcome, assertion))
        add((assertion, RDF.type, EARL.Assertion))
        add((assertion, EARL.subject, a.model))
        add((assertion, EARL.test, req.shape))
        add((assertion, MOF.componentType, req.component_type))
        add((assertion, MOF.forClass, req.for_class))
        if req.optional:
            add((assertion, MOF.optional, Literal(True)))
        add((assertion, MOF.status, o.status))
        if o.state is not None:
            add((assertion, MOF.component, o.state.component))
            if o.state.licence is not None:
                add((assertion, MOF.appliedLicence, o.state.licence))
            if o.state.licence_text is not None:
                add((assertion, MOF.licenceText, Literal(o.state.licence_text)))
            add((assertion, MOF.licenceSource, o.state.licence_source or MOF.NoLicenceSource))
        add((assertion, EARL.result, result))
        add((result, RDF.type, EARL.TestResult))
        add((result, EARL.outcome, EARL.passed if o.met else EARL.failed))
    for w in a.warnings:
        warning = URIRef(f"{node}#warning-{_local(w.component)}")
        add((node, MOF.hasOutcome, warning))
        add((warning, RDF.type, EARL.Assertion))
        add((warning, EARL.subject, w.component))
        add((warning, EARL.test, w.shape))
        add((warning, MOF.status, MOF.OpenNotTypeAppropriate))
        add((warning, EARL.result, URIRef(f"{warning}-result")))
        add((URIRef(f"{warning}-result"), RDF.type, EARL.TestResult))
        add((URIRef(f"{warning}-result"), EARL.outcome, EARL.passed))
        add((URIRef(f"{warning}-result"), SH.resultSeverity, w.severity))
    return g


def write_assessments(
    store: Store,
    assessments: Sequence[ModelAssessment],
    *,
    now: datetime | None = None,
    shapes: Path | None = None,
) -> list[str]:
    """Replace each model's assessment graph (per framework), all in one commit."""
    when = now or datetime.now(UTC)
    frameworks: dict[str, Framework] = {}
    graphs: dict[str, Graph] = {}
    for a in assessments:
        if a.framework not in frameworks:
            frameworks[a.framework] = load_framework(a.framework, shapes=shapes)
        fw = frameworks[a.framework]
        graphs[str(assessment_graph(fw.key, a.model))] = assessment_rdf(a, fw, now=when)
    store.replace_graphs(graphs)
    return sorted(graphs)


__all__ = [
    "ComponentState",
    "LicenceWarning",
    "ModelAssessment",
    "Outcome",
    "ValidationResult",
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
