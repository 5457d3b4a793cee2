"""Assessments as RDF: pyoxigraph quads built directly (no text to parse), written in one go.

The vocabulary is in docs/assessment.md. Each model's assessment under a framework is one
named graph, ``graph:assessment/<framework>/<model-key>``. :func:`write_assessments` writes a
run's graphs as follows (docs/assessment.md, "Writing assessments"):

- a target graph that does not exist yet (the first assessment, the common case): its quads
  go straight into it with Oxigraph's bulk insert, in bounded chunks; nothing is replaced, and
  a failure drops the graphs it had begun;
- a target graph that exists (a re-assessment): ONE SPARQL update (one transaction) deletes
  the quads that went and inserts those that came (:func:`replace_by_difference`), so readers
  see the old assessments or the new ones, never a mix, and a failure before it leaves the
  previous assessments as they were. Few quads change between runs (the times, and what
  changed in the catalogue), so the transaction, which Oxigraph holds in memory, stays small.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import DCTERMS, PROV, RDF, SH, XSD

from .errors import MofkgError, ReadOnlyError
from .namespaces import DEFAULT_IDS, DQV, EARL, MOF, Ids, assessment_graph
from .requirements import Framework, load_framework
from .store import Store
from .terms import triples_to_graph

if TYPE_CHECKING:
    from .assessment import ModelAssessment

Quad = ox.Quad
N = ox.NamedNode


def _n(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _T:
    """The constant terms of the writer, as pyoxigraph nodes (built once)."""

    type = _n(RDF.type)
    conformsTo = _n(DCTERMS.conformsTo)
    QualityMeasurement = _n(DQV.QualityMeasurement)
    hasQualityMeasurement = _n(DQV.hasQualityMeasurement)
    isMeasurementOf = _n(DQV.isMeasurementOf)
    value = _n(DQV.value)
    Assertion = _n(EARL.Assertion)
    TestResult = _n(EARL.TestResult)
    failed = _n(EARL.failed)
    outcome = _n(EARL.outcome)
    passed = _n(EARL.passed)
    result = _n(EARL.result)
    subject = _n(EARL.subject)
    test = _n(EARL.test)
    Assessment = _n(MOF.Assessment)
    NoLicenceSource = _n(MOF.NoLicenceSource)
    OpenNotTypeAppropriate = _n(MOF.OpenNotTypeAppropriate)
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
    true = ox.Literal("true", datatype=_n(XSD.boolean))


@dataclass
class _Terms:
    """Per-framework and per-run terms, and a cache of the IRIs many assessments share."""

    fw: Framework
    now: ox.Literal
    version: ox.Literal
    framework: ox.NamedNode
    shapes: ox.NamedNode
    classes: list[tuple[str, ox.NamedNode, ox.NamedNode]]  # (local, class, metric)
    requirements: list[tuple[str, ox.NamedNode, ox.NamedNode, ox.NamedNode, bool]]
    nodes: dict[str, ox.NamedNode] = field(default_factory=dict)
    numbers: dict[int, ox.Literal] = field(default_factory=dict)

    @classmethod
    def of(cls, fw: Framework, now: datetime) -> _Terms:
        classes = []
        for c in fw.classes:
            local = _local(c.iri)
            metric = _n(MOF["Progress" + local.removeprefix("MOF-")])
            classes.append((local, _n(c.iri), metric))
        requirements = [
            (
                _local(r.shape),
                _n(r.shape),
                _n(r.component_type),
                _n(r.for_class),
                r.optional,
            )
            for r in fw.requirements
        ]
        return cls(
            fw=fw,
            now=ox.Literal(_xsd_datetime(now), datatype=_n(XSD.dateTime)),
            version=ox.Literal(fw.version),
            framework=_n(fw.iri),
            shapes=_n(fw.shapes_iri),
            classes=classes,
            requirements=requirements,
        )

    def node(self, iri: str) -> ox.NamedNode:
        """A cached node for IRIs that recur (licences, statuses, sources, classes)."""
        found = self.nodes.get(iri)
        if found is None:
            found = self.nodes[iri] = ox.NamedNode(iri)
        return found

    def integer(self, value: int) -> ox.Literal:
        found = self.numbers.get(value)
        if found is None:
            found = self.numbers[value] = ox.Literal(str(value), datatype=_n(XSD.integer))
        return found


def _xsd_datetime(when: datetime) -> str:
    """A time in the canonical form Oxigraph stores (UTC as "Z", no trailing zeros)."""
    text = when.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00")
    head, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def _double(value: float) -> ox.Literal:
    return ox.Literal(value)  # xsd:double in its canonical form ("100", not "100.0"), as stored


def assessment_quads(
    a: ModelAssessment, terms: _Terms, graph: ox.NamedNode, *, ids: Ids = DEFAULT_IDS
) -> Iterator[ox.Quad]:
    """The RDF of one assessment, in the named graph ``graph`` (see docs/assessment.md).

    The outcomes of a model share two result nodes, ``<assessment>#passed`` and
    ``<assessment>#failed`` (``earl:result/earl:outcome`` reads as before, with 2 triples per
    outcome fewer than a result node each); its licence warnings share one per severity,
    ``<assessment>#passed-Warning``. A requirement's outcome names no ``earl:subject``: the
    model is the assessment's ``mof:assessedModel``; a warning's ``earl:subject`` is its
    component.
    """
    t, g = _T, graph
    base = str(ids.assessment(terms.fw.key, a.model))
    node, model, run = N(base), N(str(a.model)), N(base + "#run")
    yield Quad(node, t.type, t.Assessment, g)
    yield Quad(node, t.type, t.Entity, g)
    yield Quad(node, t.assessedModel, model, g)
    yield Quad(node, t.framework, terms.framework, g)
    yield Quad(node, t.classNumber, terms.integer(a.class_number), g)
    if a.class_iri is not None:
        yield Quad(node, t.conformsTo, terms.node(str(a.class_iri)), g)
    yield Quad(node, t.generatedAtTime, terms.now, g)
    yield Quad(node, t.wasGeneratedBy, run, g)
    yield Quad(run, t.type, t.Activity, g)
    yield Quad(run, t.used, terms.shapes, g)
    yield Quad(run, t.shapesVersion, terms.version, g)
    yield Quad(run, t.endedAtTime, terms.now, g)
    for (local, cls, metric), c in zip(terms.classes, terms.fw.classes, strict=True):
        m = N(f"{base}#progress-{local}")
        yield Quad(node, t.hasQualityMeasurement, m, g)
        yield Quad(m, t.type, t.QualityMeasurement, g)
        yield Quad(m, t.isMeasurementOf, metric, g)
        yield Quad(m, t.forClass, cls, g)
        yield Quad(m, t.value, _double(round(a.progress[c.number], 4)), g)
    results: dict[bool, ox.NamedNode] = {}
    for (local, shape, ctype, for_class, optional), o in zip(
        terms.requirements, a.outcomes, strict=True
    ):
        assertion = N(f"{base}#{local}")
        yield Quad(node, t.hasOutcome, assertion, g)
        yield Quad(assertion, t.type, t.Assertion, g)
        yield Quad(assertion, t.test, shape, g)
        yield Quad(assertion, t.componentType, ctype, g)
        yield Quad(assertion, t.forClass, for_class, g)
        if optional:
            yield Quad(assertion, t.optional, t.true, g)
        yield Quad(assertion, t.status, terms.node(str(o.status)), g)
        state = o.state
        if state is not None:
            yield Quad(assertion, t.component, N(str(state.component)), g)
            if state.licence is not None:
                yield Quad(assertion, t.appliedLicence, terms.node(str(state.licence)), g)
            if state.licence_text is not None:
                yield Quad(assertion, t.licenceText, ox.Literal(state.licence_text), g)
            source = state.licence_source
            yield Quad(
                assertion,
                t.licenceSource,
                terms.node(str(source)) if source is not None else t.NoLicenceSource,
                g,
            )
        result = results.get(o.met)
        if result is None:
            result = results[o.met] = N(base + ("#passed" if o.met else "#failed"))
            yield Quad(result, t.type, t.TestResult, g)
            yield Quad(result, t.outcome, t.passed if o.met else t.failed, g)
        yield Quad(assertion, t.result, result, g)
    warned: dict[str, ox.NamedNode] = {}
    for w in a.warnings:
        warning = N(f"{base}#warning-{_local(w.component)}")
        yield Quad(node, t.hasOutcome, warning, g)
        yield Quad(warning, t.type, t.Assertion, g)
        yield Quad(warning, t.subject, N(str(w.component)), g)
        yield Quad(warning, t.test, terms.node(str(w.shape)), g)
        yield Quad(warning, t.status, t.OpenNotTypeAppropriate, g)
        wresult = warned.get(str(w.severity))
        if wresult is None:  # one result node per severity, shared like #passed / #failed
            wresult = warned[str(w.severity)] = N(f"{base}#passed-{_local(w.severity)}")
            yield Quad(wresult, t.type, t.TestResult, g)
            yield Quad(wresult, t.outcome, t.passed, g)
            yield Quad(wresult, t.resultSeverity, terms.node(str(w.severity)), g)
        yield Quad(warning, t.result, wresult, g)


def assessment_rdf(
    a: ModelAssessment, fw: Framework, *, now: datetime, ids: Ids = DEFAULT_IDS
) -> Graph:
    """The RDF of one assessment as an rdflib graph."""
    graph = N(str(assessment_graph(fw.key, a.model)))
    return triples_to_graph(assessment_quads(a, _Terms.of(fw, now), graph, ids=ids))


@dataclass(frozen=True)
class _Planned:
    """One assessment to write: its target graph and the framework's terms."""

    assessment: ModelAssessment
    target: str
    terms: _Terms


def _plan(
    assessments: Sequence[ModelAssessment], when: datetime, shapes: Path | None
) -> list[_Planned]:
    frameworks: dict[str, _Terms] = {}
    planned = []
    for a in assessments:
        terms = frameworks.get(a.framework)
        if terms is None:
            terms = frameworks[a.framework] = _Terms.of(
                load_framework(a.framework, shapes=shapes), when
            )
        planned.append(_Planned(a, str(assessment_graph(a.framework, a.model)), terms))
    return planned


def _quads(planned: Sequence[_Planned]) -> Iterator[ox.Quad]:
    for p in planned:
        wanted = len(p.terms.requirements)
        if len(p.assessment.outcomes) != wanted:
            raise MofkgError(
                f"{p.assessment.model}: the assessment has {len(p.assessment.outcomes)} "
                f"outcomes, the framework {p.terms.fw.key} has {wanted} requirements"
            )
        yield from assessment_quads(p.assessment, p.terms, N(p.target))


def write_assessments(
    store: Store,
    assessments: Sequence[ModelAssessment],
    *,
    now: datetime | None = None,
    shapes: Path | None = None,
) -> list[str]:
    """Replace each model's assessment graph (per framework); return the graphs written.

    When none of the graphs exists yet, the quads go straight into them with
    ``bulk_extend``; otherwise through staging graphs and one update (see the module).
    """
    if store.read_only:
        raise ReadOnlyError("this store is open read-only")
    planned = _plan(assessments, now or datetime.now(UTC), shapes)
    if not planned:
        return []
    targets = [p.target for p in planned]
    existing = {g.value for g in store.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)}
    fresh = [p for p in planned if p.target not in existing]
    oxi = store.oxigraph
    try:
        if fresh:
            try:
                _bulk_extend(oxi, _quads(fresh))
            except BaseException:
                store.drop_graphs(
                    [p.target for p in fresh if oxi.contains_named_graph(N(p.target))]
                )
                raise
        replaced = [p for p in planned if p.target in existing]
        if replaced:
            replace_by_difference(store, ((p.target, set(_quads([p]))) for p in replaced))
    except OSError as exc:
        raise MofkgError(f"cannot write the assessments to the store: {exc}") from exc
    return sorted(targets)


#: Quads per bulk insert: the bulk loader holds a whole call in memory (about 0.5 KiB a quad).
BULK_CHUNK = 250_000


def _bulk_extend(store: ox.Store, quads: Iterator[ox.Quad]) -> None:
    """``bulk_extend`` in chunks, so that memory stays bounded whatever the number of quads."""
    while chunk := list(islice(quads, BULK_CHUNK)):
        store.bulk_extend(chunk)


def replace_by_difference(store: Store, graphs: Iterable[tuple[str, set[ox.Quad]]]) -> int:
    """Replace named graphs by new contents with ONE update (one transaction) that deletes
    the quads that went and inserts those that came; return how many quads changed.

    A re-assessment changes few quads (the times, and what changed in the catalogue), so the
    transaction stays small: Oxigraph holds a transaction's writes in memory. A graph holding
    blank nodes (which DELETE DATA cannot name) is dropped and inserted whole instead.
    """
    drops: list[str] = []
    deletes: list[str] = []
    inserts: list[str] = []
    changed = 0
    for name, new in graphs:
        graph = N(name)
        old = set(store.oxigraph.quads_for_pattern(None, None, None, graph))
        if any(
            isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in old
        ):
            drops.append(f"DROP SILENT GRAPH <{name}>")
            gone, came = set(), new
        else:
            gone, came = old - new, new - old
        changed += len(gone) + len(came)
        if gone:
            deletes.append(f"GRAPH <{name}> {{\n" + _triples(gone) + "}\n")
        if came:
            inserts.append(f"GRAPH <{name}> {{\n" + _triples(came) + "}\n")
    parts = drops
    if deletes:
        parts.append("DELETE DATA {\n" + "".join(deletes) + "}")
    if inserts:
        parts.append("INSERT DATA {\n" + "".join(inserts) + "}")
    if parts:
        store.update(" ;\n".join(parts))
    return changed


def _triples(quads: Iterable[ox.Quad]) -> str:
    return "".join(f"{q.triple} .\n" for q in quads)


__all__ = [
    "assessment_quads",
    "assessment_rdf",
    "replace_by_difference",
    "write_assessments",
]
