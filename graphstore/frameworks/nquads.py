"""Assessments as N-Quads text, built directly: the RDF of one assessment, and a run's pieces.

The vocabulary is in docs/assessment.md. Python builds an N-Quads line ~10x faster than a
pyoxigraph ``Quad`` object, and Oxigraph's bulk loader parses the text without the GIL
(:mod:`.writing` loads it). The IRIs come from the store and the framework, the literals from
pyoxigraph's own N-Triples form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SH, XSD

from ..errors import MofkgError
from ..namespaces import DEFAULT_IDS, DQV, EARL, MOF, Ids, assessment_graph
from ..store.terms import triples_to_graph
from .definition import Framework, load_framework
from .results import ModelAssessment

N = ox.NamedNode


def _n(iri: object) -> str:
    """An IRI as N-Quads writes it."""
    return f"<{iri}>"


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _T:
    """The constant terms of the writer, in their N-Quads form (built once)."""

    type = _n(RDF.type)
    conformsTo = _n(DCTERMS.conformsTo)
    QualityMeasurement = _n(DQV.QualityMeasurement)
    hasQualityMeasurement = _n(DQV.hasQualityMeasurement)
    isMeasurementOf = _n(DQV.isMeasurementOf)
    value = _n(DQV.value)
    TestResult = _n(EARL.TestResult)
    failed = _n(EARL.failed)
    outcome = _n(EARL.outcome)
    passed = _n(EARL.passed)
    result = _n(EARL.result)
    subject = _n(EARL.subject)
    test = _n(EARL.test)
    Assessment = _n(MOF.Assessment)
    NoLicenceSource = _n(MOF.NoLicenceSource)
    appliedLicence = _n(MOF.appliedLicence)
    assessedModel = _n(MOF.assessedModel)
    classNumber = _n(MOF.classNumber)
    component = _n(MOF.component)
    componentType = _n(MOF.componentType)
    forClass = _n(MOF.forClass)
    framework = _n(MOF.framework)
    hasOutcome = _n(MOF.hasOutcome)
    licenceSource = _n(MOF.licenceSource)
    licenceText = _n(MOF.licenceText)
    optional = _n(MOF.optional)
    shapesVersion = _n(MOF.shapesVersion)
    status = _n(MOF.status)
    Activity = _n(PROV.Activity)
    Entity = _n(PROV.Entity)
    endedAtTime = _n(PROV.endedAtTime)
    generatedAtTime = _n(PROV.generatedAtTime)
    used = _n(PROV.used)
    wasGeneratedBy = _n(PROV.wasGeneratedBy)
    resultSeverity = _n(SH.resultSeverity)
    true = str(ox.Literal("true", datatype=N(str(XSD.boolean))))


@dataclass
class Terms:
    """Per-framework and per-run terms (N-Quads text), and a cache of the terms many
    assessments share (licences, statuses, sources, classes, numbers)."""

    fw: Framework
    now: str
    version: str
    framework: str
    shapes: str
    classes: list[tuple[str, str, str]]  # (local, class, metric)
    requirements: list[tuple[str, str, str, str, bool]]  # (local, shape, type, class, optional)
    check_status: dict[URIRef, URIRef] = field(default_factory=dict)  # licence check -> status
    nodes: dict[str, str] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)
    doubles: dict[float, str] = field(default_factory=dict)

    @classmethod
    def of(cls, fw: Framework, now: datetime) -> Terms:
        classes = []
        for c in fw.classes:
            local = _local(c.iri)
            metric = _n(MOF["Progress" + local.removeprefix("MOF-")])
            classes.append((local, _n(c.iri), metric))
        requirements = [
            (_local(r.shape), _n(r.shape), _n(r.component_type), _n(r.for_class), r.optional)
            for r in fw.requirements
        ]
        return cls(
            fw=fw,
            now=str(ox.Literal(_xsd_datetime(now), datatype=N(str(XSD.dateTime)))),
            version=str(ox.Literal(fw.version)),
            framework=_n(fw.iri),
            shapes=_n(fw.shapes_iri),
            classes=classes,
            requirements=requirements,
            check_status={c.shape: c.status for c in fw.licence_checks if c.status is not None},
        )

    def node(self, iri: str) -> str:
        """A cached N-Quads form for IRIs that recur (licences, statuses, sources, classes)."""
        found = self.nodes.get(iri)
        if found is None:
            found = self.nodes[iri] = _n(N(iri).value)  # N() refuses an invalid IRI
        return found

    def integer(self, value: int) -> str:
        found = self.numbers.get(value)
        if found is None:
            literal = ox.Literal(str(value), datatype=N(str(XSD.integer)))
            found = self.numbers[value] = str(literal)
        return found

    def double(self, value: float) -> str:
        """xsd:double in its canonical form ("100", not "100.0"), as Oxigraph stores it."""
        found = self.doubles.get(value)
        if found is None:
            found = self.doubles[value] = str(ox.Literal(value))
        return found


def _xsd_datetime(when: datetime) -> str:
    """A time in the canonical form Oxigraph stores (UTC as "Z", no trailing zeros)."""
    text = when.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00")
    head, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def assessment_nquads(
    a: ModelAssessment, terms: Terms, graph: str, *, ids: Ids = DEFAULT_IDS
) -> list[str]:
    """The RDF of one assessment, as N-Quads lines in the named graph ``graph`` (an IRI).

    Text, not pyoxigraph quads: Python builds a line ~10x faster than a ``Quad`` object, and
    Oxigraph's bulk loader parses it without the GIL (see :func:`write_assessments`). The IRIs
    come from the store and the framework, the literals from pyoxigraph's own N-Triples form.

    The outcomes of a model share two result nodes, ``<assessment>#passed`` and
    ``<assessment>#failed`` (``earl:result/earl:outcome`` reads as before, with 2 triples per
    outcome fewer than a result node each); its licence warnings share one per severity,
    ``<assessment>#passed-Warning``. A requirement's outcome names no ``earl:subject``: the
    model is the assessment's ``mof:assessedModel``; a warning's ``earl:subject`` is its
    component. An outcome is not typed ``earl:Assertion``: the range of ``mof:hasOutcome``
    says so (docs/assessment.md).
    """
    t, g = _T, f"{graph} .\n"
    iri = str(ids.assessment(terms.fw.key, a.model))
    node, run = f"<{iri}>", f"<{iri}#run>"
    out = [
        f"{node} {t.type} {t.Assessment} {g}",
        f"{node} {t.type} {t.Entity} {g}",
        f"{node} {t.assessedModel} <{a.model}> {g}",
        f"{node} {t.framework} {terms.framework} {g}",
        f"{node} {t.classNumber} {terms.integer(a.class_number)} {g}",
    ]
    add = out.append
    if a.class_iri is not None:
        add(f"{node} {t.conformsTo} {terms.node(str(a.class_iri))} {g}")
    add(f"{node} {t.generatedAtTime} {terms.now} {g}")
    add(f"{node} {t.wasGeneratedBy} {run} {g}")
    add(f"{run} {t.type} {t.Activity} {g}")
    add(f"{run} {t.used} {terms.shapes} {g}")
    add(f"{run} {t.shapesVersion} {terms.version} {g}")
    add(f"{run} {t.endedAtTime} {terms.now} {g}")
    for (local, cls, metric), c in zip(terms.classes, terms.fw.classes, strict=True):
        m = f"<{iri}#progress-{local}>"
        add(f"{node} {t.hasQualityMeasurement} {m} {g}")
        add(f"{m} {t.type} {t.QualityMeasurement} {g}")
        add(f"{m} {t.isMeasurementOf} {metric} {g}")
        add(f"{m} {t.forClass} {cls} {g}")
        add(f"{m} {t.value} {terms.double(round(a.progress[c.number], 4))} {g}")
    results: dict[bool, str] = {}
    for (local, shape, ctype, for_class, optional), o in zip(
        terms.requirements, a.outcomes, strict=True
    ):
        assertion = f"<{iri}#{local}>"
        add(f"{node} {t.hasOutcome} {assertion} {g}")
        add(f"{assertion} {t.test} {shape} {g}")
        add(f"{assertion} {t.componentType} {ctype} {g}")
        add(f"{assertion} {t.forClass} {for_class} {g}")
        if optional:
            add(f"{assertion} {t.optional} {t.true} {g}")
        add(f"{assertion} {t.status} {terms.node(str(o.status))} {g}")
        state = o.state
        if state is not None:
            add(f"{assertion} {t.component} <{state.component}> {g}")
            if state.licence is not None:
                add(f"{assertion} {t.appliedLicence} {terms.node(str(state.licence))} {g}")
            if state.licence_text is not None:
                add(f"{assertion} {t.licenceText} {ox.Literal(state.licence_text)} {g}")
            source = state.licence_source
            source_term = terms.node(str(source)) if source is not None else t.NoLicenceSource
            add(f"{assertion} {t.licenceSource} {source_term} {g}")
        result = results.get(o.met)
        if result is None:
            result = results[o.met] = f"<{iri}#{'passed' if o.met else 'failed'}>"
            add(f"{result} {t.type} {t.TestResult} {g}")
            add(f"{result} {t.outcome} {t.passed if o.met else t.failed} {g}")
        add(f"{assertion} {t.result} {result} {g}")
    warned: dict[str, str] = {}
    for w in a.warnings:
        warning = f"<{iri}#warning-{_local(w.component)}>"
        add(f"{node} {t.hasOutcome} {warning} {g}")
        add(f"{warning} {t.subject} <{w.component}> {g}")
        add(f"{warning} {t.test} {terms.node(str(w.shape))} {g}")
        status = terms.check_status.get(w.shape)
        if status is not None:
            add(f"{warning} {t.status} {terms.node(str(status))} {g}")
        wresult = warned.get(str(w.severity))
        if wresult is None:  # one result node per severity, shared like #passed / #failed
            wresult = warned[str(w.severity)] = f"<{iri}#passed-{_local(w.severity)}>"
            add(f"{wresult} {t.type} {t.TestResult} {g}")
            add(f"{wresult} {t.outcome} {t.passed} {g}")
            add(f"{wresult} {t.resultSeverity} {terms.node(str(w.severity))} {g}")
        add(f"{warning} {t.result} {wresult} {g}")
    return out


def assessment_quads(
    a: ModelAssessment, terms: Terms, graph: ox.NamedNode, *, ids: Ids = DEFAULT_IDS
) -> list[ox.Quad]:
    """The RDF of one assessment as pyoxigraph quads (:func:`assessment_nquads`, parsed)."""
    text = "".join(assessment_nquads(a, terms, str(graph), ids=ids))
    return list(ox.parse(text, format=ox.RdfFormat.N_QUADS))


def assessment_rdf(
    a: ModelAssessment, fw: Framework, *, now: datetime, ids: Ids = DEFAULT_IDS
) -> Graph:
    """The RDF of one assessment as an rdflib graph."""
    graph = N(str(assessment_graph(fw.key, a.model)))
    return triples_to_graph(assessment_quads(a, Terms.of(fw, now), graph, ids=ids))


@dataclass(frozen=True)
class Planned:
    """One assessment to write: its target graph and the framework's terms."""

    assessment: ModelAssessment
    target: str
    terms: Terms


def plan_writes(
    assessments: Sequence[ModelAssessment],
    when: datetime,
    shapes: Path | None,
    known: Sequence[Framework] = (),
) -> list[Planned]:
    frameworks: dict[str, Terms] = {fw.key: Terms.of(fw, when) for fw in known}
    planned = []
    for a in assessments:
        terms = frameworks.get(a.framework)
        if terms is None:
            terms = frameworks[a.framework] = Terms.of(
                load_framework(a.framework, shapes=shapes), when
            )
        planned.append(Planned(a, str(assessment_graph(a.framework, a.model)), terms))
    return planned


def _lines(p: Planned) -> list[str]:
    wanted = len(p.terms.requirements)
    if len(p.assessment.outcomes) != wanted:
        raise MofkgError(
            f"{p.assessment.model}: the assessment has {len(p.assessment.outcomes)} "
            f"outcomes, the framework {p.terms.fw.key} has {wanted} requirements"
        )
    return assessment_nquads(p.assessment, p.terms, f"<{p.target}>")


def nquads_pieces(planned: Iterable[Planned], *, size: int | None = None) -> Iterator[bytes]:
    """The assessments' N-Quads, in pieces of about ``size`` (:data:`BULK_CHUNK`) quads."""
    size = size or BULK_CHUNK
    lines: list[str] = []
    for p in planned:
        lines.extend(_lines(p))
        if len(lines) >= size:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def quads_of(planned: Iterable[Planned]) -> Iterator[ox.Quad]:
    """The planned assessments' quads, one graph after the other (for a remote store)."""
    for p in planned:
        yield from ox.parse("".join(_lines(p)), format=ox.RdfFormat.N_QUADS)


def assessment_quads_of(
    assessments: Sequence[ModelAssessment], now: datetime, frameworks: Sequence[Framework]
) -> Iterator[ox.Quad]:
    """The assessments' quads, each in its assessment graph, as
    :func:`~.writing.write_assessments` writes them."""
    return quads_of(plan_writes(assessments, now, None, frameworks))


def planned_quads(p: Planned) -> set[ox.Quad]:
    return set(ox.parse("".join(_lines(p)), format=ox.RdfFormat.N_QUADS))


#: Quads per bulk load: the bulk loader holds a whole call in memory (about 0.5 KiB a quad).
BULK_CHUNK = 250_000

__all__ = [
    "BULK_CHUNK",
    "Planned",
    "Terms",
    "nquads_pieces",
    "plan_writes",
    "planned_quads",
    "assessment_nquads",
    "assessment_quads",
    "assessment_rdf",
]
