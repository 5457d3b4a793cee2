"""Shapes that are not well-formed SHACL, and features that are not run: refused by name.

A shape may give a single-valued parameter one value only (two ``sh:minCount`` would leave the
choice to chance), and an IRI where SHACL asks for one (``sh:severity "Warning"`` is not
``sh:Warning``). JavaScript (``sh:js``, SHACL-JS validators and targets) and SHACL-AF rules
(``sh:rule``, which infer triples before validating) are not run; rather than being skipped
in silence they are refused, naming the feature and the shape.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <http://ex/S> sh:path <http://ex/p> ; sh:minCount 1, 2 .''', format="turtle")
>>> try:
...     check_shape(g, URIRef("http://ex/S"))
... except Exception as exc:
...     print(exc)
shape <http://ex/S>: sh:minCount has 2 values (1, 2); SHACL allows one
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .model import ShapesError

__all__ = ["check_graph", "check_shape"]


def _sh(name: str) -> URIRef:
    return URIRef(str(SH) + name)


#: Parameters a shape may give at most one value (SHACL §4, "at most one value").
SINGLE_VALUED = tuple(
    _sh(name)
    for name in (
        "path minCount maxCount minLength maxLength datatype nodeKind languageIn uniqueLang "
        "closed ignoredProperties flags severity deactivated qualifiedMinCount "
        "qualifiedMaxCount qualifiedValueShapesDisjoint"
    ).split()
)
#: Parameters whose values must be IRIs.
IRI_VALUED = tuple(
    _sh(name)
    for name in (
        "severity datatype nodeKind class targetClass targetSubjectsOf targetObjectsOf equals "
        "disjoint lessThan lessThanOrEquals"
    ).split()
)
#: Parameters whose values must be literals.
LITERAL_VALUED = tuple(
    _sh(name)
    for name in (
        "minCount maxCount minLength maxLength pattern flags minInclusive maxInclusive "
        "minExclusive maxExclusive qualifiedMinCount qualifiedMaxCount"
    ).split()
)
#: Features that are not run, and why.
REFUSED = {
    _sh("js"): "sh:js (SHACL-JS, JavaScript-based constraints) is not run",
    _sh("rule"): "sh:rule (SHACL-AF rules, which infer triples before validating) is not run",
}
_JS = _sh("jsFunctionName")


def _name(param: URIRef) -> str:
    return "sh:" + param.removeprefix(str(SH))


def check_shape(g: Graph, node: Node) -> None:
    """Raise :class:`ShapesError` for a shape that is not well-formed or uses a refused feature."""

    for param, why in REFUSED.items():
        if (node, param, None) in g:
            raise ShapesError(node, f"{why}; remove it, or validate with an engine that runs it")
    for param in SINGLE_VALUED:
        values = list(g.objects(node, param))
        if len(values) > 1:
            shown = ", ".join(
                sorted(v.n3() if not isinstance(v, Literal) else str(v) for v in values)
            )
            raise ShapesError(
                node, f"{_name(param)} has {len(values)} values ({shown}); SHACL allows one"
            )
    for param in IRI_VALUED:
        for value in g.objects(node, param):
            if not isinstance(value, URIRef):
                raise ShapesError(node, f"{_name(param)} is {value.n3()}, not an IRI")
    for param in LITERAL_VALUED:
        for value in g.objects(node, param):
            if not isinstance(value, Literal):
                raise ShapesError(node, f"{_name(param)} is {value.n3()}, not a literal")
    for target in g.objects(node, _sh("target")):
        _check_target(g, node, target)


def _check_target(g: Graph, shape: Node, target: Node) -> None:

    if (target, _JS, None) in g or (target, RDF.type, _sh("JSTarget")) in g:
        raise ShapesError(shape, "a SHACL-JS target (sh:JSTarget) is not run")
    kinds = set(g.objects(target, RDF.type))
    if (target, _sh("select"), None) in g or _sh("SPARQLTarget") in kinds:
        return
    if any((kind, RDF.type, _sh("SPARQLTargetType")) in g for kind in kinds):
        return
    raise ShapesError(
        shape, f"sh:target {target.n3()} is neither a sh:SPARQLTarget nor of a sh:SPARQLTargetType"
    )


def check_graph(g: Graph) -> None:
    """Raise :class:`ShapesError` for JavaScript validators anywhere in the shapes graph."""

    for node in g.subjects(_JS, None):
        raise ShapesError(node, "a SHACL-JS function (sh:jsFunctionName) is not run")
