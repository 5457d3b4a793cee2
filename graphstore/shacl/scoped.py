"""Which data each set of shapes validates: the metadata shapes see the catalogue staged
beside a dump, the user's shapes the dump alone (unless asked for the union).

A dump is staged beside the ontology and the licence graph (the metadata shapes read class
hierarchies and licences from them). Shapes a user brings are about the dump: run over the
union, a shape on ``sh:targetSubjectsOf rdfs:label`` would also judge hundreds of SPDX licence
nodes. ``with_catalogue`` gives them the union, as the metadata shapes have.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph

from ..store.embedded import Store
from .engine import validate_store
from .results import ValidationOutcome

__all__ = ["validate_scoped"]


def validate_scoped(
    store: Store,
    shapes: Graph,
    user: Graph,
    *,
    catalogue: Iterable[str],
    with_catalogue: bool = False,
    workers: int = 1,
) -> ValidationOutcome:
    """``shapes`` over every graph of ``store``; ``user`` over its graphs but ``catalogue``
    (all of them with ``with_catalogue``), by ``workers`` threads. Raises
    :class:`ShapesError` as validate_store."""
    outcomes = []
    if len(shapes):
        outcomes.append(validate_store(store, shapes, workers=workers))
    if len(user):
        excluded = set(catalogue)
        names = (g.value for g in store.oxigraph.named_graphs() if hasattr(g, "value"))
        dump = [g for g in names if g not in excluded]
        scope = None if with_catalogue else dump
        outcomes.append(validate_store(store, user, data_graphs=scope, workers=workers))
    return merge(outcomes)


def merge(outcomes: list[ValidationOutcome]) -> ValidationOutcome:
    """One outcome holding the results and notes of ``outcomes``, in order."""
    paths = Graph()
    for o in outcomes:
        paths += o.paths
    return ValidationOutcome(
        conforms=all(o.conforms for o in outcomes),
        results=[r for o in outcomes for r in o.results],
        engine=[n for o in outcomes for n in o.engine],
        queries=sum(o.queries for o in outcomes),
        paths=paths,
    )
