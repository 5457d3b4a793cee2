"""SHACL Core validation inside Oxigraph: shapes compiled to set-based SPARQL.

Each constraint of each shape is one SPARQL query over all focus nodes at once (targets are a
sub-select binding ``?this``); nested shapes (``sh:node``, ``sh:not``, ``sh:and``/``or``/``xone``,
qualified value shapes) are evaluated on the set of value nodes of their parent, and the parent
combines the sets in Python. Shapes using features the compiler does not handle (SPARQL-based
constraints, blank-node constants, recursion) are validated by pySHACL, and the outcome says so.

>>> from rdflib import Graph
>>> from mofkg.graphstore.store import Store
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
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ..store import Store
from ..terms import to_oxigraph, to_rdflib
from .literals import datatype_sql, decode_rdflib, value_sql
from .reading import (
    NODE_KINDS,
    TYPE_PATH,
    XSD_CASTABLE,
    XSD_INTEGER_RANGES,
    Constraint,
    Qualified,
    Shape,
    ShapesError,
    ShapesModel,
    _Fallback,
    read_shapes,
    sparql_term,
)
from .results import ValidationOutcome, ValidationResultRecord, pyshacl_results
from .sparql import SparqlConstraint, solutions

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


@dataclass(slots=True)
class _Hit:
    """A raw result: pyoxigraph focus and value, the shape and constraint that produced it."""

    focus: str
    value: str | None
    shape: Shape
    constraint: Constraint
    path: Node | None = None


def validate_store(
    store: Store, shapes: Graph, *, data_graphs: list[str] | None = None
) -> ValidationOutcome:
    """Validate the store's data (the union of its graphs, or ``data_graphs``) against ``shapes``.

    Raises :class:`ShapesError` when ``shapes`` is not a usable SHACL shapes graph.
    """
    model = read_shapes(shapes)
    # Millions of short-lived strings and tuples, no cycles: the cyclic collector's passes
    # only cost time here (about a third at 50,000 models).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate(store, model, shapes, data_graphs)
    finally:
        if collecting:
            gc.enable()


def _validate(
    store: Store, model: ShapesModel, shapes: Graph, data_graphs: list[str] | None
) -> ValidationOutcome:
    engine = _Engine(store, data_graphs, shapes)
    fallback: dict[Node, str] = {}
    hits: list[_Hit] = []
    compiled = 0
    for shape in model.top:
        reason = model.needs_fallback(shape)
        pattern = shape.target_pattern
        if reason is None and pattern is not None:
            try:
                hits.extend(engine.shape_hits(shape, pattern))
                compiled += 1
                continue
            except _Fallback as exc:
                reason = str(exc)
        fallback[shape.node] = reason or "targets only pySHACL reads"
    results = [_record(h, engine.term) for h in hits]
    notes = [f"oxigraph-sparql: {compiled} shapes compiled to {engine.queries} queries"]
    paths = Graph()
    paths += shapes
    if fallback:
        extra, report = pyshacl_results(store, model, set(fallback), data_graphs=data_graphs)
        results.extend(extra)
        paths += report
        for node, reason in fallback.items():
            notes.append(f"pyshacl: shape {node} ({reason})")
    return ValidationOutcome(
        conforms=not results, results=results, engine=notes, queries=engine.queries, paths=paths
    )


def _record(hit: _Hit, term: Callable[[str], Node]) -> ValidationResultRecord:
    shape = hit.shape
    value = hit.constraint.value
    own = value.messages if isinstance(value, SparqlConstraint) else ()
    messages = tuple(own) or tuple(shape.messages) or (Literal(_default_message(hit)),)
    return ValidationResultRecord(
        term(hit.focus),
        hit.path if hit.path is not None else shape.path,
        term(hit.value) if hit.value else None,
        shape.node,
        hit.constraint.component,
        shape.severity,
        messages,
    )


def _default_message(hit: _Hit) -> str:
    c = hit.constraint
    value = c.value
    if isinstance(value, Shape):
        value = value.node
    elif isinstance(value, Qualified):
        count = value.min_count if c.kind == "qualifiedMinCount" else value.max_count
        return f"{c.kind} {count} of the values conforming to shape {value.shape.node} not met"
    elif isinstance(value, list):
        value = "(" + " ".join(str(getattr(v, "node", v)) for v in value) + ")"
    elif isinstance(value, tuple):
        value = value[0]
    where = f" on path {hit.shape.path}" if hit.shape.path is not None else ""
    return f"sh:{c.kind} {value} not met{where}"


class _Engine:
    """Runs compiled shapes against one store, counting queries, caching nested shapes."""

    def __init__(self, store: Store, data_graphs: list[str] | None, shapes: Graph) -> None:
        self.store = store
        self.data_graphs = data_graphs
        self.shapes = shapes
        self.kwargs: dict[str, Any] = {} if data_graphs is None else {"default_graph": data_graphs}
        self.queries = 0
        self.conforming_cache: dict[tuple[int, str], set[str]] = {}
        self.rows_cache: dict[str, list[list[str]]] = {}
        self.terms: dict[str, Node] = {}
        self.in_progress: set[tuple[int, str]] = set()

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
                self.terms[text] = decode_rdflib(to_rdflib(triple.object))
        return self.terms[text]

    def shape_hits(self, shape: Shape, focus: str) -> list[_Hit]:
        """Every result of ``shape`` (and its property shapes) for the focus nodes of ``focus``."""
        if shape.deactivated:
            return []
        hits: list[_Hit] = []
        for constraint in shape.constraints:
            hits.extend(self.constraint_hits(shape, constraint, focus))
        for prop in shape.properties:
            nested = self.shape_hits(prop, self.value_focus(shape, focus))
            if nested and shape.path_sparql is not None:
                # a value node of several focus nodes is validated once for each (SHACL §4.1)
                times = Counter(value for _, value in self.pairs(shape, focus))
                nested = [h for h in nested for _ in range(times[h.focus])]
            hits.extend(nested)
        return hits

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
        path, node = shape.path_sparql, shape.node
        head = "SELECT DISTINCT ?this WHERE"
        if c.kind == "hasValue":
            term = sparql_term(c.value, shape=node)  # type: ignore[arg-type]
            if path is None:
                return f"{head} {{ {focus} FILTER(sameTerm(?this, {term})) }}"
            return f"{head} {{ {focus} ?this {path} {term} }}"
        if c.kind == "minCount" and path is not None:
            if c.value == 1:
                return f"{head} {{ {focus} ?this {path} ?value }}"
            return (
                f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?value) >= {c.value})"
            )
        if c.kind == "class" and path is None:
            return f"{head} {{ {focus} ?this {TYPE_PATH} {sparql_term(c.value, shape=node)} }}"  # type: ignore[arg-type]
        return None

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
    ) -> list[_Hit]:
        """A hit for each distinct (focus, value) of ``where`` (and of ``per``, a variable
        whose each binding is a result of its own)."""
        head = ("?this ?value" if value else "?this") + (f" {per}" if per else "")
        rows = self.rows(f"SELECT DISTINCT {head} WHERE {{ {where} }}")
        return [_Hit(r[0], r[1] if value else None, shape, c) for r in rows]

    def pairs(self, shape: Shape, focus: str) -> list[list[str]]:
        where = self.values(shape, focus)
        return self.rows(f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}", keep=True)

    # -- constraints -------------------------------------------------------------------

    def constraint_hits(self, shape: Shape, c: Constraint, focus: str) -> list[_Hit]:
        kind, v = c.kind, c.value
        node = shape.node
        values = self.values(shape, focus)
        path = shape.path_sparql
        if kind in ("node", "not", "and", "or", "xone"):
            return self.logical(shape, c, focus)
        if kind == "sparql":
            return self.sparql(shape, c, focus)
        if kind in ("qualifiedMinCount", "qualifiedMaxCount"):
            assert isinstance(v, Qualified)
            return self.qualified(shape, c, v, focus)
        if kind == "minCount" and path is not None:
            assert isinstance(v, int)
            if v == 0:
                return []
            if v == 1:
                where = f"{focus} FILTER NOT EXISTS {{ ?this {path} ?value }}"
                return self.select(shape, c, where, value=False)
            rows = self.rows(
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {v})"
            )
            return [_Hit(r[0], None, shape, c) for r in rows]
        if kind == "maxCount" and path is not None:
            if v == 0:
                return self.select(shape, c, values, value=False)
            if v == 1:  # two different values: a join, where GROUP BY would hold every group
                where = f"{values} ?this {path} ?_other FILTER(!sameTerm(?value, ?_other))"
                return self.select(shape, c, where, value=False)
            rows = self.rows(
                f"SELECT ?this WHERE {{ {values} }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?value) > {v})"
            )
            return [_Hit(r[0], None, shape, c) for r in rows]
        if kind in ("minCount", "maxCount"):
            return []
        if kind == "hasValue":
            term = sparql_term(v, shape=node)  # type: ignore[arg-type]
            if path is None:
                where = f"{focus} FILTER(!sameTerm(?this, {term}))"
            else:
                where = f"{focus} FILTER NOT EXISTS {{ ?this {path} {term} }}"
            return self.select(shape, c, where, value=False)
        if kind == "class":
            of_class = f"?value {TYPE_PATH} {sparql_term(v, shape=node)}"  # type: ignore[arg-type]
            where = f"{values} FILTER NOT EXISTS {{ {of_class} }}"
            return self.select(shape, c, where)
        if kind == "in":
            assert isinstance(v, list)
            members = " ".join(sparql_term(m, shape=node) for m in v)
            return self.select(
                shape, c, f"{values} FILTER NOT EXISTS {{ VALUES ?value {{ {members} }} }}"
            )
        if kind == "uniqueLang":
            rows = self.rows(
                f"SELECT ?this WHERE {{ {values} BIND(LCASE(LANG(?value)) AS ?l) "
                'FILTER(?l != "") } GROUP BY ?this ?l HAVING (COUNT(DISTINCT ?value) > 1)'
            )
            return [_Hit(r[0], None, shape, c) for r in rows]
        if kind == "closed":
            assert isinstance(v, list)
            allowed = ", ".join(sparql_term(p, shape=node) for p in v)
            rows = self.rows(
                f"SELECT DISTINCT ?this ?p ?value WHERE {{ {focus} ?this ?p ?value "
                f"FILTER(?p NOT IN ({allowed})) }}"
            )
            return [_Hit(r[0], r[2], shape, c, self.term(r[1])) for r in rows]
        if kind in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            return self.pair_compare(shape, c, focus)
        return self.select(shape, c, f"{values} FILTER({self.value_filter(shape, c)})")

    @staticmethod
    def value_filter(shape: Shape, c: Constraint) -> str:
        """The FILTER expression true for a value node that violates ``c``."""
        kind, v, node = c.kind, c.value, shape.node
        if kind == "datatype":
            dt = sparql_term(v, shape=node)  # type: ignore[arg-type]
            test = f"!isLiteral(?value) || {datatype_sql('?value')} != {dt}"
            if v in XSD_CASTABLE:
                test += f" || sameTerm(COALESCE({dt}(STR(?value)), {_MARK}), {_MARK})"
            if v in XSD_INTEGER_RANGES:
                low, high = XSD_INTEGER_RANGES[v]  # type: ignore[index]
                number = f"<{XSD.integer}>(STR(?value))"
                checks = ["BOUND(?this)"]
                checks += [f"{number} >= {low}"] if low is not None else []
                checks += [f"{number} <= {high}"] if high is not None else []
                test += f" || !COALESCE({' && '.join(checks)}, false)"
            return test
        if kind == "nodeKind":
            return f"!{NODE_KINDS[v]}"  # type: ignore[index]
        if kind == "pattern":
            assert isinstance(v, tuple)
            pattern, flags = v
            args = sparql_term(Literal(str(pattern)), shape=node)
            if flags is not None:
                args += ", " + sparql_term(Literal(str(flags)), shape=node)
            return f"isBlank(?value) || !REGEX(STR(?value), {args})"
        if kind in ("minLength", "maxLength"):
            op = "<" if kind == "minLength" else ">"
            return f"isBlank(?value) || STRLEN(STR(?value)) {op} {v}"
        if kind in _OPS:
            if not isinstance(v, Literal):
                raise _Fallback(f"sh:{kind} {v} is not a literal")
            return f"!COALESCE({value_sql('?value')} {_OPS[kind]} {v.n3()}, false)"
        if kind == "languageIn":
            assert isinstance(v, list)
            tests = " || ".join(
                f"langMatches(LANG(?value), {sparql_term(Literal(str(t)), shape=node)})" for t in v
            )
            return f"!isLiteral(?value) || !({tests or 'false'})"
        raise _Fallback(f"sh:{kind} is not compiled")

    def pair_compare(self, shape: Shape, c: Constraint, focus: str) -> list[_Hit]:
        other = sparql_term(c.value, shape=shape.node)  # type: ignore[arg-type]
        path, values = shape.path_sparql, self.values(shape, focus)
        if c.kind == "disjoint":
            return self.select(shape, c, f"{values} ?this {other} ?value .")
        if c.kind == "equals":
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
        op = "<" if c.kind == "lessThan" else "<="
        where = (
            f"{values} ?this {other} ?_o "
            f"FILTER(!COALESCE({value_sql('?value')} {op} {value_sql('?_o')}, false))"
        )
        return self.select(shape, c, where, per="?_o")  # one result per pair (SHACL §4.5.3)

    def logical(self, shape: Shape, c: Constraint, focus: str) -> list[_Hit]:
        members = c.value if isinstance(c.value, list) else [c.value]
        inner = self.value_focus(shape, focus)
        conforming = [self.conforming(m, inner) for m in members if isinstance(m, Shape)]
        if c.kind in ("node", "and"):
            every = set.intersection(*conforming) if conforming else set()
            if len(every) <= MAX_VALUES and not any(t.startswith("_:") for t in every):
                # few conforming values (a vocabulary): Oxigraph returns only the failing pairs
                # instead of every pair being checked here (one per component at 10k models)
                known = " ".join(sorted(every))
                unknown = f"FILTER NOT EXISTS {{ VALUES ?value {{ {known} }} }}"
                where = f"{self.values(shape, focus)} {unknown}"
                return self.select(shape, c, where)
        hits = []
        for this, value in self.pairs(shape, focus):
            ok = [value in conf for conf in conforming]
            if c.kind in ("node", "and"):
                bad = not all(ok)
            elif c.kind == "not":
                bad = ok[0]
            elif c.kind == "or":
                bad = not any(ok)
            else:
                bad = sum(ok) != 1
            if bad:
                hits.append(_Hit(this, value, shape, c))
        return hits

    def sparql(self, shape: Shape, c: Constraint, focus: str) -> list[_Hit]:
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
            hits.append(_Hit(keys[0], keys[1], shape, c, path))  # type: ignore[arg-type]
        return hits

    def key(self, node: Node) -> str:
        """A text standing for ``node`` in hits, which :meth:`term` gives back."""
        text = to_oxigraph(node).__str__()
        self.terms[text] = node
        return text

    def qualified(self, shape: Shape, c: Constraint, q: Qualified, focus: str) -> list[_Hit]:
        inner = self.value_focus(shape, focus)
        conforming = self.conforming(q.shape, inner)
        siblings = [self.conforming(s, inner) for s in q.siblings]
        counts: Counter[str] = Counter()
        for this, value in self.pairs(shape, focus):
            if value in conforming and not any(value in sib for sib in siblings):
                counts[this] += 1
        hits = []
        for row in self.rows(f"SELECT ?this WHERE {{ {focus} }}", keep=True):
            n = counts[row[0]]
            if c.kind == "qualifiedMinCount" and q.min_count is not None and n < q.min_count:
                hits.append(_Hit(row[0], None, shape, c))
            if c.kind == "qualifiedMaxCount" and q.max_count is not None and n > q.max_count:
                hits.append(_Hit(row[0], None, shape, c))
        return hits
