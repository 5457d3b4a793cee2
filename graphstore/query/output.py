"""Query results written for a person or a program: a table, SPARQL results formats, or RDF."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import pyoxigraph as ox

from ..errors import UsageError
from ..rdfio.formats import format_by_name, format_names

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


_CONTROL = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def table_cell(term: Any) -> str:
    """A term as a person reads it in the table: a literal's lexical form (with its language
    tag), an IRI as a prefixed name or in ``<>``; nothing for an unbound variable.

    >>> table_cell(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '3'
    >>> table_cell(ox.Literal("chat", language="en")), table_cell(ox.NamedNode("http://ex/a"))
    ('chat@en', '<http://ex/a>')
    """
    from ..namespaces import short_iri

    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        text = term.value.translate(_CONTROL)  # one row per line
        return f"{text}@{term.language}" if term.language else text
    if isinstance(term, ox.NamedNode):
        return short_iri(term.value)
    return str(term)


def print_table(solutions: ox.QuerySolutions, out: TextIO) -> None:
    names = [v.value for v in solutions.variables]
    rows = [[table_cell(s[n]) for n in names] for s in solutions]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def write_query_result(args: argparse.Namespace, result: Any) -> int:
    out = sys.stdout
    fmt = args.format
    if isinstance(result, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            data = result.serialize(format=RESULT_FORMATS[fmt])
            assert data is not None
            out.write(data.decode("utf-8"))
        else:
            out.write(("true" if bool(result) else "false") + "\n")
    elif isinstance(result, ox.QuerySolutions):
        if fmt in (None, "table"):
            print_table(result, out)
        elif fmt in RESULT_FORMATS:
            data = result.serialize(format=RESULT_FORMATS[fmt])
            assert data is not None
            out.write(data.decode("utf-8"))
        else:
            raise UsageError(
                f"--format {fmt} is for graphs; SELECT results take table, "
                f"{', '.join(RESULT_FORMATS)}"
            )
    else:
        rdf = format_by_name(fmt or "turtle") if fmt not in RESULT_FORMATS else None
        if rdf is None or fmt == "table":
            raise UsageError(
                f"--format {fmt} is for SELECT results; graphs take {', '.join(format_names())}"
            )
        data = ox.serialize(result, format=rdf.oxigraph)
        assert data is not None
        out.write(data.decode("utf-8"))
    return 0
