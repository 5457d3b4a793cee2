"""The ``format=`` parameter of ``/sparql``, read as other SPARQL servers read it.

A ``format`` (or ``output``, or ``results``: SPARQLWrapper sends all three, because Virtuoso,
Joseki/Fuseki and others each read one) names a format by a short name or a media type, as
Virtuoso and Fuseki take them. One name may stand for a results format and a graph format at
once: ``xml`` is SPARQL results XML for SELECT and ASK and RDF/XML for CONSTRUCT and DESCRIBE,
``json`` is SPARQL results JSON or JSON-LD. A name that has no format for the query's form
(``csv`` for a CONSTRUCT) leaves that form to the ``Accept`` header
(:mod:`mofkg.api.protocol.sparql`).

The parameter may come more than once (SPARQLWrapper sends ``format=tsv`` and
``format=text/tab-separated-values``) when every value asks for the same formats; values that
disagree are refused with 400.

>>> asked = format_request([("format", "xml")])
>>> (asked.results.name, asked.rdf_name)
('xml', 'rdfxml')
>>> format_request([("format", "csv")]).rdf_name is None
True
>>> format_request([("format", "json-ld"), ("format", "application/ld+json")]).rdf_name
'jsonld'
>>> format_request([("format", "application/ld+json,application/x-json+ld")]).rdf_name
'jsonld'
>>> format_request([("format", "csv"), ("output", "json")])
Traceback (most recent call last):
...
mofkg.api.errors.BadRequestError: format='csv' and output='json' ask for different formats; give one
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mofkg.graphstore.rdfio.formats import bare_media_type

from ..errors import BadRequestError
from .negotiation import RESULT_FORMATS, ResultFormat, graph_format_for_media_type

#: The parameters that name a format, as servers other than this one read them.
PARAMETERS: tuple[str, ...] = ("format", "output", "results")

#: Short names: the results format and the graph format each stands for (Virtuoso, Fuseki).
SHORT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),  # Turtle is N3 (SPARQLWrapper reads either the same way)
    "nt": (None, "ntriples"),
    "ntriples": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "json-ld": (None, "jsonld"),
    "jsonld": (None, "jsonld"),
}


@dataclass(frozen=True)
class FormatRequest:
    """The formats a ``format=`` asks for: one for results, one for graphs (None: not said)."""

    results: ResultFormat | None
    rdf_name: str | None
    #: The parameter as sent, for messages (``format='csv'``).
    label: str


def _resolve(value: str) -> tuple[ResultFormat | None, str | None] | None:
    """The formats a value names; a list of media types (``a/b,c/d``, as SPARQLWrapper
    sends for JSON-LD) names its first known one."""
    if "," in value:
        found = (_resolve(part) for part in value.split(",") if part.strip())
        return next((r for r in found if r is not None), None)
    key = value.strip().lower()
    if key in SHORT_NAMES:
        results_name, rdf_name = SHORT_NAMES[key]
        results = next((f for f in RESULT_FORMATS if f.name == results_name), None)
        return results, rdf_name
    media_type = bare_media_type(key)
    results = next((f for f in RESULT_FORMATS if media_type in f.media_types), None)
    rdf = graph_format_for_media_type(media_type)
    if results is None and rdf is None:
        return None
    return results, rdf.name if rdf is not None else None


def known_values() -> str:
    """The values a ``format=`` may take, for a 400 message."""
    return ", ".join(SHORT_NAMES) + ", or a media type"


def format_request(pairs: Sequence[tuple[str, str]]) -> FormatRequest | None:
    """What the ``(parameter, value)`` pairs of :data:`PARAMETERS` ask for (empty values
    are no request); None when there is none; 400 for an unknown value or values that
    disagree."""
    found: FormatRequest | None = None
    for name, value in pairs:
        if not value.strip():
            continue
        label = f"{name}={value!r}"
        resolved = _resolve(value)
        if resolved is None:
            raise BadRequestError(f"{label}: unknown format; use {known_values()}")
        asked = FormatRequest(resolved[0], resolved[1], label)
        if found is None:
            found = asked
        elif (found.results, found.rdf_name) != (asked.results, asked.rdf_name):
            raise BadRequestError(f"{found.label} and {label} ask for different formats; give one")
    return found
