"""Loading a validated dump: its data, the derived facts and its models' assessments in ONE
commit, so that a kill (``kill -9``, SIGTERM, a power cut) leaves the store as it was before
``mofkg validate --load`` or with all of its write, never the data without its assessments.

The assessments must be those of the catalogue *after* the load (a model's components may
be described in other graphs of the store), yet nothing may be written before the one
commit. So the store is first copied, as it would be after the load, into an in-memory
*prospect*: every graph but the assessments, the derived facts and the graphs the dump
replaces, then the dump itself. The framework's rules and the assessment run on the
prospect (as :func:`~mofkg.graphstore.frameworks.assessment.assess_with` runs them on the
store), and one call of :func:`~mofkg.graphstore.store.commit.commit` writes the dump's
graphs, the derived graph and the models' assessment graphs, each replaced by difference.

The cost is a copy of the store in memory (as a first assessment of up to 5,000 models
makes one already, :func:`~mofkg.graphstore.frameworks.copies.whole_copy`): about the size
of the store's data, held until the commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain

import pyoxigraph as ox
from rdflib import Graph

from ..errors import MofkgError
from ..frameworks.assessment import assess_with, derived_graph
from ..frameworks.copies import skipped
from ..frameworks.definition import load_framework
from ..frameworks.writing import assessment_rdf
from ..namespaces import assessment_graph
from ..rdfio.loading import RdfInput, check_syntax, syntax_error_from, token_too_long
from ..store.commit import commit
from ..store.embedded import Store
from ..store.terms import graph_to_quads
from .outcome import FRAMEWORK


def _parsed(rdf: RdfInput, graph: str) -> list[ox.Quad]:
    """The input's quads, its default graph put into ``graph`` (blank nodes fresh per input,
    as :meth:`Store.load_all` makes them)."""
    target = ox.NamedNode(graph)
    try:
        return [
            ox.Quad(q.subject, q.predicate, q.object, target)
            if isinstance(q.graph_name, ox.DefaultGraph)
            else q
            for q in ox.parse(rdf.data, format=rdf.format.oxigraph, rename_blank_nodes=True)
        ]
    except (SyntaxError, ValueError) as exc:
        raise syntax_error_from(exc, rdf.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, rdf.source) from exc


def prospect(store: ox.Store, replaced: set[str], quads: Sequence[ox.Quad]) -> Store:
    """An in-memory store holding, merged, what ``store`` would hold after writing ``quads``
    with the ``replaced`` graphs emptied first: every graph but the assessments and derived
    facts (which are worked out again) and the replaced ones."""
    work = Store()
    mem = work.oxigraph
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    graphs += [
        g
        for g in store.named_graphs()
        if not skipped(g) and not (isinstance(g, ox.NamedNode) and g.value in replaced)
    ]
    for g in graphs:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        if data:
            mem.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    mem.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads if not skipped(q))
    return work


def load_in_one_commit(
    store: Store,
    rdf: Sequence[tuple[RdfInput, str]],
    mot: Mapping[str, Graph],
    models: Sequence[str],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Write the RDF inputs (each into its graph, replacing it), the MOT records' graphs
    (``mot``: graph IRI to rdflib graph) and the assessments of ``models`` under MOF 1.0
    with the derived facts, as ONE transaction; return the data graphs written."""
    if store.read_only:
        raise MofkgError("this store is open read-only")
    for inp, _ in rdf:
        check_syntax(inp)
    data: list[ox.Quad] = [q for inp, graph in rdf for q in _parsed(inp, graph)]
    for name, g in mot.items():
        data.extend(graph_to_quads(g, name))
    written = list(dict.fromkeys([g for _, g in rdf] + list(mot)))
    framework = load_framework(FRAMEWORK)
    derived = str(derived_graph(framework.key))
    replace: list[str] = [*written, derived]
    extra: list[Iterator[ox.Quad]] = []
    if models:
        work = prospect(store.oxigraph, set(written), data)
        assessments = assess_with(work, framework, models=list(models))
        when = now or datetime.now(UTC)
        named = ox.NamedNode(derived)
        extra.append(
            ox.Quad(q.subject, q.predicate, q.object, named)
            for q in work.oxigraph.quads_for_pattern(None, None, None, named)
        )
        for a in assessments:
            target = str(assessment_graph(framework.key, a.model))
            replace.append(target)
            extra.append(graph_to_quads(assessment_rdf(a, framework, now=when), target))
    else:
        replace.remove(derived)  # no model: the derived facts stay as they are
    commit(store.oxigraph, chain(data, *extra), replace=replace)
    store.flush()
    return written


__all__ = ["load_in_one_commit", "prospect"]
