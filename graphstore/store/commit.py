"""Writes in one commit: every write of mofkg reaches the store as ONE Oxigraph transaction.

RocksDB commits a transaction atomically, also across a crash: a process killed (``kill -9``,
a power cut) before the commit leaves nothing of the write, after it all of it. So a write
is first *staged* in this process's memory (parsed quads, never in the store, so no query
can see them), then :func:`commit` writes it with one call:

- appending (nothing to remove): ``Store.extend`` over the quads, one transaction;
- replacing graphs: ONE SPARQL update that deletes the quads that went from them and inserts
  those that came (:func:`difference`; ``DELETE DATA`` / ``INSERT DATA``), one transaction.

Oxigraph holds a transaction's writes in memory until the commit (docs/reliability.md has
the figures). Stores written by older versions could hold staging graphs
(``urn:mofkg:staging:...``) left by an interrupted write; :func:`remove_leftovers` drops
them the first time this version opens such a store for writing.

>>> store = ox.Store()
>>> g = ox.NamedNode("http://example.org/g")
>>> old = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
...               ox.Literal("old"), g)
>>> store.add(old)
>>> new = ox.Quad(old.subject, old.predicate, ox.Literal("new"), g)
>>> commit(store, [new], replace=[g.value])
>>> [q.object.value for q in store]
['new']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import MofkgError

#: Graphs of this prefix were staging graphs of older versions; none is written any more.
STAGING_PREFIX = "urn:mofkg:staging:"

#: A graph to empty or create: a graph IRI, or None for the store's default graph.
GraphName = str | None


def _sparql_graph(name: GraphName) -> str:
    return "DEFAULT" if name is None else f"GRAPH <{name}>"


@dataclass
class Difference:
    """What turns named graphs into new contents, as parts of one SPARQL update."""

    drops: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    inserts: list[str] = field(default_factory=list)
    #: Quads deleted plus quads inserted.
    changed: int = 0

    def update(self, *, before: Sequence[str] = (), inserts: Sequence[str] = ()) -> str:
        """The update: ``before`` operations after the drops, then DELETE DATA and INSERT
        DATA (with the extra ``inserts`` blocks)."""
        parts = [*self.drops, *before]
        if self.deletes:
            parts.append("DELETE DATA {\n" + "".join(self.deletes) + "}")
        if self.inserts or inserts:
            parts.append("INSERT DATA {\n" + "".join(self.inserts) + "".join(inserts) + "}")
        return " ;\n".join(parts)


def difference(store: ox.Store, graphs: Iterable[tuple[str, set[ox.Quad]]]) -> Difference:
    """The quads that go from each named graph and those that come. Few change when a
    graph is written again (a re-assessment, a reloaded dump), and Oxigraph holds a
    transaction's writes in memory: this keeps it small. A graph holding blank nodes (which
    DELETE DATA cannot name) is dropped and inserted whole instead (blank nodes of the new
    contents are fresh ones, as INSERT DATA makes them)."""
    diff = Difference()
    for name, new in graphs:
        graph = ox.NamedNode(name)
        old = set(store.quads_for_pattern(None, None, None, graph))
        if any(_has_blank_node(q) for q in old):
            diff.drops.append(f"DROP SILENT GRAPH <{name}>")
            gone, came = set(), new
        else:
            gone, came = old - new, new - old
        diff.changed += len(gone) + len(came)
        if gone:
            diff.deletes.append(f"GRAPH <{name}> {{\n" + _triples(gone) + "}\n")
        if came:
            diff.inserts.append(f"GRAPH <{name}> {{\n" + _triples(came) + "}\n")
    return diff


def _has_blank_node(q: ox.Quad) -> bool:
    """Whether the quad holds a blank node, also inside a triple term (RDF 1.2)."""
    return _holds_blank(q.subject) or _holds_blank(q.object)


def _holds_blank(term: object) -> bool:
    if isinstance(term, ox.BlankNode):
        return True
    if isinstance(term, ox.Triple):
        return _holds_blank(term.subject) or _holds_blank(term.object)
    return False


def _named_graphs_only(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads, refusing one whose graph is named by a blank node: no IRI can name that
    graph again (to read, replace or describe it), so it is never written."""
    for q in quads:
        if isinstance(q.graph_name, ox.BlankNode):
            raise MofkgError(
                f"a graph named by a blank node ({q.graph_name}) cannot be written: "
                "name it with an IRI"
            )
        yield q


def _triples(quads: Iterable[ox.Quad]) -> str:
    return "".join(f"{q.triple} .\n" for q in quads)


def commit(
    store: ox.Store,
    quads: Iterable[ox.Quad],
    *,
    replace: Sequence[GraphName] = (),
    create: Sequence[str] = (),
) -> None:
    """Write ``quads`` in one transaction, after emptying the ``replace`` graphs and creating
    the ``create`` graphs, which exist afterwards even when no quad goes to them. All of it,
    or nothing if anything fails (an error while ``quads`` are read included).

    A replaced named graph that exists is changed by :func:`difference`; the default graph
    (``None``) is cleared.
    """
    replace = [name for name in dict.fromkeys(replace) if _holds(store, name)]
    quads = _named_graphs_only(quads)
    if not replace and not create:
        try:
            store.extend(quads)
        except OSError as exc:
            raise MofkgError(f"cannot write to the store: {exc}") from exc
        return
    replaced: dict[str, set[ox.Quad]] = {name: set() for name in replace if name is not None}
    others: list[ox.Quad] = []
    for q in quads:
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value in replaced:
            replaced[graph.value].add(q)
        else:
            others.append(q)
    before = ["CLEAR SILENT DEFAULT"] if None in replace else []
    before += [f"CREATE SILENT GRAPH <{name}>" for name in dict.fromkeys(create)]
    update = difference(store, replaced.items()).update(
        before=before, inserts=list(_insert_blocks(others))
    )
    if not update:
        return
    try:
        store.update(update)
    except OSError as exc:
        raise MofkgError(f"cannot write to the store: {exc}") from exc


def _holds(store: ox.Store, name: GraphName) -> bool:
    """Whether there is anything to replace: a graph that exists, a default graph not empty."""
    if name is not None:
        return store.contains_named_graph(ox.NamedNode(name))
    return (
        next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
    )


def _insert_blocks(quads: Iterable[ox.Quad]) -> Iterator[str]:
    """The INSERT DATA body, one block per graph. Blank nodes keep their labels within the
    update (INSERT DATA gives each label one fresh node)."""
    lines: dict[GraphName, list[str]] = defaultdict(list)
    for q in quads:
        graph = q.graph_name
        if isinstance(graph, ox.BlankNode):
            raise MofkgError(f"a graph named by a blank node ({graph}) cannot be written here")
        lines[None if isinstance(graph, ox.DefaultGraph) else graph.value].append(str(q.triple))
    for name, triples in lines.items():
        body = " .\n".join(triples)
        yield body + " .\n" if name is None else f"{_sparql_graph(name)} {{\n{body} .\n}}\n"


#: In a store's folder once :func:`remove_leftovers` has looked (this version writes none).
CLEAN_MARK = "mofkg-no-staging-graphs"


def remove_leftovers(store: ox.Store, folder: Path | None = None) -> list[str]:
    """Drop the staging graphs an interrupted write of an older version left; return them.

    It looks through every graph name (0.1-0.3 s at 50,000 graphs), so only once per store
    folder: :data:`CLEAN_MARK` then says it was done.
    """
    if folder is not None and (folder / CLEAN_MARK).exists():
        return []
    left = [
        g.value
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_PREFIX)
    ]
    if left:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left))
        store.flush()
    if folder is not None:
        (folder / CLEAN_MARK).touch()
    return left
