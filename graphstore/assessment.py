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
from rdflib import Graph, URIRef
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


def _lit(value: object) -> str:
    """A literal in N-Triples syntax (strings, booleans, integers, doubles)."""
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD.boolean}>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD.integer}>'
    if isinstance(value, float):
        return f'"{value!r}"^^<{XSD.double}>'
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is an N-Triples string


class _T:
    """The IRIs the RDF writer uses, as plain strings (rdflib namespace look-ups are slow)."""

    DCTERMS_conformsTo = str(DCTERMS.conformsTo)
    DQV_QualityMeasurement = str(DQV.QualityMeasurement)
    DQV_hasQualityMeasurement = str(DQV.hasQualityMeasurement)
    DQV_isMeasurementOf = str(DQV.isMeasurementOf)
    DQV_value = str(DQV.value)
    EARL_Assertion = str(EARL.Assertion)
    EARL_TestResult = str(EARL.TestResult)
    EARL_failed = str(EARL.failed)
    EARL_outcome = str(EARL.outcome)
    EARL_passed = str(EARL.passed)
    EARL_result = str(EARL.result)
    EARL_subject = str(EARL.subject)
    EARL_test = str(EARL.test)
    MOF_Assessment = str(MOF.Assessment)
    MOF_NoLicenceSource = str(MOF.NoLicenceSource)
    MOF_OpenNotTypeAppropriate = str(MOF.OpenNotTypeAppropriate)
    MOF_appliedLicence = str(MOF.appliedLicence)
    MOF_assessedModel = str(MOF.assessedModel)
    MOF_classNumber = str(MOF.classNumber)
    MOF_component = str(MOF.component)
    MOF_componentType = str(MOF.componentType)
    MOF_forClass = str(MOF.forClass)
    MOF_framework = str(MOF.framework)
    MOF_hasOutcome = str(MOF.hasOutcome)
    MOF_licenceSource = str(MOF.licenceSource)
    MOF_licenceText = str(MOF.licenceText)
    MOF_optional = str(MOF.optional)
    MOF_shapesVersion = str(MOF.shapesVersion)
    MOF_status = str(MOF.status)
    PROV_Activity = str(PROV.Activity)
    PROV_Entity = str(PROV.Entity)
    PROV_endedAtTime = str(PROV.endedAtTime)
    PROV_generatedAtTime = str(PROV.generatedAtTime)
    PROV_used = str(PROV.used)
    PROV_wasGeneratedBy = str(PROV.wasGeneratedBy)
    RDF_type = str(RDF.type)
    SH_resultSeverity = str(SH.resultSeverity)
    XSD_dateTime = str(XSD.dateTime)


def assessment_triples(
    a: ModelAssessment, fw: Framework, *, now: datetime, ids: Ids = DEFAULT_IDS
) -> Iterator[str]:
    """The RDF of one assessment as N-Triples lines (see docs/assessment.md)."""
    node = f"<{ids.assessment(fw.key, a.model)}>"
    base = node[:-1]
    model = f"<{a.model}>"
    run = f"{base}#run>"
    time = f'"{now.isoformat()}"^^<{_T.XSD_dateTime}>'
    rdf_type = f"<{_T.RDF_type}>"
    yield f"{node} {rdf_type} <{_T.MOF_Assessment}> ."
    yield f"{node} {rdf_type} <{_T.PROV_Entity}> ."
    yield f"{node} <{_T.MOF_assessedModel}> {model} ."
    yield f"{node} <{_T.MOF_framework}> <{fw.iri}> ."
    yield f"{node} <{_T.MOF_classNumber}> {_lit(a.class_number)} ."
    if a.class_iri is not None:
        yield f"{node} <{_T.DCTERMS_conformsTo}> <{a.class_iri}> ."
    yield f"{node} <{_T.PROV_generatedAtTime}> {time} ."
    yield f"{node} <{_T.PROV_wasGeneratedBy}> {run} ."
    yield f"{run} {rdf_type} <{_T.PROV_Activity}> ."
    yield f"{run} <{_T.PROV_used}> <{fw.shapes_iri}> ."
    yield f"{run} <{_T.MOF_shapesVersion}> {_lit(fw.version)} ."
    yield f"{run} <{_T.PROV_endedAtTime}> {time} ."
    for cls in fw.classes:
        local = _local(cls.iri)
        m = f"{base}#progress-{local}>"
        yield f"{node} <{_T.DQV_hasQualityMeasurement}> {m} ."
        yield f"{m} {rdf_type} <{_T.DQV_QualityMeasurement}> ."
        metric = MOF["Progress" + local.removeprefix("MOF-")]
        yield f"{m} <{_T.DQV_isMeasurementOf}> <{metric}> ."
        yield f"{m} <{_T.MOF_forClass}> <{cls.iri}> ."
        yield f"{m} <{_T.DQV_value}> {_lit(round(a.progress[cls.number], 4))} ."
    for o in a.outcomes:
        req = o.requirement
        local = _local(req.shape)
        assertion, result = f"{base}#{local}>", f"{base}#{local}-result>"
        yield f"{node} <{_T.MOF_hasOutcome}> {assertion} ."
        yield f"{assertion} {rdf_type} <{_T.EARL_Assertion}> ."
        yield f"{assertion} <{_T.EARL_subject}> {model} ."
        yield f"{assertion} <{_T.EARL_test}> <{req.shape}> ."
        yield f"{assertion} <{_T.MOF_componentType}> <{req.component_type}> ."
        yield f"{assertion} <{_T.MOF_forClass}> <{req.for_class}> ."
        if req.optional:
            yield f"{assertion} <{_T.MOF_optional}> {_lit(True)} ."
        yield f"{assertion} <{_T.MOF_status}> <{o.status}> ."
        if o.state is not None:
            yield f"{assertion} <{_T.MOF_component}> <{o.state.component}> ."
            if o.state.licence is not None:
                yield f"{assertion} <{_T.MOF_appliedLicence}> <{o.state.licence}> ."
            if o.state.licence_text is not None:
                yield f"{assertion} <{_T.MOF_licenceText}> {_lit(o.state.licence_text)} ."
            source = o.state.licence_source or _T.MOF_NoLicenceSource
            yield f"{assertion} <{_T.MOF_licenceSource}> <{source}> ."
        yield f"{assertion} <{_T.EARL_result}> {result} ."
        yield f"{result} {rdf_type} <{_T.EARL_TestResult}> ."
        yield f"{result} <{_T.EARL_outcome}> <{_T.EARL_passed if o.met else _T.EARL_failed}> ."
    for w in a.warnings:
        warning, result = (
            f"{base}#warning-{_local(w.component)}>",
            f"{base}#warning-{_local(w.component)}-result>",
        )
        yield f"{node} <{_T.MOF_hasOutcome}> {warning} ."
        yield f"{warning} {rdf_type} <{_T.EARL_Assertion}> ."
        yield f"{warning} <{_T.EARL_subject}> <{w.component}> ."
        yield f"{warning} <{_T.EARL_test}> <{w.shape}> ."
        yield f"{warning} <{_T.MOF_status}> <{_T.MOF_OpenNotTypeAppropriate}> ."
        yield f"{warning} <{_T.EARL_result}> {result} ."
        yield f"{result} {rdf_type} <{_T.EARL_TestResult}> ."
        yield f"{result} <{_T.EARL_outcome}> <{_T.EARL_passed}> ."
        yield f"{result} <{_T.SH_resultSeverity}> <{w.severity}> ."


def assessment_rdf(
    a: ModelAssessment, fw: Framework, *, now: datetime, ids: Ids = DEFAULT_IDS
) -> Graph:
    """The RDF of one assessment as an rdflib graph."""
    text = "\n".join(assessment_triples(a, fw, now=now, ids=ids))
    return Graph().parse(data=text, format="nt")


def write_assessments(
    store: Store,
    assessments: Sequence[ModelAssessment],
    *,
    now: datetime | None = None,
    shapes: Path | None = None,
) -> list[str]:
    """Replace each model's assessment graph (per framework), all in one commit.

    One SPARQL update (DROP each graph, then INSERT DATA all of them): Oxigraph applies an
    update request as one transaction. (Staging graphs moved with MOVE were twice as slow.)
    """
    when = now or datetime.now(UTC)
    frameworks: dict[str, Framework] = {}
    graphs: list[str] = []
    parts: list[str] = []
    for a in assessments:
        if a.framework not in frameworks:
            frameworks[a.framework] = load_framework(a.framework, shapes=shapes)
        fw = frameworks[a.framework]
        graph = str(assessment_graph(fw.key, a.model))
        graphs.append(graph)
        parts.append(f"GRAPH <{graph}> {{\n")
        parts.append("\n".join(assessment_triples(a, fw, now=when)))
        parts.append("\n}\n")
    if not graphs:
        return []
    drops = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in graphs)
    store.update(drops + "INSERT DATA {\n" + "".join(parts) + "}")
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
    "assessment_triples",
    "derive",
    "derived_graph",
    "derived_triples",
    "json_lines",
    "progress_by_class",
    "write_assessments",
]

_ = SCHEMA  # schema: is among the query prefixes
