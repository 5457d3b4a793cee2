"""SPARQL query results written out in Python: JSON, XML, CSV and TSV.

The query workers write solutions with Oxigraph's own (Rust) writers, row cap included
(:func:`mofkg.api.server.queries.capped_tsv`); ASK answers come from :func:`serialize_boolean`
because Oxigraph writes a bare ``true`` for CSV and TSV, without the ``_askResult`` header.
:func:`serialize_solutions` stays for callers that hold rows in Python.

>>> import pyoxigraph as ox
>>> rows = [{"x": ox.Literal("a,b")}]
>>> serialize_solutions(["x"], rows, "csv")
b'x\\r\\n"a,b"\\r\\n'
>>> serialize_boolean(True, "json")
b'{"head":{},"boolean":true}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

Row = Mapping[str, Any] | ox.QuerySolution


def _get(row: Row, name: str) -> Any:
    return row[name]


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_field(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.Triple):
        text = str(term)
    else:
        text = term.value
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(variables: Sequence[str], rows: Sequence[Row], name: str) -> bytes:
    """Solutions in the result format ``name`` (``json``, ``xml``, ``csv`` or ``tsv``)."""
    if name == "json":
        bindings = []
        for row in rows:
            binding = {}
            for var in variables:
                term = _get(row, var)
                if term is not None:
                    binding[var] = _json_term(term)
            bindings.append(binding)
        document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if name == "xml":
        parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            for var in variables:
                term = _get(row, var)
                if term is not None:
                    parts.append(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    if name == "csv":
        lines = [",".join(variables)]
        lines += [",".join(_csv_field(_get(row, v)) for v in variables) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if name == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        for row in rows:
            cells = []
            for var in variables:
                term = _get(row, var)
                cells.append("" if term is None else str(term))
            lines.append("\t".join(cells))
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown result format {name!r}")


def serialize_boolean(value: bool, name: str) -> bytes:
    """An ASK answer in the result format ``name``."""
    word = "true" if value else "false"
    if name == "json":
        return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode()
    if name == "xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head/>'
            f"<boolean>{word}</boolean></sparql>\n"
        ).encode()
    if name == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    return f"?_askResult\n{word}\n".encode()
