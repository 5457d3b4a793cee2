"""Writing an rdflib graph in one of graphstore's RDF formats, however deep its blank nodes nest.

rdflib's Turtle, JSON-LD and RDF/XML serialisers write a blank node inside the one that refers
to it, by recursion: a chain of a few hundred blank nodes runs out of Python's stack
(``RecursionError``). A graph whose blank nodes nest deeper than :data:`MAX_NESTING` is
written flat by Oxigraph instead: each blank node gets a label (``_:b1``) and its own
statements, which is the same graph in the same format.

>>> from rdflib import BNode, Graph, URIRef
>>> g, node = Graph(), URIRef("https://example.org/a")
>>> for _ in range(3):
...     child = BNode()
...     _ = g.add((node, URIRef("https://example.org/next"), child))
...     node = child
>>> blank_node_depth(g)
3
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from ..store.terms import to_oxigraph
from .formats import RdfFormat

#: Blank-node nesting up to which rdflib writes a graph (nested ``[ ... ]`` in Turtle);
#: deeper graphs are written flat by Oxigraph.
MAX_NESTING = 32


def blank_node_depth(graph: Graph) -> int:
    """The length of the longest chain of blank nodes, each the object of the one before
    (computed without recursion; a cycle counts once around)."""
    depth: dict[BNode, int] = {}
    for start in {o for o in graph.objects() if isinstance(o, BNode)}:
        if start in depth:
            continue
        stack: list[tuple[BNode, bool]] = [(start, False)]
        on_path: set[BNode] = set()
        while stack:
            node, done = stack.pop()
            if done:
                on_path.discard(node)
                children = [c for c in graph.objects(node) if isinstance(c, BNode)]
                depth[node] = 1 + max((depth.get(c, 0) for c in children), default=0)
                continue
            if node in depth or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            for child in graph.objects(node):
                if isinstance(child, BNode) and child not in depth and child not in on_path:
                    stack.append((child, False))
    return max(depth.values(), default=0)


def serialise(graph: Graph, fmt: RdfFormat) -> bytes:
    """``graph`` in ``fmt`` (a triple format), nested by rdflib when its blank nodes nest at
    most :data:`MAX_NESTING` deep, else flat by Oxigraph with the graph's prefixes."""
    if blank_node_depth(graph) <= MAX_NESTING:
        body: bytes = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
        return body
    prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
    triples = [ox.Triple(_subject(s), ox.NamedNode(str(p)), to_oxigraph(o)) for s, p, o in graph]
    written = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
    assert written is not None  # no output stream given: the bytes are returned
    return written


def _subject(node: object) -> ox.NamedNode | ox.BlankNode:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    raise TypeError(f"a subject must be an IRI or a blank node, not {node!r}")
