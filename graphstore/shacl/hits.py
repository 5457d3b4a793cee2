"""A raw SHACL result as the engine finds it (:class:`Hit`), and the result record a report
holds, with the message a constraint gives when its shape names none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import SH
from rdflib.term import Node

from .model import Constraint, Qualified, Shape
from .results import ValidationResultRecord
from .sparql import SparqlConstraint


@dataclass(slots=True)
class Hit:
    """A raw result: pyoxigraph focus and value, the shape and constraint that produced it."""

    focus: str
    value: str | None
    shape: Shape
    constraint: Constraint
    path: Node | None = None


def hit_record(hit: Hit, term: Callable[[str], Node]) -> ValidationResultRecord:
    shape = hit.shape
    value = hit.constraint.value
    own = value.messages if isinstance(value, SparqlConstraint) else ()
    messages = tuple(own) or tuple(shape.messages) or (Literal(default_message(hit)),)
    return ValidationResultRecord(
        term(hit.focus),
        hit.path if hit.path is not None else shape.path,
        term(hit.value) if hit.value else None,
        shape.node,
        hit.constraint.component,
        shape.severity,
        messages,
    )


def default_message(hit: Hit) -> str:
    c = hit.constraint
    value = c.value
    if isinstance(value, Shape):
        value = value.node
    elif isinstance(value, Qualified):
        count = value.min_count if c.parameter == SH.qualifiedMinCount else value.max_count
        return f"{c.kind} {count} of the values conforming to shape {value.shape.node} not met"
    elif isinstance(value, list):
        value = "(" + " ".join(str(getattr(v, "node", v)) for v in value) + ")"
    elif isinstance(value, tuple):
        value = value[0]
    where = f" on path {hit.shape.path}" if hit.shape.path is not None else ""
    return f"sh:{c.kind} {value} not met{where}"
