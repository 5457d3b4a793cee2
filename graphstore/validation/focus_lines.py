"""Where a focus node is described in a text dump: the line where its own description starts.

**Locating a focus node** (:func:`locate_focus_nodes`): in an RDF text dump, a node is taken to
be described where it is first the subject of a statement: the first term of a Turtle / TriG
statement (after ``.``, ``{``, ``}``, a directive, or at the start), the first term of an
N-Triples / N-Quads line, the ``"@id"`` of a JSON-LD node object that says more than its
``@id``, the ``rdf:about`` of an RDF/XML element. A node never described as a subject (one only
pointed at, such as a licence) is located at its first mention. A node is named by
``<IRI>`` in Turtle, TriG, N-Triples and N-Quads; a prefixed name ``p:local`` for the prefixes
the Turtle / TriG file declares; ``"IRI"`` (a quoted string) in JSON-LD and RDF/XML;
``_:label`` for a blank node (labels are kept by the parser). A node named only through
``@base``-relative IRIs, JSON-LD compact IRIs or ``rdf:ID`` is not found, and its line is left
out. MOT records are not located.

A component is listed in its model's ``mof:hasComponent`` before (or after) its own
description; its problems point at the description:

>>> from rdflib import URIRef
>>> text = b"@prefix ex: <http://ex/> .\\n\\nex:m ex:has ex:a .\\nex:a ex:p 1 .\\n"
>>> text += b"<http://ex/b> ex:p ex:a .\\n"
>>> found = _scan(text, "turtle", {URIRef("http://ex/a"), URIRef("http://ex/b")})
>>> sorted(found.values())
[4, 5]
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

#: Turtle / TriG tokens, and newlines (counted as they pass): long and short strings (skipped,
#: so that what they hold is not read as terms), ``<IRI>``, ``_:label``, a prefixed name (``p:``
#: alone is the one a ``PREFIX`` declares), a comment, and the punctuation that says whether a
#: term starts a statement (``.`` not followed by a digit, as in ``1.5``; ``[`` and ``(``, which
#: start a subject's own brackets). A prefixed name starts only at the start of a word and never
#: backtracks (``*+``), so a long word (a literal of a million letters) costs one pass, not
#: one per letter.
_TURTLE_TOKEN = re.compile(
    rb"\n"
    rb'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    rb"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    rb'|<[^<>"\s]*>'
    rb'|"(?:[^"\\\n]|\\.){0,2048}"'
    rb"|'(?:[^'\\\n]|\\.){0,2048}'"
    rb"|_:[A-Za-z0-9_][\w.-]*"
    rb"|(?<![\w-])[A-Za-z][\w-]*+:[\w.%-]*"
    rb"|#[^\n]*"
    rb"|[\[({}]|\.(?!\d)"
)
#: N-Triples / N-Quads: no prefixed names; a line's first term is its subject.
_LINE_TOKEN = re.compile(
    rb'\n|<[^<>"\s]*>|"(?:[^"\\\n]|\\.){0,2048}"|_:[A-Za-z0-9_][\w.-]*|#[^\n]*'
)
#: JSON-LD: a node object that holds only its ``@id`` (a reference), the ``"@id"`` of one that
#: says more (a description), any other short string.
_JSONLD_TOKEN = re.compile(
    rb'\n|\{\s*"@id"\s*:\s*"[^"\\\n]*"\s*\}|"@id"\s*:\s*"[^"\\\n]*"|"[^"\\\n]{1,2048}"'
)
#: RDF/XML: an ``about`` attribute (a description), any other short string.
_XML_TOKEN = re.compile(rb'\n|(?<![\w-])about\s*=\s*"[^"\n]*"|"[^"\\\n]{1,2048}"')
_PREFIX_DECL = re.compile(rb"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
#: How much of a dump the line finder tokenises at once (bounds its memory on large dumps).
CHUNK_BYTES = 8 * 1024 * 1024
#: Turtle / TriG punctuation after which a term starts a statement.
_STARTS = frozenset(b".{}")
_NEWLINE, _HASH, _QUOTE, _APOSTROPHE, _LT, _BRACE, _COLON, _DOT = b"\n#\"'<{:."


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


class _Found:
    """Each node's first line as a subject (``own``) and its first mention (``first``)."""

    def __init__(self, wanted: int) -> None:
        self.own: dict[Node, int] = {}
        self.first: dict[Node, int] = {}
        self.wanted = wanted

    def see(self, node: Node, line: int, subject: bool) -> bool:
        """Record a mention; true once every node is seen as a subject (nothing left to find)."""
        if node not in self.first:
            self.first[node] = line
        if subject and node not in self.own:
            self.own[node] = line
            return len(self.own) == self.wanted
        return False

    def lines(self) -> dict[Node, int]:
        """Where each node is described, or first mentioned when never described."""
        return {**self.first, **self.own}


def _scan_turtle(pieces: Iterable[bytes], wanted: dict[bytes, Node], found: _Found) -> None:
    get = wanted.get
    line, start, declaring = 1, True, False
    for piece in pieces:
        for token in _TURTLE_TOKEN.findall(piece):
            c = token[0]
            if c == _NEWLINE:
                line += 1
            elif c == _HASH:
                continue  # a comment
            elif len(token) == 1:  # punctuation
                start = c in _STARTS
            elif c == _QUOTE or c == _APOSTROPHE:
                line += token.count(b"\n")  # a long string may span lines
                start = False
            elif declaring and c == _LT:  # the IRI of ``PREFIX p: <IRI>``: a statement follows
                declaring, start = False, True
            elif token[-1] == _COLON:  # ``p:`` of a prefix declaration
                declaring = True
            else:
                node = get(token)
                ends = token[-1] == _DOT  # ``ex:a.`` ends its statement
                if node is None and ends:
                    node = get(token.rstrip(b"."))
                if node is not None and found.see(node, line, start):
                    return
                start = ends


def _scan_line_based(pieces: Iterable[bytes], wanted: dict[bytes, Node], found: _Found) -> None:
    get = wanted.get
    line, start = 1, True
    for piece in pieces:
        for token in _LINE_TOKEN.findall(piece):
            c = token[0]
            if c == _NEWLINE:
                line += 1
                start = True
            elif c == _HASH:
                continue
            else:
                node = get(token)
                if node is not None and found.see(node, line, start):
                    return
                start = False


def _scan_quoted(
    pieces: Iterable[bytes], pattern: re.Pattern[bytes], wanted: dict[bytes, Node], found: _Found
) -> None:
    """JSON-LD and RDF/XML: nodes are quoted strings; a description token carries one."""
    get = wanted.get
    line = 1
    for piece in pieces:
        for token in pattern.findall(piece):
            c = token[0]
            if c == _NEWLINE:
                line += 1
                continue
            if c == _QUOTE and not token.startswith(b'"@id"'):
                node = get(token)
                if node is not None and found.see(node, line, False):
                    return
                continue
            # ``{"@id": "x"}`` (a reference), ``"@id": "x"`` or ``about="x"`` (a description)
            end = len(token) - 1 if c != _BRACE else token.rindex(b'"')
            begin = token.rindex(b'"', 0, end)
            node = get(token[begin : end + 1])
            here = line + token.count(b"\n", 0, begin)
            line += token.count(b"\n")
            if node is not None and found.see(node, here, c != _BRACE):
                return


def scan_lines(
    pieces: Iterable[bytes], fmt: str, nodes: set[Node], *, prefixes: bytes = b""
) -> dict[Node, int]:
    """Each node's line (1-based) in the text ``pieces`` (split after newlines): where it is
    first described as a subject, else where it is first mentioned.

    Tokens come from one ``findall`` per piece (newlines among them, to count lines), looked
    up in a map of every spelling of every node: one pass, no per-token match objects;
    it stops once every node is found as a subject. ``prefixes``: the text whose Turtle /
    TriG prefix declarations apply.
    """
    return _find(pieces, fmt, nodes, prefixes=prefixes).lines()


def _find(pieces: Iterable[bytes], fmt: str, nodes: set[Node], *, prefixes: bytes) -> _Found:
    declared = {}
    if fmt in ("turtle", "trig"):
        declared = {
            (m.group(1) or b"").decode(errors="replace"): m.group(2).decode(errors="replace")
            for m in _PREFIX_DECL.finditer(prefixes)
        }
    wanted = _candidates(fmt, nodes, declared)
    found = _Found(len(nodes))
    if fmt in ("turtle", "trig"):
        _scan_turtle(pieces, wanted, found)
    elif fmt in ("ntriples", "nquads"):
        _scan_line_based(pieces, wanted, found)
    else:
        _scan_quoted(pieces, _JSONLD_TOKEN if fmt == "jsonld" else _XML_TOKEN, wanted, found)
    return found


def _scan(data: bytes, fmt: str, nodes: set[Node]) -> dict[Node, int]:
    """Each node's line in ``data`` (1-based), one pass, stopping once all are described."""
    return scan_lines(chunks(data), fmt, nodes, prefixes=data)


def locate_focus_nodes(dumps: Sequence[Dump], nodes: set[Node]) -> dict[Any, tuple[str, int]]:
    """Where each node is described: (source, line), for RDF text dumps; a node described in
    none of them is located where it is first mentioned.

    A dump kept on disk (:attr:`Dump.path`) is read again in pieces rather than held in memory.
    """
    described: dict[Any, tuple[str, int]] = {}
    mentioned: dict[Any, tuple[str, int]] = {}
    for dump in dumps:
        remaining = nodes - set(described)
        fmt = dump.text_format
        if fmt is None or not remaining:
            continue
        if dump.rdf is not None:
            data = dump.rdf.data
            found = _find(chunks(data), fmt.name, remaining, prefixes=data)
        else:
            assert dump.path is not None
            found = _find(file_chunks(dump.path), fmt.name, remaining, prefixes=b"")
        for node, line in found.own.items():
            described[node] = (dump.source, line)
        for node, line in found.first.items():
            mentioned.setdefault(node, (dump.source, line))
    return {**mentioned, **described}


__all__ = ["chunks", "file_chunks", "locate_focus_nodes", "scan_lines"]
