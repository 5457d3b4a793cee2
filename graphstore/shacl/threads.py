"""The compiled shapes' queries on two threads: Oxigraph evaluates a query without the GIL.

Each top shape's work splits into jobs, one per constraint and one per property shape (with
everything nested in it). The jobs are dealt to the workers in turn, the same way every time,
and each worker has an engine of its own (its caches and its recursion check are its own),
so a run is as deterministic as one on a single thread: the same queries on each worker, the
same hits in the same order, joined in the order of the jobs.

A shape one of whose jobs finds it cannot be compiled (:class:`_Fallback`) goes to pySHACL
whole, with the reason of its first such job, as on one thread (its other jobs' hits are
dropped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rdflib.term import Node

from .model import Constraint, Shape, ShapesModel, _Fallback

if TYPE_CHECKING:
    from .hits import Hit

#: Threads that run the queries (the machines this runs on have two cores or more).
WORKERS = 2

Job = Callable[[Any], "list[Hit]"]  # run with an engine (graphstore.shacl.engine._Engine)


def with_workers(engine: Any, workers: int) -> list[Any]:
    """``engine`` and the engines of ``workers - 1`` more threads, sharing its caches."""
    more = (
        type(engine)(engine.store, engine.data_graphs, engine.shapes, shared=engine)
        for _ in range(workers - 1)
    )
    return [engine, *more]


def shape_jobs(shape: Shape, focus: str) -> list[Job]:
    """The parts of ``engine.shape_hits(shape, focus)``, in its order."""
    if shape.deactivated:
        return []

    def constraint(c: Constraint) -> Job:
        return lambda engine: engine.constraint_hits(shape, c, focus)

    def prop(p: Shape) -> Job:
        return lambda engine: engine.property_hits(shape, p, focus)

    return [constraint(c) for c in shape.constraints] + [prop(p) for p in shape.properties]


def run_jobs(engines: Sequence[Any], jobs: Sequence[Job]) -> list[list[Hit] | _Fallback]:
    """Each job's hits (or the :class:`_Fallback` it raised), job ``i`` run by engine
    ``i % len(engines)``; any other error is raised here, the first job's first."""
    results: list[list[Hit] | _Fallback | None] = [None] * len(jobs)
    errors: dict[int, BaseException] = {}

    def work(k: int) -> None:
        for i in range(k, len(jobs), len(engines)):
            try:
                results[i] = jobs[i](engines[k])
            except _Fallback as exc:
                results[i] = exc
            except BaseException as exc:  # raised again by the calling thread
                errors[i] = exc
                return

    workers = [
        threading.Thread(target=work, args=(k,), name=f"mofkg-shacl-{k}", daemon=True)
        for k in range(1, min(len(engines), len(jobs)))
    ]
    for w in workers:
        w.start()
    try:
        work(0)
    finally:
        for w in workers:
            w.join()
    if errors:
        raise errors[min(errors)]
    return [r if r is not None else [] for r in results]


def top_hits(model: ShapesModel, engines: Sequence[Any]) -> tuple[list[Hit], dict[Node, str]]:
    """The hits of the top shapes the engines run, in the shapes' order, and the shapes left
    to pySHACL, each with why."""
    reasons: list[str | None] = []  # per top shape: why pySHACL runs it (None: it does not)
    jobs: list[tuple[int, Job]] = []
    for i, shape in enumerate(model.top):
        reason = model.needs_fallback(shape)
        pattern = shape.target_pattern
        if reason is None and pattern is not None:
            jobs += [(i, job) for job in shape_jobs(shape, pattern)]
        elif reason is None:
            reason = "targets only pySHACL reads"
        reasons.append(reason)
    found = run_jobs(engines, [job for _, job in jobs])
    by_shape: list[list[Hit]] = [[] for _ in reasons]
    for (i, _), hits_or_not in zip(jobs, found, strict=True):
        if isinstance(hits_or_not, _Fallback):
            reasons[i] = reasons[i] or str(hits_or_not) or "targets only pySHACL reads"
        else:
            by_shape[i].extend(hits_or_not)
    fallback = {s.node: r for s, r in zip(model.top, reasons, strict=True) if r is not None}
    hits = [h for i, r in enumerate(reasons) if r is None for h in by_shape[i]]
    return hits, fallback


__all__ = ["WORKERS", "Job", "run_jobs", "shape_jobs", "top_hits", "with_workers"]
