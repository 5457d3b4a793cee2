"""Reading RDF input safely: format detection, gzip, and refusals before any parsing.

Whatever the source (a path, bytes, a binary stream), :func:`open_rdf_input` returns an
:class:`RdfInput` whose content is ready for pyoxigraph, or raises an error that names the
source. Nothing here writes to a store; :meth:`mofkg.graphstore.store.embedded.Store.load` does, in
one
transaction.

>>> data = open_rdf_input(b'<http://a> <http://b> "c" .', source_name="inline.nt")
>>> data.format.name, data.source
('ntriples', 'inline.nt')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph

from ..errors import RdfSyntaxError, UnsafeInputError
from .bounded_input import Budget, read_bounded
from .formats import RdfFormat, format_by_name, format_for_media_type, format_for_suffix
from .nesting import DEFAULT_MAX_DEPTH, NestingScan, scanned_formats

Source = Path | str | bytes | IO[bytes]


@dataclass(frozen=True)
class RdfInput:
    """RDF content, decompressed and checked, with its format and where it came from."""

    data: bytes
    format: RdfFormat
    source: str
    compressed: bool = False


def _raw(source: Source) -> tuple[Path | bytes | IO[bytes], str]:
    if isinstance(source, bytes):
        return source, "<bytes>"
    if isinstance(source, (str, Path)):
        return Path(source), str(source)
    return source, str(getattr(source, "name", "<stream>"))


def syntax_error_from(exc: SyntaxError | ValueError, source: str) -> RdfSyntaxError:
    """An :class:`RdfSyntaxError` from pyoxigraph's parser error, keeping line and column."""
    if isinstance(exc, SyntaxError):
        message = exc.msg or str(exc)
        message = re.sub(r"^Parser error [^:]*: ", "", message)
        return RdfSyntaxError(source, message, line=exc.lineno, column=exc.offset)
    return RdfSyntaxError(source, str(exc))


def token_too_long(exc: MemoryError, source: str) -> RdfSyntaxError:
    """The error for input with one token (a literal, an IRI, a line) longer than Oxigraph's
    parser buffer (16 MiB); any other ``MemoryError`` is raised again, as the server's."""
    if "maximal size" not in str(exc):
        raise exc
    return RdfSyntaxError(
        source, f"a single token (a literal, an IRI, a comment) is too long to parse: {exc}"
    )


def _remote_contexts(node: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import"):
                values = value if isinstance(value, list) else [value]
                for i, item in enumerate(values):
                    if isinstance(item, str):
                        found.append(f"{path}/{key}[{i}] = {item}")
            found.extend(_remote_contexts(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found.extend(_remote_contexts(item, f"{path}[{i}]"))
    return found


def check_jsonld(data: bytes, source: str) -> None:
    """Refuse JSON-LD that refers to a context by IRI: mofkg never fetches one."""
    try:
        document = json.loads(data)
        remote = _remote_contexts(document, "")
    except RecursionError as exc:
        raise RdfSyntaxError(source, "JSON nested too deeply to read") from exc
    except json.JSONDecodeError as exc:
        raise RdfSyntaxError(
            source, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from exc
    except UnicodeDecodeError as exc:
        raise RdfSyntaxError(source, f"not UTF-8 text: {exc}") from exc
    if remote:
        raise UnsafeInputError(
            source,
            "JSON-LD with a remote @context is refused (contexts are never fetched); "
            f"inline the context instead: {remote[0]}",
        )


def detect_format(
    *, source: str, format: str | RdfFormat | None = None, media_type: str | None = None
) -> RdfFormat:
    """The format given by name, else by media type, else by the source's file suffix."""
    if isinstance(format, RdfFormat):
        return format
    if format:
        return format_by_name(format)
    if media_type:
        return format_for_media_type(media_type)
    return format_for_suffix(source)


def open_rdf_input(
    source: Source,
    *,
    format: str | RdfFormat | None = None,
    media_type: str | None = None,
    source_name: str | None = None,
    budget: Budget | None = None,
    gzip: bool = False,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> RdfInput:
    """Read, decompress (gzip by its magic bytes, or ``gzip``) and check RDF input before
    parsing: through :func:`~mofkg.graphstore.rdfio.bounded_input.read_bounded`, within ``budget``
    (none:
    no cap), refusing nesting deeper than ``max_depth`` and RDF/XML declarations as it reads."""
    raw, name = _raw(source)
    if source_name is not None:
        name = source_name
    fmt = detect_format(source=name, format=format, media_type=media_type)
    scan = (
        NestingScan(fmt.name, source=name, limit=max_depth)
        if fmt.name in scanned_formats()
        else None
    )
    decoded = read_bounded(
        raw,
        source=name,
        budget=budget if budget is not None else Budget(None),
        gzip=gzip,
        check=scan.feed if scan is not None else None,
    )
    if scan is not None:
        scan.close()
    data = decoded.data
    if fmt.name == "jsonld" and data.strip():
        check_jsonld(data, name)
    return RdfInput(data=data, format=fmt, source=name, compressed=decoded.compressed)


def parse_input(rdf: RdfInput, *, base_iri: str | None = None) -> list[pyoxigraph.Quad]:
    """Parse checked input into quads, raising :class:`RdfSyntaxError` with line and column."""
    try:
        return list(pyoxigraph.parse(rdf.data, format=rdf.format.oxigraph, base_iri=base_iri))
    except (SyntaxError, ValueError) as exc:
        raise syntax_error_from(exc, rdf.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, rdf.source) from exc


def check_syntax(rdf: RdfInput, *, base_iri: str | None = None) -> int:
    """Parse the whole input without keeping it; the number of quads, or an RdfSyntaxError.

    Parsing is about ten times cheaper than writing, so loads check first and write once.
    """
    try:
        return sum(
            1 for _ in pyoxigraph.parse(rdf.data, format=rdf.format.oxigraph, base_iri=base_iri)
        )
    except (SyntaxError, ValueError) as exc:
        raise syntax_error_from(exc, rdf.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, rdf.source) from exc
