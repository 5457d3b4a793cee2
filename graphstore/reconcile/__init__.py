"""Reconciliation: one organisation, one model, one dataset, however many sources name it.

:func:`reconcile_store` reads the organisations, models, datasets and projects of every source
graph (:mod:`.entities`), matches them across sources by normalised names, home page,
repository and Crunchbase/LinkedIn URLs and Hugging Face ids (:mod:`.keys`, :mod:`.matching`),
applies a curator's accepted and rejected matches, and replaces the graph
``graph:reconciliation`` in one transaction with the mappings in SSSOM's vocabulary and
``mof:reconciledAs`` for every entity (:mod:`.mapping_graph`). :mod:`.sssom_tsv` exports the
mappings as SSSOM TSV and reads overrides. docs/commons.md describes the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import MofkgError
from ..namespaces import Ids
from ..store.embedded import Store
from .entities import ENTITY_QUERY, Entity, collect
from .mapping_graph import RECONCILIATION_GRAPH, mapping_ntriples
from .matching import THRESHOLD, Outcome, reconcile_entities
from .sssom_tsv import Overrides

__all__ = ["RECONCILIATION_GRAPH", "THRESHOLD", "Report", "read_entities", "reconcile_store"]


def _text(term: object) -> str:
    """An IRI or literal's text."""
    return str(getattr(term, "value", term))


@dataclass
class Report:
    """What a run found and wrote."""

    entities: int
    outcome: Outcome
    triples: int
    warnings: list[str]

    @property
    def merged(self) -> int:
        return sum(1 for m in self.outcome.matches if m.merged)

    @property
    def clusters(self) -> int:
        """Clusters of more than one entity."""
        sizes: dict[str, int] = {}
        for canonical in self.outcome.clusters.values():
            sizes[canonical] = sizes.get(canonical, 0) + 1
        return sum(1 for n in sizes.values() if n > 1)


def read_entities(store: Store) -> dict[str, Entity]:
    """The entities of the store's source graphs."""
    solutions = store.oxigraph.query(ENTITY_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)
    rows = (
        {"g": str(s["g"].value), "e": str(s["e"].value), "p": str(s["p"].value), "o": _text(s["o"])}
        for s in solutions
    )
    return collect(rows)


def reconcile_store(
    store: Store,
    *,
    overrides: Overrides | None = None,
    threshold: float = THRESHOLD,
    ids: Ids | None = None,
    write: bool = True,
) -> Report:
    """Reconcile the store's sources and (unless ``write`` is false) replace the mapping graph."""
    if not 0.0 < threshold <= 1.0:
        raise MofkgError(f"threshold {threshold} is not in (0, 1]")
    entities = read_entities(store)
    warnings: list[str] = []
    accepted: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    decisions = (
        [(overrides.accepted, accepted), (overrides.rejected, rejected)] if overrides else []
    )
    source = overrides.source if overrides else ""
    for pairs, into in decisions:
        for subject, obj, line in pairs:
            absent = [iri for iri in (subject, obj) if iri not in entities]
            if absent:
                warnings.append(f"{source}:{line}: {', '.join(absent)} not in the store; skipped")
            else:
                into.append((subject, obj))
    outcome = reconcile_entities(
        entities, accepted=accepted, rejected=rejected, threshold=threshold
    )
    warnings += outcome.notes
    lines = mapping_ntriples(outcome, ids=ids or Ids())
    if write:
        data = "".join(lines).encode("utf-8")
        store.load(data, graph=str(RECONCILIATION_GRAPH), format="nt", replace=True)
    return Report(len(entities), outcome, len(set(lines)), warnings)
