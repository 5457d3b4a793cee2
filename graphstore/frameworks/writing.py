"""Assessments as RDF: N-Quads text built directly, bulk-loaded by Oxigraph without the GIL.

The vocabulary is in docs/assessment.md. Each model's assessment under a framework is one
named graph, ``graph:assessment/<framework>/<model-key>``. :func:`write_assessments` writes a
run's graphs as follows (docs/assessment.md, "Writing assessments"):

- a target graph that does not exist yet (the first assessment, the common case): its quads
  go straight into it with Oxigraph's bulk loader, in bounded pieces loaded on a worker
  thread (:class:`BulkLoader`; :class:`AssessmentWriter` for batches as they are assessed);
  nothing is replaced, and a failure drops the graphs it had begun, as does the next opening
  of the store for writing after a kill (:class:`~mofkg.graphstore.store.pending.PendingGraphs`);
- when a target graph exists (a re-assessment): ONE SPARQL update (one transaction) deletes
  the quads that went and inserts those that came (:func:`replace_by_difference`), so readers
  see the old assessments or the new ones, never a mix, and a failure before it leaves the
  previous assessments as they were. Few quads change between runs (the times, and what
  changed in the catalogue), so the transaction, which Oxigraph holds in memory, stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SH, XSD

from ..errors import MofkgError, ReadOnlyError
from ..namespaces import DEFAULT_IDS, DQV, EARL, GRAPH, MOF, Ids, assessment_graph, slug
from ..store.commit import difference
from ..store.embedded import Store
from ..store.pending import PendingGraphs
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
class _Terms:
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
    def of(cls, fw: Framework, now: datetime) -> _Terms:
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
    a: ModelAssessment, terms: _Terms, graph: str, *, ids: Ids = DEFAULT_IDS
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
    a: ModelAssessment, terms: _Terms, graph: ox.NamedNode, *, ids: Ids = DEFAULT_IDS
) -> list[ox.Quad]:
    """The RDF of one assessment as pyoxigraph quads (:func:`assessment_nquads`, parsed)."""
    text = "".join(assessment_nquads(a, terms, str(graph), ids=ids))
    return list(ox.parse(text, format=ox.RdfFormat.N_QUADS))


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
    assessments: Sequence[ModelAssessment],
    when: datetime,
    shapes: Path | None,
    known: Sequence[Framework] = (),
) -> list[_Planned]:
    frameworks: dict[str, _Terms] = {fw.key: _Terms.of(fw, when) for fw in known}
    planned = []
    for a in assessments:
        terms = frameworks.get(a.framework)
        if terms is None:
            terms = frameworks[a.framework] = _Terms.of(
                load_framework(a.framework, shapes=shapes), when
            )
        planned.append(_Planned(a, str(assessment_graph(a.framework, a.model)), terms))
    return planned


def _lines(p: _Planned) -> list[str]:
    wanted = len(p.terms.requirements)
    if len(p.assessment.outcomes) != wanted:
        raise MofkgError(
            f"{p.assessment.model}: the assessment has {len(p.assessment.outcomes)} "
            f"outcomes, the framework {p.terms.fw.key} has {wanted} requirements"
        )
    return assessment_nquads(p.assessment, p.terms, f"<{p.target}>")


def _chunks(planned: Iterable[_Planned], *, size: int | None = None) -> Iterator[bytes]:
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


def write_assessments(
    store: Store,
    assessments: Sequence[ModelAssessment],
    *,
    now: datetime | None = None,
    shapes: Path | None = None,
    frameworks: Sequence[Framework] = (),
) -> list[str]:
    """Replace each model's assessment graph (per framework); return the graphs written.

    The frameworks are read from ``frameworks`` (loaded already, e.g. from a folder the
    settings add), else from ``shapes``, else the shipped file of each assessment's key.

    When none of the graphs exists yet they are bulk-loaded (:func:`bulk_load_pieces`), and
    rolled back if that is cut short (:class:`~mofkg.graphstore.store.pending.PendingGraphs`);
    otherwise
    all are replaced by difference in one update (see the module).
    """
    if store.read_only:
        raise ReadOnlyError("this store is open read-only")
    planned = _plan(assessments, now or datetime.now(UTC), shapes, frameworks)
    if not planned:
        return []
    targets = [p.target for p in planned]
    if not isinstance(store, Store):  # a remote store: one all-or-nothing write
        store.write_quads(_quads_of(planned), replace=targets)
        return sorted(targets)
    existing = {g.value for g in store.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)}
    fresh = [p for p in planned if p.target not in existing]
    try:
        if len(fresh) < len(planned):
            # A re-assessment: ONE update for every graph, the new ones inserted whole.
            replace_by_difference(store, ((p.target, _parsed(p)) for p in planned))
        else:
            with PendingGraphs(store, targets):
                bulk_load_pieces(store.oxigraph, _chunks(fresh, size=PIECE_QUADS))
    except OSError as exc:
        raise MofkgError(f"cannot write the assessments to the store: {exc}") from exc
    return sorted(targets)


def assessment_quads_of(
    assessments: Sequence[ModelAssessment], now: datetime, frameworks: Sequence[Framework]
) -> Iterator[ox.Quad]:
    """The assessments' quads, each in its assessment graph, as :func:`write_assessments`
    writes them."""
    return _quads_of(_plan(assessments, now, None, frameworks))


def _quads_of(planned: Iterable[_Planned]) -> Iterator[ox.Quad]:
    for p in planned:
        yield from ox.parse("".join(_lines(p)), format=ox.RdfFormat.N_QUADS)


def _parsed(p: _Planned) -> set[ox.Quad]:
    return set(ox.parse("".join(_lines(p)), format=ox.RdfFormat.N_QUADS))


#: Quads per bulk load: the bulk loader holds a whole call in memory (about 0.5 KiB a quad).
BULK_CHUNK = 250_000


class BulkLoader:
    """Runs bulk loads in order on one worker thread while the caller goes on.

    ``Store.bulk_load`` parses and writes without holding the GIL (``bulk_extend`` holds it
    while it reads Python quads), so the caller builds the next piece, or assesses the next
    batch, meanwhile. At most ``pending`` tasks are queued or running: :meth:`submit` waits
    for the oldest beyond that, which bounds memory. A failed task is raised by a later
    :meth:`submit` or by :meth:`finish`; leaving the ``with`` block waits for every task.
    """

    def __init__(self, store: ox.Store, *, pending: int = 1) -> None:
        self.store = store
        self._pending = pending
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mofkg-bulk-load")
        self._tasks: list[Future[None]] = []

    def __enter__(self) -> BulkLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._worker.shutdown(wait=True)

    def submit(self, task: Callable[[], None]) -> None:
        """Run ``task`` after the tasks before it, once fewer than ``pending`` are waiting."""
        while len(self._tasks) >= self._pending:
            self._tasks.pop(0).result()
        self._tasks.append(self._worker.submit(task))

    def load(self, piece: bytes) -> None:
        """Bulk-load ``piece`` (N-Quads) after the tasks before it."""
        self.submit(partial(self.store.bulk_load, piece, format=ox.RdfFormat.N_QUADS))

    def finish(self) -> None:
        """Wait until every task has run (raises the first error, if any)."""
        while self._tasks:
            self._tasks.pop(0).result()


#: Pieces bulk-loaded side by side, and their size. Oxigraph's bulk loader gives one thread
#: to an input of under a million quads; pieces loaded at once use the other cores too (the
#: first assessments of 1,000 models, 213,000 quads: 1.3 s in one piece, 0.6 s in four). Four
#: at once while the next batch is assessed slowed 50,000 models by 17% and took 360 MiB more.
LOAD_THREADS = 4
PIECE_QUADS = 60_000


def bulk_load_pieces(
    store: ox.Store, pieces: Iterable[bytes], *, threads: int = LOAD_THREADS
) -> None:
    """Bulk-load N-Quads pieces, up to ``threads`` at once; the next piece is built while
    earlier ones load (``bulk_load`` runs without the GIL). Every piece is loaded or the
    first error is raised once the others have ended.

    >>> store = ox.Store()
    >>> pieces = [f'<http://e/{i}> <http://e/p> "{i}" .'.encode() for i in range(9)]
    >>> bulk_load_pieces(store, pieces, threads=2)
    >>> len(store)
    9
    """
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mofkg-bulk-piece") as pool:
        running: list[Future[None]] = []
        for piece in pieces:
            while len(running) >= threads:
                running.pop(0).result()
            running.append(pool.submit(store.bulk_load, piece, format=ox.RdfFormat.N_QUADS))
        for task in running:
            task.result()


class AssessmentWriter:
    """Writes the first assessments of one framework batch by batch, each batch's quads
    loaded on a worker thread while the caller assesses the next (:class:`BulkLoader`).

    For graphs that do not exist yet (check with :func:`has_assessments`). Use as a context
    manager: on an error, the graphs it had begun (and those of :meth:`load` pieces such as
    the derived graph, when named in ``begun``) are dropped, as in :func:`write_assessments`.
    """

    def __init__(
        self, store: Store, fw: Framework, *, now: datetime, pending: PendingGraphs | None = None
    ) -> None:
        self._store = store
        self._terms = _Terms.of(fw, now)
        self._loader = BulkLoader(store.oxigraph, pending=2)
        # A caller's span of pending graphs (several frameworks in one write) ends with the
        # caller's; otherwise this writer's ends with it.
        self._own = pending is None
        self._pending = PendingGraphs(store) if pending is None else pending

    def begin(self, graphs: Iterable[str]) -> None:
        """Name new graphs before their quads are loaded, so that they are rolled back if
        the write fails or is cut short (:class:`~mofkg.graphstore.store.pending.PendingGraphs`)."""
        self._pending.begin(graphs)

    def __enter__(self) -> AssessmentWriter:
        if self._store.read_only:
            raise ReadOnlyError("this store is open read-only")
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            self._loader.__exit__()
        finally:
            if self._own:
                self._pending.__exit__(kind, None, None)

    def load(self, piece: bytes) -> None:
        """Load other N-Quads (e.g. a batch's derived facts) in turn with the assessments."""
        self._loader.load(piece)

    def write(self, assessments: Iterable[ModelAssessment], *, last: bool = False) -> None:
        """Queue the assessments' quads: they are built and loaded while the caller goes on
        (after the previous batch's are in). While the caller assesses the next batch, the
        pieces load one at a time, leaving it a core; the ``last`` batch's load side by side."""
        planned = [
            _Planned(a, str(assessment_graph(a.framework, a.model)), self._terms)
            for a in assessments
        ]
        self.begin(p.target for p in planned)
        oxi = self._store.oxigraph

        def load() -> None:  # the text is built on the worker too, a piece at a time
            threads = LOAD_THREADS if last else 1
            bulk_load_pieces(oxi, _chunks(planned, size=PIECE_QUADS), threads=threads)

        self._loader.submit(load)

    def finish(self) -> None:
        """Wait until everything is written."""
        try:
            self._loader.finish()
        except OSError as exc:
            raise MofkgError(f"cannot write the assessments to the store: {exc}") from exc


def has_assessments(store: Store, framework: str) -> bool:
    """Whether the store holds any assessment graph of the framework."""
    prefix = str(GRAPH[f"assessment/{slug(framework)}/"])
    return any(
        isinstance(g, ox.NamedNode) and g.value.startswith(prefix)
        for g in store.oxigraph.named_graphs()
    )


def replace_by_difference(store: Store, graphs: Iterable[tuple[str, set[ox.Quad]]]) -> int:
    """Replace named graphs by new contents with ONE update (one transaction) that deletes
    the quads that went and inserts those that came; return how many quads changed.

    A re-assessment changes few quads (the times, and what changed in the catalogue), so the
    transaction stays small: Oxigraph holds a transaction's writes in memory. A graph holding
    blank nodes (which DELETE DATA cannot name) is dropped and inserted whole instead.
    """
    diff = difference(store.oxigraph, graphs)
    update = diff.update()
    if update:
        store.update(update)
    return diff.changed


__all__ = [
    "AssessmentWriter",
    "BulkLoader",
    "assessment_nquads",
    "assessment_quads",
    "assessment_quads_of",
    "bulk_load_pieces",
    "has_assessments",
    "assessment_rdf",
    "replace_by_difference",
    "write_assessments",
]
