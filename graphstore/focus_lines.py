"""Where a focus node is described in a text dump: the first line that mentions it.

**Locating a focus node** (:func:`locate_focus_nodes`): in an RDF text dump, the first token
that names the node is taken as where it is described: ``<IRI>`` in Turtle, TriG, N-Triples
and N-Quads; a prefixed name ``p:local`` for the prefixes the Turtle / TriG file declares;
``"IRI"`` (a quoted string) in JSON-LD and RDF/XML; ``_:label`` for a blank node (labels are
kept by the parser). A node named only through ``@base``-relative IRIs, JSON-LD compact IRIs
or ``rdf:ID`` is not found, and its line is left out. MOT records are not located.

>>> from rdflib import URIRef
>>> text = b"@prefix ex: <http://ex/> .\\n\\nex:a ex:p 1 .\\n<http://ex/b> ex:p ex:a .\\n"
>>> found = _scan(text, "turtle", {URIRef("http://ex/a"), URIRef("http://ex/b")})
>>> sorted(found.values())
[3, 4]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, URIRef
from rdflib.term import Node

if TYPE_CHECKING:
    from .dumps import Dump

#: Tokens that can name a node, and newlines (counted as they pass): ``<IRI>``, a short quoted
#: string (JSON-LD, RDF/XML), ``_:label``, a prefixed name (Turtle, TriG). A prefixed name
#: starts only at the start of a word and never backtracks (``*+``), so a long word (a literal
#: of a million letters) costs one pass, not one per letter.
_TOKEN = re.compile(
    rb'\n|<[^<>"\s]*>|"[^"\\\n]{1,2048}"|_:[A-Za-z0-9_][\w.-]*|(?<![\w-])[A-Za-z][\w-]*+:[\w.%-]*'
)
#: N-Triples / N-Quads have no prefixed names: fewer alternatives to try per byte.
_LINE_TOKEN = re.compile(rb'\n|<[^<>"\s]*>|"[^"\\\n]{1,2048}"|_:[A-Za-z0-9_][\w.-]*')
_PREFIX_DECL = re.compile(rb"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
#: How much of a dump the line finder tokenises at once (bounds its memory on large dumps).
CHUNK_BYTES = 8 * 1024 * 1024


# -- lines -----------------------------------------------------------------------------


def _candidates(fmt: str, nodes: Iterable[Node], prefixes: dict[str, str]) -> dict[bytes, Node]:
    """Every spelling of each node in a dump of format ``fmt``, to the node."""
    found: dict[bytes, Node] = {}
    for node in nodes:
        if isinstance(node, URIRef):
            text = str(node)
            if fmt in ("jsonld", "rdfxml"):
                found[f'"{text}"'.encode()] = node
                continue
            found[f"<{text}>".encode()] = node
            for prefix, ns in prefixes.items():
                if text.startswith(ns) and len(text) > len(ns):
                    found[f"{prefix}:{text[len(ns) :]}".encode()] = node
        elif isinstance(node, BNode):
            label = f"_:{node}"
            found[(f'"{label}"' if fmt == "jsonld" else label).encode()] = node
    return found


def chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``data`` in pieces of about ``size`` bytes, each ending after a newline (or at the end).

    >>> list(chunks(b"a\\nbb\\nc", size=2))
    [b'a\\n', b'bb\\n', b'c']
    """
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + size - 1)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end


def file_chunks(path: Path, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """A file's content in pieces of about ``size`` bytes, each ending after a newline."""
    with path.open("rb") as f:
        rest = b""
        while block := f.read(size):
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest += block
                continue
            yield rest + block[:cut]
            rest = block[cut:]
        if rest:
            yield rest


def scan_lines(
    pieces: Iterable[bytes], fmt: str, nodes: set[Node], *, prefixes: bytes = b""
) -> dict[Node, int]:
    """Each node's first line (1-based) in the text ``pieces`` (split after newlines).

    Tokens come from one ``findall`` per piece (newlines among them, to count lines), looked
    up in a map of every spelling of every node: one pass, no per-token match objects;
    it stops once every node is found. ``prefixes``: the text whose Turtle / TriG prefix
    declarations apply.
    """
    declared = {}
    if fmt in ("turtle", "trig"):
        declared = {
            (m.group(1) or b"").decode(errors="replace"): m.group(2).decode(errors="replace")
            for m in _PREFIX_DECL.finditer(prefixes)
        }
    wanted = _candidates(fmt, nodes, declared)
    line_based = fmt in ("ntriples", "nquads")
    pattern = _LINE_TOKEN if line_based else _TOKEN
    get = wanted.get
    lines: dict[Node, int] = {}
    line = 1
    for piece in pieces:
        for token in pattern.findall(piece):
            if token == b"\n":
                line += 1
                continue
            node = get(token)
            if node is None:
                if line_based or not token.endswith(b"."):
                    continue
                node = get(token.rstrip(b"."))
                if node is None:
                    continue
            if node not in lines:
                lines[node] = line
                if len(lines) == len(nodes):
                    return lines
    return lines


def _scan(data: bytes, fmt: str, nodes: set[Node]) -> dict[Node, int]:
    """Each node's first line in ``data`` (1-based), one pass, stopping once all are found."""
    return scan_lines(chunks(data), fmt, nodes, prefixes=data)


def locate_focus_nodes(dumps: Sequence[Dump], nodes: set[Node]) -> dict[Any, tuple[str, int]]:
    """Where each node is first mentioned: (source, line), for RDF text dumps.

    A dump kept on disk (:attr:`Dump.path`) is read again in pieces rather than held in memory.
    """
    located: dict[Any, tuple[str, int]] = {}
    for dump in dumps:
        remaining = nodes - set(located)
        fmt = dump.text_format
        if fmt is None or not remaining:
            continue
        if dump.rdf is not None:
            found = _scan(dump.rdf.data, fmt.name, remaining)
        else:
            assert dump.path is not None
            found = scan_lines(file_chunks(dump.path), fmt.name, remaining)
        for node, line in found.items():
            located[node] = (dump.source, line)
    return located


__all__ = ["chunks", "file_chunks", "locate_focus_nodes", "scan_lines"]
