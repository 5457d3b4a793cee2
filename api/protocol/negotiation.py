"""Content negotiation: the one place that picks a response format from a request.

Query results (SELECT, ASK) come as SPARQL JSON, SPARQL XML, CSV or TSV; graphs (CONSTRUCT,
DESCRIBE, the service description, Graph Store reads) in one of graphstore's RDF formats.
The ``Accept`` header is read with its q-values (``q=0`` refuses a type); ``None`` means
nothing fits, which the views answer with 406.

>>> negotiate_results("text/csv;q=0.5, application/sparql-results+xml").name
'xml'
>>> negotiate_results("text/html") is None
True
>>> negotiate_rdf("application/ld+json, text/turtle;q=0.9").name
'jsonld'
>>> negotiate_rdf(None).name
'turtle'
>>> negotiate_rdf("application/json").name
'jsonld'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mofkg.graphstore.errors import UnsupportedFormatError
from mofkg.graphstore.rdfio.formats import RdfFormat, bare_media_type, format_by_name

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class ResultFormat:
    """A serialisation of SPARQL query results (solutions or a boolean)."""

    name: str
    media_type: str
    other_media_types: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat
    format_iri: str

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.other_media_types)


#: The result formats, the preferred one (for ``*/*`` or no Accept header) first.
RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "application/sparql-results+json",
        ("application/json",),
        ox.QueryResultsFormat.JSON,
        W3C_FORMATS + "SPARQL_Results_JSON",
    ),
    ResultFormat(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        ox.QueryResultsFormat.XML,
        W3C_FORMATS + "SPARQL_Results_XML",
    ),
    ResultFormat(
        "csv", "text/csv", (), ox.QueryResultsFormat.CSV, W3C_FORMATS + "SPARQL_Results_CSV"
    ),
    ResultFormat(
        "tsv",
        "text/tab-separated-values",
        (),
        ox.QueryResultsFormat.TSV,
        W3C_FORMATS + "SPARQL_Results_TSV",
    ),
)

#: The RDF formats a graph is answered in, the preferred one first. TriG and N-Quads are
#: left out: a CONSTRUCT result or a single graph has no graph names to carry.
GRAPH_FORMAT_NAMES: tuple[str, ...] = ("turtle", "ntriples", "jsonld", "rdfxml")

#: W3C format IRIs of the graph formats, for the service description.
GRAPH_FORMAT_IRIS: dict[str, str] = {
    "turtle": W3C_FORMATS + "Turtle",
    "ntriples": W3C_FORMATS + "N-Triples",
    "jsonld": W3C_FORMATS + "JSON-LD",
    "rdfxml": W3C_FORMATS + "RDF_XML",
}


def graph_formats() -> tuple[RdfFormat, ...]:
    """The RDF formats graphs are served in, from graphstore's one format table."""
    return tuple(format_by_name(name) for name in GRAPH_FORMAT_NAMES)


def result_format_by_name(name: str) -> ResultFormat:
    for fmt in RESULT_FORMATS:
        if fmt.name == name:
            return fmt
    raise UnsupportedFormatError(f"unknown result format {name!r}")


#: Media types a graph is also served for, beyond graphstore's table: a client asking for
#: plain JSON of a graph (a CONSTRUCT, a linked-data document) gets JSON-LD.
GRAPH_MEDIA_ALIASES: dict[str, str] = {
    "application/json": "jsonld",
    "application/x-json+ld": "jsonld",
    "application/turtle": "turtle",
    "text/n3": "turtle",
    "text/rdf+n3": "turtle",
    "application/n3": "turtle",
}


def _graph_offers() -> list[tuple[str, RdfFormat]]:
    """Every media type a graph is served for, with its format: the table's first (in the
    order of :data:`GRAPH_FORMAT_NAMES`), then the aliases."""
    offers = [(m, f) for f in graph_formats() for m in f.media_types]
    offers += [(m, format_by_name(name)) for m, name in GRAPH_MEDIA_ALIASES.items()]
    return offers


def graph_format_for_media_type(media_type: str) -> RdfFormat | None:
    """The graph format served for a media type, aliases included; None for none.

    >>> graph_format_for_media_type("application/json").name
    'jsonld'
    >>> graph_format_for_media_type("text/csv") is None
    True
    """
    bare = bare_media_type(media_type)
    return next((f for m, f in _graph_offers() if m == bare), None)


def best_match(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the Accept header prefers (by q-value, then specificity, then offer order).

    Each offer takes the q-value of the most specific range that matches it (RFC 9110,
    12.5.1), so ``q=0`` on a type refuses it even beside ``*/*``:

    >>> best_match("text/turtle;q=0, */*", ["text/turtle", "application/n-triples"])
    'application/n-triples'
    >>> best_match("text/*;q=0.5, text/turtle", ["text/html", "text/turtle"])
    'text/turtle'
    >>> best_match("image/png", ["text/turtle"]) is None
    True
    """
    chosen = best_choice(accept, [(offer,) for offer in offers])
    return None if chosen is None else offers[chosen]


def best_choice(accept: str | None, choices: Sequence[Sequence[str]]) -> int | None:
    """The index of the choice the Accept header prefers, each choice a format's media types
    (its name and aliases): a format is judged by the most specific range naming any of its
    types, so refusing ``text/turtle`` refuses Turtle, ``application/x-turtle`` included.

    >>> best_choice("text/turtle;q=0, */*", [("text/turtle", "application/x-turtle"),
    ...                                      ("application/n-triples",)])
    1
    """
    if accept is None or not accept.strip():
        return 0 if choices else None
    ranges = [
        (value.lower().partition("/"), quality)
        for value, quality in parse_accept_header(_without_parameters(accept), MIMEAccept)
    ]
    ranked = []
    for index, media_types in enumerate(choices):
        specificity, quality = max(_judged(ranges, m) for m in media_types)
        if quality > 0:
            ranked.append((quality, specificity, -index))
    return -max(ranked)[2] if ranked else None


def _judged(ranges: list[tuple[tuple[str, str, str], float]], offer: str) -> tuple[int, float]:
    """(specificity, q-value) of the most specific range matching ``offer``; (-1, 0) none."""
    kind, _, sub = offer.lower().partition("/")
    specificity, quality = -1, 0.0
    for (range_kind, _, range_sub), range_quality in ranges:
        if (range_kind, range_sub) == (kind, sub):
            found = 2
        elif range_kind == kind and range_sub == "*":
            found = 1
        elif (range_kind, range_sub) == ("*", "*"):
            found = 0
        else:
            continue
        if found > specificity:
            specificity, quality = found, range_quality
    return specificity, quality


def _without_parameters(accept: str) -> str:
    """An Accept header with only its q-values: ``text/turtle; charset=utf-8`` is Turtle.

    >>> _without_parameters("text/turtle; charset=utf-8, */*;q=0.1")
    'text/turtle, */*;q=0.1'
    """
    ranges = []
    for item in accept.split(","):
        media_type, *params = (p.strip() for p in item.split(";"))
        kept = [p for p in params if p.replace(" ", "").lower().startswith("q=")]
        ranges.append(";".join([media_type, *kept]))
    return ", ".join(r for r in ranges if r)


def negotiate_results(accept: str | None) -> ResultFormat | None:
    """The result format for an Accept header, or ``None`` when none is acceptable."""
    chosen = best_choice(accept, [fmt.media_types for fmt in RESULT_FORMATS])
    return None if chosen is None else RESULT_FORMATS[chosen]


def negotiate_rdf(accept: str | None) -> RdfFormat | None:
    """The RDF format for an Accept header, or ``None`` when none is acceptable."""
    formats: dict[str, tuple[RdfFormat, list[str]]] = {}
    for media_type, fmt in _graph_offers():
        formats.setdefault(fmt.name, (fmt, []))[1].append(media_type)
    choices = list(formats.values())
    chosen = best_choice(accept, [types for _, types in choices])
    return None if chosen is None else choices[chosen][0]


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type: text types say their charset.

    >>> content_type("text/turtle")
    'text/turtle; charset=utf-8'
    >>> content_type("application/sparql-results+json")
    'application/sparql-results+json'
    """
    bare = bare_media_type(media_type)
    return f"{bare}; charset=utf-8" if bare.startswith("text/") else bare


def acceptable(accept: str | None) -> str:
    """What the endpoint can answer, for a 406 message."""
    types = [f.media_type for f in RESULT_FORMATS] + [f.media_type for f in graph_formats()]
    return f"Accept {accept!r} matches none of: {', '.join(types)}"


HTML_TYPES = ("text/html", "application/xhtml+xml")


def prefers_html(accept: str | None) -> bool:
    """Whether an Accept header prefers an HTML page to every RDF format (a browser's);
    no header, or ``*/*``, does not.

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("*/*"), prefers_html(None), prefers_html("text/turtle, text/html;q=0.5")
    (False, False, False)
    """
    if accept is None or not accept.strip():
        return False
    offers = [m for m, _ in _graph_offers()] + list(HTML_TYPES)
    return best_match(accept, offers) in HTML_TYPES


@dataclass(frozen=True)
class DocumentFormat:
    """How a document about a resource is served: HTML, or one RDF format."""

    extension: str
    media_type: str
    rdf: RdfFormat | None


def document_formats() -> tuple[DocumentFormat, ...]:
    """HTML first, then the RDF formats graphs are served in
    (:mod:`mofkg.api.protocol.negotiation`)."""
    html = DocumentFormat("html", "text/html", None)
    rdf = tuple(DocumentFormat(f.suffix.lstrip("."), f.media_type, f) for f in graph_formats())
    return (html, *rdf)


def document_format_for_extension(extension: str) -> DocumentFormat | None:
    return next((f for f in document_formats() if f.extension == extension), None)


def negotiate_document(accept: str | None) -> DocumentFormat | None:
    """The document format an Accept header prefers; None when nothing fits (406).

    HTML wins ties (browsers, ``*/*``, no header); q-values decide otherwise.

    >>> negotiate_document("text/turtle;q=0.9, application/ld+json").extension
    'jsonld'
    >>> negotiate_document("text/html,application/xml;q=0.9,*/*;q=0.8").extension
    'html'
    >>> negotiate_document("application/json").media_type
    'application/ld+json'
    >>> negotiate_document("image/png") is None
    True
    """
    formats = document_formats()
    if accept is None or not accept.strip():
        return formats[0]
    offers: list[tuple[str, DocumentFormat]] = [(m, formats[0]) for m in HTML_TYPES]
    by_name = {f.rdf.name: f for f in formats if f.rdf is not None}
    offers += [(m, by_name[rdf.name]) for m, rdf in _graph_offers()]
    chosen = best_match(accept, [m for m, _ in offers])
    if chosen is None:
        return None
    return next(f for m, f in offers if m == chosen)
