"""Assessing the models of a remote store: working copies fetched by bounded CONSTRUCT queries.

The embedded store copies each batch of models into an in-memory store straight from its
engine (:mod:`mofkg.graphstore.frameworks.copies`). Here the same working copy is built over
HTTP: the ontology and licence graphs once, then per batch of :data:`REMOTE_BATCH` models one
CONSTRUCT per :data:`SUBJECTS_PER_QUERY` subjects for the models and their components (with
their blank nodes' triples), and one per as many IRIs for what these point to (one hop; cached
across batches). The framework's rules and shapes run on the copy as on the embedded store;
the derived facts and the assessments go back through the store's all-or-nothing write
(staging graphs, then one final update), streamed as the batches are assessed. Nothing asks
the store for all of its triples at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox

from ..namespaces import GRAPH, LICENCE_GRAPH, MOF, ONTOLOGY_GRAPH
from .embedded import Store
from .remote import RemoteStore

#: Models per working copy on a remote store.
REMOTE_BATCH = 500
#: IRIs named in one CONSTRUCT query's VALUES (bounds one request and its answer).
SUBJECTS_PER_QUERY = 400
#: Graphs copied whole, once per run: what every model's assessment may read.
WHOLE_GRAPHS = (str(ONTOLOGY_GRAPH), str(LICENCE_GRAPH))
_SKIPPED = (str(GRAPH["assessment/"]), str(GRAPH["derived/"]))
_NOT_SKIPPED = " ".join(f'FILTER(!STRSTARTS(STR(?g), "{p}"))' for p in _SKIPPED)
_OBJECTS = "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER isIRI(?o) }"


def _values(iris: Iterable[ox.NamedNode]) -> str:
    return " ".join(str(i) for i in iris)


def _chunks(items: Sequence[ox.NamedNode], size: int) -> Iterator[Sequence[ox.NamedNode]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def model_iris(store: RemoteStore) -> list[ox.NamedNode]:
    """Every model of the store (typed ``mof:Model`` in any graph), sorted."""
    rows = store.query(f"SELECT DISTINCT ?m WHERE {{ ?m a <{MOF.Model}> FILTER isIRI(?m) }}")
    return sorted({s["m"] for s in rows}, key=lambda m: m.value)


def components_of(store: RemoteStore, models: Sequence[ox.NamedNode]) -> list[ox.NamedNode]:
    """The components of the models (outside the assessments and derived facts)."""
    found: set[ox.NamedNode] = set()
    for part in _chunks(models, SUBJECTS_PER_QUERY):
        rows = store.query(
            f"SELECT DISTINCT ?c WHERE {{ VALUES ?m {{ {_values(part)} }} "
            f"GRAPH ?g {{ ?m <{MOF.hasComponent}> ?c }} FILTER isIRI(?c) {_NOT_SKIPPED} }}"
        )
        found.update(s["c"] for s in rows)
    return sorted(found, key=lambda c: c.value)


def _about(
    store: RemoteStore, subjects: Sequence[ox.NamedNode], *, blanks: bool = True
) -> list[ox.Triple]:
    """The triples of the subjects, outside the skipped graphs, and with ``blanks`` those of
    the blank nodes they point to (in the same answer, so that a blank node's label is the
    same in both)."""
    also = ("?o ?q ?x", "OPTIONAL { ?o ?q ?x FILTER isBlank(?o) }") if blanks else ("", "")
    triples: list[ox.Triple] = []
    for part in _chunks(subjects, SUBJECTS_PER_QUERY):
        triples += store.query(
            f"CONSTRUCT {{ ?s ?p ?o . {also[0]} }} WHERE {{ "
            f"VALUES ?s {{ {_values(part)} }} GRAPH ?g {{ ?s ?p ?o {also[1]} }} "
            f"{_NOT_SKIPPED} }}"
        )
    return triples


def _quads(triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
    return (ox.Quad(t.subject, t.predicate, t.object) for t in triples)


class RemoteCopies:
    """Builds the working copies of a run from a remote store; caches what several batches
    share (the whole graphs, the triples of the IRIs their models point to)."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self._whole: bytes | None = None
        self._around: dict[ox.NamedNode, list[ox.Triple]] = {}

    def whole_graphs(self) -> bytes:
        if self._whole is None:
            parts = [
                self.store.export(None, "ntriples", graph=g) or b""
                for g in WHOLE_GRAPHS
                if self.store.has_graph(g)
            ]
            self._whole = b"".join(parts)
        return self._whole

    def copy(self, models: Sequence[ox.NamedNode]) -> Store:
        """An in-memory copy of the models, their components, what these point to (one hop,
        as :func:`mofkg.graphstore.frameworks.copies.working_copy`) and the whole graphs."""
        work = Store()
        mem = work.oxigraph
        data = self.whole_graphs()
        if data:
            mem.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        subjects = [*models, *components_of(self.store, models)]
        mem.bulk_extend(_quads(_about(self.store, subjects)))
        copied = set(subjects)
        found = mem.query(_OBJECTS)
        assert isinstance(found, ox.QuerySolutions)
        objects = [o for o in (s[0] for s in found) if isinstance(o, ox.NamedNode)]
        objects = [o for o in objects if o not in copied]
        missing = [o for o in objects if o not in self._around]
        for o in missing:
            self._around[o] = []
        for t in _about(self.store, missing, blanks=False):
            self._around[t.subject].append(t)  # type: ignore[index]
        for o in objects:
            mem.bulk_extend(_quads(self._around[o]))
        return work


def assess_remote(
    store: RemoteStore,
    *,
    rules: str | None,
    derived: str,
    assess: Callable[[Store, set[str]], list[Any]],
    quads_of: Callable[[list[Any]], Iterable[ox.Quad]] | None,
    only: Sequence[str] | None = None,
    write_derived: bool = True,
) -> list[Any]:
    """Derive and assess every model of the remote store batch by batch; with
    ``write_derived``, write the derived facts (replacing the ``derived`` graph) and, with
    ``quads_of``, each batch's assessments (replacing their graphs), all in one write.

    ``only``: assess those models alone (the derived facts are still those of every model).
    """
    copies = RemoteCopies(store)
    models = model_iris(store)
    wanted = None if only is None else set(only)
    results: list[Any] = []  # the framework's ModelAssessment
    targets: list[str] = [derived] if write_derived else []
    graph = ox.NamedNode(derived)

    def batches() -> Iterator[ox.Quad]:
        for part in _chunks(models, REMOTE_BATCH):
            chosen = {m.value for m in part}
            if wanted is not None:
                chosen &= wanted
                if not chosen and not write_derived:
                    continue
            work = copies.copy(part)
            if rules is not None:
                triples = [ox.Quad(t.subject, t.predicate, t.object) for t in work.query(rules)]
                work.oxigraph.bulk_extend(triples)
                if write_derived:
                    yield from (ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples)
            if not chosen:
                continue
            batch = assess(work, chosen)
            results.extend(batch)
            if quads_of is not None:
                for q in quads_of(batch):
                    name = q.graph_name
                    if isinstance(name, ox.NamedNode) and name.value not in seen:
                        seen.add(name.value)
                        targets.append(name.value)
                    yield q

    seen: set[str] = set()
    if write_derived or quads_of is not None:
        store.write_quads(batches(), replace=targets)
    else:
        for _ in batches():
            pass
    results.sort(key=lambda a: str(a.model))
    return results


__all__ = ["REMOTE_BATCH", "RemoteCopies", "assess_remote", "components_of", "model_iris"]
