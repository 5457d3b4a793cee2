"""SHACL Core validation inside Oxigraph: shapes compiled to set-based SPARQL.

Each constraint of each shape is one SPARQL query over all focus nodes at once (targets are a
sub-select binding ``?this``); nested shapes (``sh:node``, ``sh:not``, ``sh:and``/``or``/``xone``,
qualified value shapes) are evaluated on the set of value nodes of their parent, and the parent
combines the sets in Python. Shapes using features the compiler does not handle (SPARQL-based
constraints, blank-node constants, recursion) are validated by pySHACL, and the outcome says so.

>>> from rdflib import Graph
>>> from mofkg.graphstore.store.embedded import Store
>>> store = Store()
>>> _ = store.load(b'<http://ex/a> a <http://ex/C> .', graph="http://g", format="ttl")
>>> shapes = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <http://ex/S> a sh:NodeShape ; sh:targetClass <http://ex/C> ;
...   sh:property [ sh:path <http://ex/name> ; sh:minCount 1 ] .''', format="turtle")
>>> outcome = validate_store(store, shapes)
>>> outcome.conforms, [str(r.focus_node) for r in outcome.results]
(False, ['http://ex/a'])
>>> outcome.results[0].source_constraint_component.endswith("MinCountConstraintComponent")
True
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..store.embedded import Store
from ..store.terms import to_oxigraph, to_rdflib
from .components import COMPONENTS
from .hits import Hit, hit_record
from .literals import decode_rdflib, value_sql
from .model import (
    TYPE_PATH,
    Constraint,
    Qualified,
    Shape,
    ShapesError,
    ShapesModel,
    _Fallback,
    sparql_term,
)
from .reading import read_shapes
from .results import ValidationOutcome, ValidationResultRecord, pyshacl_results
from .sparql import SparqlConstraint, solutions
from .threads import top_hits, with_workers

__all__ = ["ShapesError", "ValidationOutcome", "ValidationResultRecord", "validate_store"]

#: Largest set of conforming value nodes written into a query as VALUES (sh:node, sh:and).
MAX_VALUES = 1000
_MARK = '"ill-typed"^^<urn:mofkg:shacl:mark>'
#: An IRI or a literal (kept as it is), or the focus variable ``?this`` (renamed).
_TERM_OR_THIS = re.compile(
    r'(<[^>]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\]|\\.)*"'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''|'(?:[^'\\]|\\.)*')|[?]this\b"
)
_DISTINCT_THIS = "{ SELECT DISTINCT ?this WHERE "
_OPS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}


def validate_store(
    store: Store, shapes: Graph, *, data_graphs: list[str] | None = None, workers: int = 1
) -> ValidationOutcome:
    """Validate the store's data (the union of its graphs, or ``data_graphs``) against ``shapes``,
    the queries run by ``workers`` threads (:mod:`.threads`; the results are the same).

    Raises :class:`ShapesError` when ``shapes`` is not a usable SHACL shapes graph.
    """
    model = read_shapes(shapes)
    # Millions of short-lived strings and tuples, no cycles: the cyclic collector's passes
    # only cost time here (about a third at 50,000 models).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate(store, model, shapes, data_graphs, max(1, workers))
    finally:
        if collecting:
            gc.enable()


def _validate(
    store: Store, model: ShapesModel, shapes: Graph, data_graphs: list[str] | None, workers: int
) -> ValidationOutcome:
    engine = _Engine(store, data_graphs, shapes)
    engines = with_workers(engine, workers)
    hits, fallback = top_hits(model, engines)
    results = [hit_record(h, engine.term) for h in hits]
    queries = sum(e.queries for e in engines)
    compiled = len(model.top) - len(fallback)
    notes = [f"oxigraph-sparql: {compiled} shapes compiled to {queries} queries"]
    paths = Graph()
    paths += shapes
    if fallback:
        extra, report = pyshacl_results(store, model, set(fallback), data_graphs=data_graphs)
        results.extend(extra)
        paths += report
        for node, reason in fallback.items():
            notes.append(f"pyshacl: shape {node} ({reason})")
    return ValidationOutcome(
        conforms=not results, results=results, engine=notes, queries=queries, paths=paths
    )


class _Engine:
    """Runs compiled shapes against one store, counting queries, caching nested shapes."""

    def __init__(
        self,
        store: Store,
        data_graphs: list[str] | None,
        shapes: Graph,
        *,
        shared: _Engine | None = None,
    ) -> None:
        self.store = store
        self.data_graphs = data_graphs
        self.shapes = shapes
        self.kwargs: dict[str, Any] = {} if data_graphs is None else {"default_graph": data_graphs}
        self.queries = 0
        self.conforming_cache: dict[tuple[int, str], set[str]] = {}
        self.rows_cache: dict[str, list[list[str]]] = {}
        self.terms: dict[str, Node] = {}
        self.in_progress: set[tuple[int, str]] = set()
        self.by_value: dict[tuple[str | None, str], dict[str, list[str]]] = {}
        self.has_values: Counter[tuple[str | None, str]] = Counter()
        if shared is not None:  # another worker's: one cache, each its own recursion check
            for name in ("conforming_cache", "rows_cache", "terms", "by_value", "has_values"):
                setattr(self, name, getattr(shared, name))

    def rows(self, sparql: str, *, keep: bool = False) -> list[list[str]]:
        """The solutions of a SELECT, each a list of terms in SPARQL TSV syntax ("" unbound).

        Serialising in Oxigraph and splitting text is several times faster than reading
        solution objects term by term; terms become rdflib terms only in results (:meth:`term`).
        Only rows asked for again (``keep``: candidates, conforming sets, value pairs) are
        cached; the others are dropped once turned into hits, which bounds memory.
        """
        cached = self.rows_cache.get(sparql)
        if cached is not None:
            return cached
        self.queries += 1
        result = self.store.query(sparql, **self.kwargs)
        text = result.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
        del result
        lines = text.split("\n")
        del text
        rows = [line.split("\t") for line in lines[1:-1]]
        if keep:
            self.rows_cache[sparql] = rows
        return rows

    def term(self, text: str) -> Node:
        """An rdflib term from its SPARQL TSV form (IRIs, blank nodes, literals, numbers)."""
        if text not in self.terms:
            if text.startswith("_:"):
                self.terms[text] = BNode(text[2:])
            elif text.startswith("<"):
                self.terms[text] = URIRef(text[1:-1])
            else:
                line = f"<urn:s> <urn:p> {text} .".encode()
                triple = next(iter(ox.parse(line, format=ox.RdfFormat.TURTLE)))
                self.terms[text] = decode_rdflib(to_rdflib(triple.object, exact=True))
        return self.terms[text]

    def shape_hits(self, shape: Shape, focus: str) -> list[Hit]:
        """Every result of ``shape`` (and its property shapes) for the focus nodes of ``focus``."""
        if shape.deactivated:
            return []
        hits: list[Hit] = []
        for constraint in shape.constraints:
            hits.extend(self.constraint_hits(shape, constraint, focus))
        for prop in shape.properties:
            hits.extend(self.property_hits(shape, prop, focus))
        return hits

    def property_hits(self, shape: Shape, prop: Shape, focus: str) -> list[Hit]:
        """The results of ``prop``, a property shape of ``shape``, on its value nodes."""
        nested = self.shape_hits(prop, self.value_focus(shape, focus))
        if nested and shape.path_sparql is not None:
            # a value node of several focus nodes is validated once for each (SHACL §4.1)
            times = Counter(value for _, value in self.pairs(shape, focus))
            nested = [h for h in nested for _ in range(times[h.focus])]
        return nested

    def conforming(self, shape: Shape, focus: str) -> set[str]:
        """The focus nodes of ``focus`` that conform to ``shape``.

        Where every constraint has a positive form (sh:hasValue, sh:minCount, sh:class of a
        node), the conforming nodes are queried directly, which returns far fewer rows than
        the complement of the failing ones (a component of one type among seventeen).
        """
        key = (id(shape), focus)
        if key in self.conforming_cache:
            return self.conforming_cache[key]
        if key in self.in_progress:
            raise _Fallback(f"shape {shape.node} is recursive")
        self.in_progress.add(key)
        result = None if shape.deactivated else self.satisfying(shape, focus)
        if result is None:
            failed = {h.focus for h in self.shape_hits(shape, focus)}
            result = {n for n in self.candidates(focus) if n not in failed}
        self.in_progress.discard(key)
        self.conforming_cache[key] = result
        return result

    def candidates(self, focus: str) -> set[str]:
        return {r[0] for r in self.rows(f"SELECT DISTINCT ?this WHERE {{ {focus} }}", keep=True)}

    def satisfying(self, shape: Shape, focus: str) -> set[str] | None:
        """The focus nodes satisfying every constraint of ``shape``, or None if some
        constraint has no positive form."""
        sets: list[set[str]] = []
        for c in shape.constraints:
            key = (shape.path_sparql, focus)
            if c.parameter == SH.hasValue and isinstance(c.value, URIRef) and key[0] is not None:
                # several sh:hasValue on one path and focus (one per qualified shape): from the
                # second on, one query for every value, indexed, instead of one query each
                self.has_values[key] += 1
                if self.has_values[key] > 1:
                    index = self.value_index(shape, focus)
                    sets.append(set(index.get(f"<{c.value}>", ())))
                    continue
            query = self.satisfying_query(shape, c, focus)
            if query is None:
                return None
            sets.append({r[0] for r in self.rows(query, keep=True)})
        for prop in shape.properties:
            if prop.deactivated:
                continue
            if prop.properties:
                return None
            satisfied = self.satisfying(prop, focus)
            if satisfied is None:
                return None
            sets.append(satisfied)
        if not sets:
            return self.candidates(focus)
        return set.intersection(*sets)

    @staticmethod
    def satisfying_query(shape: Shape, c: Constraint, focus: str) -> str | None:
        positive = COMPONENTS[c.parameter].positive
        return None if positive is None else positive(shape, c, focus)

    # -- patterns ----------------------------------------------------------------------

    @staticmethod
    def values(shape: Shape, focus: str) -> str:
        """The group pattern binding ``?this`` (focus) and ``?value`` (each value node)."""
        if shape.path_sparql is None:
            return f"{focus} BIND(?this AS ?value)"
        return f"{focus} ?this {shape.path_sparql} ?value ."

    @staticmethod
    def value_focus(shape: Shape, focus: str) -> str:
        """A focus pattern binding ``?this`` to each value node of ``shape``, once.

        The parent's focus pattern is inlined with ``?this`` renamed (``?_up0``, ``?_up1`` ...
        by depth) rather than joined as a sub-select, which Oxigraph would hold whole (about
        270 MiB for the 570,000 components of 50,000 models); its own DISTINCT is dropped, the
        outer one removes the same duplicates.
        """
        if shape.path_sparql is None:
            return focus
        up = f"?_up{len(set(re.findall(r'[?]_up([0-9]+)', focus)))}"
        body = focus
        if body.startswith(_DISTINCT_THIS) and body.endswith(" }"):
            body = body[len(_DISTINCT_THIS) : -2]
        renamed = _TERM_OR_THIS.sub(lambda m: m.group(1) or up, body)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {renamed} {up} {shape.path_sparql} ?this }} }}"

    def select(
        self, shape: Shape, c: Constraint, where: str, *, value: bool = True, per: str = ""
    ) -> list[Hit]:
        """A hit for each distinct (focus, value) of ``where`` (and of ``per``, a variable
        whose each binding is a result of its own)."""
        head = ("?this ?value" if value else "?this") + (f" {per}" if per else "")
        rows = self.rows(f"SELECT DISTINCT {head} WHERE {{ {where} }}")
        return [Hit(r[0], r[1] if value else None, shape, c) for r in rows]

    def value_index(self, shape: Shape, focus: str) -> dict[str, list[str]]:
        """The focus nodes of each value node (cached when whole: another worker reads it)."""
        key = (shape.path_sparql, focus)
        index = self.by_value.get(key)
        if index is None:
            index = {}
            for this, value in self.pairs(shape, focus):
                index.setdefault(value, []).append(this)
            self.by_value[key] = index
        return index

    def pairs(self, shape: Shape, focus: str) -> list[list[str]]:
        where = self.values(shape, focus)
        return self.rows(f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}", keep=True)

    # -- constraints -------------------------------------------------------------------

    def constraint_hits(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        """The results of ``c``, by the method its component names (:mod:`.components`)."""
        run: Callable[[Shape, Constraint, str], list[Hit]]
        run = getattr(self, COMPONENTS[c.parameter].run)
        return run(shape, c, focus)

    def value_test(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        """A component that judges each value node alone, by its FILTER."""
        test = COMPONENTS[c.parameter].test
        assert test is not None
        return self.select(shape, c, f"{self.values(shape, focus)} FILTER({test(c, shape.node)})")

    def min_count(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        path, v = shape.path_sparql, c.value
        assert isinstance(v, int)
        if path is None or v == 0:
            return []
        if v == 1:
            where = f"{focus} FILTER NOT EXISTS {{ ?this {path} ?value }}"
            return self.select(shape, c, where, value=False)
        rows = self.rows(
            f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {v})"
        )
        return [Hit(r[0], None, shape, c) for r in rows]

    def max_count(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        path, v = shape.path_sparql, c.value
        if path is None:
            return []
        values = self.values(shape, focus)
        if v == 0:
            return self.select(shape, c, values, value=False)
        if v == 1:  # two different values: a join, where GROUP BY would hold every group
            where = f"{values} ?this {path} ?_other FILTER(!sameTerm(?value, ?_other))"
            return self.select(shape, c, where, value=False)
        rows = self.rows(
            f"SELECT ?this WHERE {{ {values} }} GROUP BY ?this "
            f"HAVING (COUNT(DISTINCT ?value) > {v})"
        )
        return [Hit(r[0], None, shape, c) for r in rows]

    def has_value(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        term = sparql_term(c.value, shape=shape.node)  # type: ignore[arg-type]
        if shape.path_sparql is None:
            where = f"{focus} FILTER(!sameTerm(?this, {term}))"
        else:
            where = f"{focus} FILTER NOT EXISTS {{ ?this {shape.path_sparql} {term} }}"
        return self.select(shape, c, where, value=False)

    def class_(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        of_class = f"?value {TYPE_PATH} {sparql_term(c.value, shape=shape.node)}"  # type: ignore[arg-type]
        where = f"{self.values(shape, focus)} FILTER NOT EXISTS {{ {of_class} }}"
        return self.select(shape, c, where)

    def in_(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        assert isinstance(c.value, list)
        members = " ".join(sparql_term(m, shape=shape.node) for m in c.value)
        values = self.values(shape, focus)
        return self.select(
            shape, c, f"{values} FILTER NOT EXISTS {{ VALUES ?value {{ {members} }} }}"
        )

    def unique_lang(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        rows = self.rows(
            f"SELECT ?this WHERE {{ {self.values(shape, focus)} BIND(LCASE(LANG(?value)) AS ?l) "
            'FILTER(?l != "") } GROUP BY ?this ?l HAVING (COUNT(DISTINCT ?value) > 1)'
        )
        return [Hit(r[0], None, shape, c) for r in rows]

    def closed(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        assert isinstance(c.value, list)
        allowed = ", ".join(sparql_term(p, shape=shape.node) for p in c.value)
        rows = self.rows(
            f"SELECT DISTINCT ?this ?p ?value WHERE {{ {focus} ?this ?p ?value "
            f"FILTER(?p NOT IN ({allowed})) }}"
        )
        return [Hit(r[0], r[2], shape, c, self.term(r[1])) for r in rows]

    def pair_compare(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        other = sparql_term(c.value, shape=shape.node)  # type: ignore[arg-type]
        path, values = shape.path_sparql, self.values(shape, focus)
        if c.parameter == SH.disjoint:
            return self.select(shape, c, f"{values} ?this {other} ?value .")
        if c.parameter == SH.equals:
            if path is None:
                where = (
                    f"{{ {focus} ?this {other} ?value FILTER(!sameTerm(?this, ?value)) }} UNION "
                    f"{{ {focus} BIND(?this AS ?value) "
                    f"FILTER NOT EXISTS {{ ?this {other} ?this }} }}"
                )
            else:
                where = (
                    f"{{ {values} FILTER NOT EXISTS {{ ?this {other} ?value }} }} UNION "
                    f"{{ {focus} ?this {other} ?value "
                    f"FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
                )
            return self.select(shape, c, where)
        op = "<" if c.parameter == SH.lessThan else "<="
        where = (
            f"{values} ?this {other} ?_o "
            f"FILTER(!COALESCE({value_sql('?value')} {op} {value_sql('?_o')}, false))"
        )
        return self.select(shape, c, where, per="?_o")  # one result per pair (SHACL §4.5.3)

    def logical(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        members = c.value if isinstance(c.value, list) else [c.value]
        inner = self.value_focus(shape, focus)
        conforming = [self.conforming(m, inner) for m in members if isinstance(m, Shape)]
        if c.parameter in (SH.node, SH["and"]) and shape.path_sparql is not None:
            every = set.intersection(*conforming) if conforming else set()
            if len(every) <= MAX_VALUES and not any(t.startswith("_:") for t in every):
                # few conforming values (a vocabulary): Oxigraph returns only the failing pairs
                # instead of every pair being checked here (one per component at 10k models)
                known = " ".join(sorted(every))
                unknown = f"FILTER NOT EXISTS {{ VALUES ?value {{ {known} }} }}"
                where = f"{self.values(shape, focus)} {unknown}"
                return self.select(shape, c, where)
        if shape.path_sparql is None and c.parameter != SH.xone:
            # each focus node is its own value node: the failing ones are a set difference
            # (or intersection) of the cached candidates, with no query per constraint
            nodes = self.candidates(focus)
            if c.parameter == SH["not"]:
                bad_nodes = nodes & conforming[0]
            elif c.parameter == SH["or"]:
                bad_nodes = nodes.difference(*conforming)
            elif conforming:
                bad_nodes = nodes - conforming[0].intersection(*conforming[1:])
            else:
                bad_nodes = set()  # sh:and ( ): every node conforms
            return [Hit(n, n, shape, c) for n in sorted(bad_nodes)]
        hits = []
        for this, value in self.pairs(shape, focus):
            ok = [value in conf for conf in conforming]
            if c.parameter in (SH.node, SH["and"]):
                bad = not all(ok)
            elif c.parameter == SH["not"]:
                bad = ok[0]
            elif c.parameter == SH["or"]:
                bad = not any(ok)
            else:
                bad = sum(ok) != 1
            if bad:
                hits.append(Hit(this, value, shape, c))
        return hits

    def sparql(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        """A SPARQL-based constraint run with pre-bound variables (:mod:`.sparql`)."""
        assert isinstance(c.value, SparqlConstraint)
        nodes = [self.term(r[0]) for r in self.rows(f"SELECT DISTINCT ?this WHERE {{ {focus} }}")]
        found = solutions(
            self.store.oxigraph,
            c.value,
            shape=shape.node,
            focus_nodes=nodes,
            shapes=self.shapes,
            data_graphs=self.data_graphs,
        )
        hits = []
        for this, value, path in found:
            if value is None and shape.path is None:
                value = this
            keys = [self.key(this), self.key(value) if value is not None else None]
            hits.append(Hit(keys[0], keys[1], shape, c, path))  # type: ignore[arg-type]
        return hits

    def key(self, node: Node) -> str:
        """A text standing for ``node`` in hits, which :meth:`term` gives back."""
        text = to_oxigraph(node).__str__()
        self.terms[text] = node
        return text

    def qualified(self, shape: Shape, c: Constraint, focus: str) -> list[Hit]:
        q = c.value
        assert isinstance(q, Qualified)
        inner = self.value_focus(shape, focus)
        conforming = self.conforming(q.shape, inner)
        siblings = [self.conforming(s, inner) for s in q.siblings]
        # the focus nodes of each value node, built once per (shape, focus) and shared by the
        # qualified shapes on one path: a count visits only the conforming value nodes
        index = self.value_index(shape, focus)
        counts: Counter[str] = Counter()
        for value in conforming if len(conforming) < len(index) else index:
            if value in index and value in conforming:
                if not any(value in sib for sib in siblings):
                    counts.update(index[value])
        hits = []
        for row in self.rows(f"SELECT ?this WHERE {{ {focus} }}", keep=True):
            n = counts[row[0]]
            if c.parameter == SH.qualifiedMinCount and q.min_count is not None and n < q.min_count:
                hits.append(Hit(row[0], None, shape, c))
            if c.parameter == SH.qualifiedMaxCount and q.max_count is not None and n > q.max_count:
                hits.append(Hit(row[0], None, shape, c))
        return hits
