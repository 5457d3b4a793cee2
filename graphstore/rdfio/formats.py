"""The one table of RDF formats: names, media types, file suffixes.

The CLI, the loader, the exporter and the HTTP layer all choose formats here.

>>> format_for_suffix("catalogue.ttl.gz").name
'turtle'
>>> format_for_media_type("application/ld+json; charset=utf-8").name
'jsonld'
>>> format_by_name("nt").media_type
'application/n-triples'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import pyoxigraph

from ..errors import UnsupportedFormatError


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialisation mofkg reads and writes."""

    name: str
    label: str
    media_type: str
    other_media_types: tuple[str, ...]
    suffixes: tuple[str, ...]
    oxigraph: pyoxigraph.RdfFormat
    rdflib_name: str
    is_dataset: bool
    line_based: bool

    @property
    def suffix(self) -> str:
        """The usual file suffix."""
        return self.suffixes[0]

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.other_media_types)


FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat(
        "turtle",
        "Turtle",
        "text/turtle",
        ("application/x-turtle",),
        (".ttl", ".turtle"),
        pyoxigraph.RdfFormat.TURTLE,
        "turtle",
        False,
        False,
    ),
    RdfFormat(
        "ntriples",
        "N-Triples",
        "application/n-triples",
        ("text/plain",),
        (".nt",),
        pyoxigraph.RdfFormat.N_TRIPLES,
        "nt",
        False,
        True,
    ),
    RdfFormat(
        "nquads",
        "N-Quads",
        "application/n-quads",
        ("text/x-nquads",),
        (".nq",),
        pyoxigraph.RdfFormat.N_QUADS,
        "nquads",
        True,
        True,
    ),
    RdfFormat(
        "trig",
        "TriG",
        "application/trig",
        ("application/x-trig",),
        (".trig",),
        pyoxigraph.RdfFormat.TRIG,
        "trig",
        True,
        False,
    ),
    RdfFormat(
        "jsonld",
        "JSON-LD",
        "application/ld+json",
        (),
        (".jsonld", ".json-ld"),
        pyoxigraph.RdfFormat.JSON_LD,
        "json-ld",
        True,
        False,
    ),
    RdfFormat(
        "rdfxml",
        "RDF/XML",
        "application/rdf+xml",
        ("application/xml", "text/xml"),
        (".rdf", ".owl", ".xml"),
        pyoxigraph.RdfFormat.RDF_XML,
        "xml",
        False,
        False,
    ),
)

_ALIASES = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf/xml": "rdfxml",
    "rdf": "rdfxml",
}

GZIP_SUFFIX = ".gz"


def format_names() -> list[str]:
    """The names accepted by ``--format``."""
    return [f.name for f in FORMATS]


def format_by_name(name: str) -> RdfFormat:
    """A format by its name or a common alias (``ttl``, ``nt``, ``json-ld`` ...)."""
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    for fmt in FORMATS:
        if fmt.name == key:
            return fmt
    raise UnsupportedFormatError(
        f"unknown RDF format {name!r}; use one of {', '.join(format_names())}"
    )


def format_for_suffix(name: str | PurePath) -> RdfFormat:
    """The format a file name's suffix names (a ``.gz`` suffix is looked through)."""
    text = str(name).lower()
    if text.endswith(GZIP_SUFFIX):
        text = text[: -len(GZIP_SUFFIX)]
    for fmt in FORMATS:
        if any(text.endswith(s) for s in fmt.suffixes):
            return fmt
    raise UnsupportedFormatError(
        f"{name}: cannot tell the RDF format from the file name; give --format "
        f"({', '.join(format_names())})"
    )


def bare_media_type(media_type: str) -> str:
    """``text/turtle; charset=utf-8`` -> ``text/turtle``."""
    return media_type.split(";", 1)[0].strip().lower()


def format_for_media_type(media_type: str) -> RdfFormat:
    """The format of a media type (parameters such as charset are ignored)."""
    bare = bare_media_type(media_type)
    for fmt in FORMATS:
        if bare in fmt.media_types:
            return fmt
    raise UnsupportedFormatError(f"unsupported RDF media type {bare!r}")
