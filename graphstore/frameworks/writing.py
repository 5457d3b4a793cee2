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

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from ..errors import MofkgError, ReadOnlyError
from ..namespaces import GRAPH, assessment_graph, slug
from ..store.commit import Difference, difference
from ..store.embedded import Store
from ..store.pending import PendingGraphs
from .definition import Framework
from .nquads import (
    BULK_CHUNK,
    Planned,
    Terms,
    assessment_nquads,
    assessment_quads,
    assessment_quads_of,
    assessment_rdf,
    nquads_pieces,
    plan_writes,
    planned_quads,
    quads_of,
)
from .results import ModelAssessment


def write_assessments(
    store: Store,
    assessments: Sequence[ModelAssessment],
    *,
    now: datetime | None = None,
    shapes: Path | None = None,
    frameworks: Sequence[Framework] = (),
    reassessment: Reassessment | None = None,
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
    planned = plan_writes(assessments, now or datetime.now(UTC), shapes, frameworks)
    if not planned:
        return []
    targets = [p.target for p in planned]
    if not isinstance(store, Store):  # a remote store: one all-or-nothing write
        store.write_quads(quads_of(planned), replace=targets)
        return sorted(targets)
    existing = {g.value for g in store.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)}
    fresh = [p for p in planned if p.target not in existing]
    try:
        if len(fresh) < len(planned):
            # A re-assessment: ONE update for every graph, the new ones inserted whole.
            graphs = ((p.target, planned_quads(p)) for p in planned)
            if reassessment is not None:
                reassessment.add(store, graphs)  # committed with the rest of the run
            else:
                replace_by_difference(store, graphs)
        else:
            with PendingGraphs(store, targets):
                bulk_load_pieces(store.oxigraph, nquads_pieces(fresh, size=PIECE_QUADS))
    except OSError as exc:
        raise MofkgError(f"cannot write the assessments to the store: {exc}") from exc
    return sorted(targets)


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

    def load(self, piece: bytes, *, graph: str | None = None) -> None:
        """Bulk-load ``piece`` after the tasks before it: N-Quads, or N-Triples into the
        named ``graph``."""
        if graph is None:
            self.submit(partial(self.store.bulk_load, piece, format=ox.RdfFormat.N_QUADS))
        else:
            into = ox.NamedNode(graph)
            load = partial(self.store.bulk_load, format=ox.RdfFormat.N_TRIPLES, to_graph=into)
            self.submit(partial(load, piece))

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
        self._terms = Terms.of(fw, now)
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

    def load(self, piece: bytes, *, graph: str | None = None) -> None:
        """Load other N-Quads, or N-Triples into the named ``graph`` (e.g. a batch's derived
        facts), in turn with the assessments."""
        self._loader.load(piece, graph=graph)

    def write(self, assessments: Iterable[ModelAssessment], *, last: bool = False) -> None:
        """Queue the assessments' quads: they are built and loaded while the caller goes on
        (after the previous batch's are in). While the caller assesses the next batch, the
        pieces load one at a time, leaving it a core; the ``last`` batch's load side by side."""
        planned = [
            Planned(a, str(assessment_graph(a.framework, a.model)), self._terms)
            for a in assessments
        ]
        self.begin(p.target for p in planned)
        oxi = self._store.oxigraph

        def load() -> None:  # the text is built on the worker too, a piece at a time
            threads = LOAD_THREADS if last else 1
            bulk_load_pieces(oxi, nquads_pieces(planned, size=PIECE_QUADS), threads=threads)

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


class Reassessment:
    """The changes of a re-assessment, gathered so that they reach the store as ONE update
    (one transaction): the derived facts and the assessments of every framework of a run.

    Each :meth:`add` computes what turns graphs into their new contents against the store as
    it is (few quads change between runs, so what is held stays small); :meth:`commit` writes
    it all, or nothing if it fails or the process dies first (readers see the previous
    assessments or the new ones, never a mix).
    """

    def __init__(self) -> None:
        self._diff = Difference()

    def add(self, store: Store, graphs: Iterable[tuple[str, set[ox.Quad]]]) -> None:
        """Replace these named graphs by their new contents at the commit."""
        found = difference(store.oxigraph, graphs)
        self._diff.drops += found.drops
        self._diff.deletes += found.deletes
        self._diff.inserts += found.inserts
        self._diff.changed += found.changed

    def drop(self, graphs: Iterable[str]) -> None:
        """Drop these named graphs at the commit (e.g. a framework's derived facts, once its
        file has no derivation rules any more)."""
        self._diff.drops += [f"DROP SILENT GRAPH <{g}>" for g in graphs]

    def commit(self, store: Store) -> int:
        """Write every change gathered in one update; return how many quads changed."""
        if store.read_only:
            raise ReadOnlyError("this store is open read-only")
        update = self._diff.update()
        if update:
            try:
                store.update(update)
            except OSError as exc:
                raise MofkgError(f"cannot write the assessments to the store: {exc}") from exc
        changed, self._diff = self._diff.changed, Difference()
        return changed


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
    "BULK_CHUNK",
    "AssessmentWriter",
    "Reassessment",
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
