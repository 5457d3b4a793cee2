"""Openness assessment of a whole store under one framework, batch by batch, stored as RDF.

A framework is its file (:mod:`.definition`); this module knows no rule of one. A run:

1. the derivation rules beside the file (``<key>-rules.rq``, a CONSTRUCT) derive each
   component's effective licence, written to the named graph ``graph:derived/<key>``
   (replaced on each run);
2. per batch of models, an in-memory working copy (:mod:`.copies`) is assessed under the
   framework's SHACL-AF rules and shapes (:mod:`.evaluate`);
3. the results are written as RDF (:mod:`.writing`), pipelined with the batches on disk.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..namespaces import GRAPH, MOF, PREFIXES, slug
from ..store.embedded import Store
from ..store.pending import PendingGraphs
from .copies import components_of, whole_copy, working_copy
from .definition import Framework, load_framework
from .evaluate import assess_copy
from .registry import all_frameworks
from .results import ComponentState, LicenceWarning, ModelAssessment, Outcome, ValidationResult
from .writing import (
    AssessmentWriter,
    Reassessment,
    assessment_quads_of,
    has_assessments,
    replace_by_difference,
    write_assessments,
)


def derived_graph(framework: str) -> URIRef:
    """The named graph holding the facts a framework's rules derive."""
    return GRAPH[f"derived/{slug(framework)}"]


def derive(store: Store, framework: Framework, reassessment: Reassessment | None = None) -> int:
    """Run the framework's rules over the store into :func:`derived_graph`; return its size.

    With a ``reassessment``, a derived graph that exists is replaced (or dropped) at its
    commit, with the assessments."""
    target = str(derived_graph(framework.key))
    if framework.rules is None:
        if reassessment is not None:
            reassessment.drop([target])
        else:
            store.drop_graphs([target])
        return 0
    graph = ox.NamedNode(target)
    quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in store.query(framework.rules))
    if store.has_graph(target) and reassessment is not None:
        found = set(quads)
        reassessment.add(store, [(target, found)])
        return len(found)
    if store.has_graph(target):
        replace_by_difference(store, [(target, set(quads))])
    else:
        with PendingGraphs(store, [target]):  # a new graph: rolled back if cut short
            store.oxigraph.bulk_extend(quads)
    return store.graph_size(target)


def derived_triples(store: Store, framework: Framework) -> Graph:
    """The rules' output as an rdflib graph, without writing it (for pySHACL)."""
    if framework.rules is None:
        return Graph()
    return store.construct(framework.rules)


def assess_models(
    store: Store,
    *,
    framework: str | Framework = "mof-1.0",
    models: list[str] | None = None,
    shapes: Path | None = None,
    now: datetime | None = None,
    reassessment: Reassessment | None = None,
) -> list[ModelAssessment]:
    """Assess every model in the store (or those given) under a framework's shapes.

    Writes the derived facts (effective licences) into ``graph:derived/<framework>`` (with a
    ``reassessment``: at its commit); the assessments themselves are only returned: store
    them with :func:`write_assessments`.
    """
    fw = _framework(framework, shapes)
    return assess_with(store, fw, models=models, reassessment=reassessment)


def assess_with(
    store: Store,
    fw: Framework,
    *,
    models: Sequence[str] | None = None,
    write_derived: bool = True,
    reassessment: Reassessment | None = None,
) -> list[ModelAssessment]:
    """:func:`assess_models` with a framework already loaded.

    The models are assessed in batches of :data:`BATCH_MODELS`, each on an in-memory working
    copy of what the rules and shapes read (:mod:`.copies`): the framework's rules write
    their inferences there, never into ``store``. With ``write_derived`` (the default) the
    derived facts (effective licences) of the whole store are written to
    :func:`derived_graph`; ``write_derived=False`` writes nothing into ``store``. With a
    ``reassessment``, the derived facts are not written but added to it (committed with the
    assessments, in one update).
    """
    if not isinstance(store, Store):  # a remote store: copies fetched by queries
        return _assess_remote(store, fw, only=models, write_derived=write_derived)
    if models is not None:
        if not write_derived:
            raise ValueError("write_derived=False assesses the whole store (models=None)")
        if write_derived:
            derive(store, fw, reassessment)
        return _assess_in_batches(store, fw, write_derived=False, only=models)
    return _assess_in_batches(store, fw, write_derived=write_derived, reassessment=reassessment)


def assess_and_write(
    store: Store,
    *,
    framework: str | Framework = "mof-1.0",
    shapes: Path | None = None,
    now: datetime | None = None,
    pending: PendingGraphs | None = None,
    reassessment: Reassessment | None = None,
) -> list[ModelAssessment]:
    """:func:`assess_models` then :func:`write_assessments` over the whole store, as
    ``mofkg assess`` runs them, with the same results and the same quads.

    On an on-disk store holding no assessment of the framework yet (the first assessment),
    each batch's assessments are bulk-loaded on a worker thread while the next batch is
    assessed (:class:`~mofkg.graphstore.frameworks.writing.AssessmentWriter`): Oxigraph's on-disk
    bulk
    load is most of the time of a run, and it runs without the GIL. If anything fails, the
    graphs begun are dropped. Otherwise (in memory, or a re-assessment, which replaces by
    difference) it is the two calls, whose changes (derived facts and assessments) are one
    update: committed at the end, or added to ``reassessment`` for the caller to commit with
    other frameworks' (:class:`~mofkg.graphstore.frameworks.writing.Reassessment`).
    """
    fw = _framework(framework, shapes)
    if not isinstance(store, Store):  # a remote store: one all-or-nothing write
        return _assess_remote(store, fw, write=now or datetime.now(UTC))
    if store.path is None or store.read_only or has_assessments(store, fw.key):
        changes = Reassessment() if reassessment is None else reassessment
        results = assess_with(store, fw, reassessment=changes)
        write_assessments(store, results, now=now, frameworks=[fw], reassessment=changes)
        if reassessment is None:
            changes.commit(store)
        return results
    with AssessmentWriter(store, fw, now=now or datetime.now(UTC), pending=pending) as writer:
        results = _assess_in_batches(store, fw, writer=writer)
        writer.finish()
    return results


def assess_all(
    store: Store, *, folder: Path | None = None, now: datetime | None = None
) -> dict[str, list[ModelAssessment]]:
    """:func:`assess_and_write` under every framework (:mod:`.registry`), by key.

    The first assessments of all the frameworks are one write: the graphs every framework's
    writer begins are named in one span of pending graphs, so a run cut short (a kill between
    two frameworks included) leaves none of them once the store opens again. A
    re-assessment's changes, of every framework, are one update (:class:`Reassessment`).
    """
    frameworks = all_frameworks(folder)
    changes = Reassessment()
    if store.path is None or store.read_only:
        found = {
            fw.key: assess_and_write(store, framework=fw, now=now, reassessment=changes)
            for fw in frameworks
        }
        changes.commit(store)
        return found
    with PendingGraphs(store) as pending:
        found = {
            fw.key: assess_and_write(
                store, framework=fw, now=now, pending=pending, reassessment=changes
            )
            for fw in frameworks
        }
        changes.commit(store)  # then the span ends (docs/assessment.md)
        return found


def _assess_remote(
    store: Store,
    fw: Framework,
    *,
    only: Sequence[str] | None = None,
    write_derived: bool = True,
    write: datetime | None = None,
) -> list[ModelAssessment]:
    """:func:`_assess_in_batches` on a remote store (:mod:`..store.remote_assess`): each
    batch's working copy is fetched by CONSTRUCT queries; the derived facts (and, with
    ``write``, the assessments made at that time) are written in one all-or-nothing write."""
    from ..store.remote_assess import assess_remote

    def quads(batch: list[ModelAssessment]) -> Iterator[ox.Quad]:
        assert write is not None
        return assessment_quads_of(batch, write, [fw])

    return assess_remote(
        store,  # type: ignore[arg-type]  # a RemoteStore
        rules=fw.rules,
        derived=str(derived_graph(fw.key)),
        assess=lambda work, chosen: _assess_in(work, fw, chosen),
        quads_of=quads if write is not None else None,
        only=only,
        write_derived=write_derived,
    )


def _framework(framework: str | Framework, shapes: Path | None) -> Framework:
    return (
        framework if isinstance(framework, Framework) else load_framework(framework, shapes=shapes)
    )


def _assess_in(
    work: Store, fw: Framework, models: Collection[str] | None = None
) -> list[ModelAssessment]:
    """One batch's working copy assessed (:func:`.evaluate.assess_copy`): its ``models``
    (None: every model of the copy, for a copy of the whole store)."""
    return assess_copy(work, fw, models)


#: Models per in-memory working copy: bounds the memory of a run (about 0.3 GiB per 5,000).
BATCH_MODELS = 5_000


def _assess_in_batches(
    store: Store,
    fw: Framework,
    *,
    write_derived: bool = True,
    writer: AssessmentWriter | None = None,
    only: Sequence[str] | None = None,
    reassessment: Reassessment | None = None,
) -> list[ModelAssessment]:
    """Derive and assess every model of the store, batch by batch on in-memory working
    copies; the derived facts are written to the store as in :func:`derive` (unless
    ``write_derived`` is false). With a ``writer``, each batch's derived facts and
    assessments go to it as soon as the batch is assessed."""
    oxi = store.oxigraph
    target = str(derived_graph(fw.key))
    graph = ox.NamedNode(target)
    # Without a writer, the derived graph is written in one update at the end.
    replacing = write_derived and (writer is None or store.has_graph(target))
    derived: set[ox.Quad] = set()
    model_type = ox.NamedNode(str(MOF.Model))
    typed = oxi.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), model_type)
    models = sorted({q.subject for q in typed if isinstance(q.subject, ox.NamedNode)})
    if only is not None:
        wanted = {ox.NamedNode(m) for m in only}
        models = [m for m in models if m in wanted]
    components = components_of(oxi, models if only is not None else None)
    around: dict[ox.NamedNode, list[ox.Quad]] = {}
    results: list[ModelAssessment] = []
    if writer is not None and write_derived and not replacing and fw.rules is not None:
        writer.begin([target])
    for start in range(0, len(models), BATCH_MODELS):
        batch_models = models[start : start + BATCH_MODELS]
        chosen: set[str] | None = None
        if len(models) <= BATCH_MODELS and only is None:
            work = whole_copy(oxi)
        else:
            work = working_copy(oxi, batch_models, components, around)
            chosen = {m.value for m in batch_models}
        if fw.rules is not None:
            # As N-Triples written and read by Oxigraph: no Python object per derived triple.
            found = work.oxigraph.query(fw.rules, prefixes=PREFIXES)
            assert isinstance(found, ox.QueryTriples)  # the rules are a CONSTRUCT
            piece = found.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
            if piece:
                work.oxigraph.bulk_load(piece, format=ox.RdfFormat.N_TRIPLES)
            if not write_derived or not piece:
                pass
            elif replacing:
                parsed = ox.parse(piece, format=ox.RdfFormat.N_TRIPLES)
                derived.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in parsed)
            else:
                assert writer is not None  # (replacing otherwise)
                writer.load(piece, graph=target)
        batch = _assess_in(work, fw, chosen)
        del work
        if writer is not None:
            writer.write(batch, last=start + BATCH_MODELS >= len(models))
        results.extend(batch)
    if not write_derived:
        pass
    elif fw.rules is None:
        if reassessment is not None:
            reassessment.drop([target])
        else:
            store.drop_graphs([target])
    elif reassessment is not None:
        reassessment.add(store, [(target, derived)])
    elif replacing:
        replace_by_difference(store, [(target, derived)])
    results.sort(key=lambda a: str(a.model))
    return results


def json_lines(assessments: Iterable[ModelAssessment]) -> Iterator[str]:
    """One JSON object per model, in the reference tool's API shape."""
    for a in assessments:
        yield json.dumps(a.to_json(), ensure_ascii=False)


__all__ = [
    "BATCH_MODELS",
    "ComponentState",
    "LicenceWarning",
    "ModelAssessment",
    "Outcome",
    "ValidationResult",
    "assess_all",
    "assess_and_write",
    "assess_models",
    "assess_with",
    "derive",
    "derived_graph",
    "derived_triples",
    "json_lines",
    "write_assessments",
]
