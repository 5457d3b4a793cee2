"""Checks on RDF input as it streams in, before any parser sees it: nesting depth, and DTDs.

Parsers pay dearly for deep nesting (Oxigraph's RDF/XML parser took minutes over 60,000 nested
elements in 8 KB) and RDF/XML's DTD can declare entities that expand without bound. A
:class:`NestingScan` is fed the input piece by piece (as the bounded reader inflates it) and
refuses, naming source, line and column:

- nesting deeper than its limit: RDF/XML elements, JSON-LD arrays and objects, Turtle / TriG
  blank nodes ``[ ]``, collections ``( )``, triple terms ``<< >>`` and annotations ``{| |}``,
  and triple terms in a line of N-Triples / N-Quads (100,000 of them nested crashed the
  process that stored them: Oxigraph's encoder recurses);
- in RDF/XML, any markup declaration (``<!DOCTYPE``, ``<!ENTITY``, ...) outside comments and
  CDATA sections, wherever it is: before the root element after any padding, or inside it
  (Oxigraph reads a DOCTYPE there too).

Strings, IRIs, comments, CDATA and processing instructions are skipped, so brackets inside them
do not count. The work is done by regular expressions over whole pieces, so the cost is linear
and small beside parsing; a token cut by a piece's end waits for the next piece.

>>> scan = NestingScan("jsonld", source="doc.jsonld", limit=3)
>>> scan.feed(b'{"a": [[ "[[[[" ]]}')
>>> scan.close()
>>> scan = NestingScan("turtle", source="doc.ttl", limit=2)
>>> scan.feed(b"<http://e/s> <http://e/p> ( ( (\\n 1 ) ) ) .")
>>> scan.close()
Traceback (most recent call last):
...
mofkg.graphstore.errors.UnsafeInputError: doc.ttl:1:31: nested deeper than 2 (blank nodes, \
collections, triple terms); this limit is the setting max_input_depth
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass

from ..errors import UnsafeInputError

#: The default deepest nesting (the setting ``max_input_depth``).
DEFAULT_MAX_DEPTH = 256
#: The least input gathered before a scan (a cut token is scanned again when input doubles).
SCAN_BYTES = 64 * 1024

_OPEN, _CLOSE = 2, 0  # marks: depth after n marks is sum(marks) - n


@dataclass(frozen=True)
class _Syntax:
    what: str  # what nests, for messages
    complete: re.Pattern[bytes]  # the longest run of whole tokens from a position
    skipped: re.Pattern[bytes]  # tokens whose brackets do not count (strings, comments ...)
    tokens: re.Pattern[bytes]  # groups skip / decl / open / close, to find where it goes wrong


def _ttl_strings(after: bytes) -> bytes:
    """Turtle's strings and IRIs; ``after`` is what may follow a short string (a string cut
    at a piece's end, ``""``, may be the start of a long one)."""
    return (
        rb'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
        rb"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
        rb'|"(?!"")(?:[^"\\\r\n]++|\\.)*+"'
        + after.replace(b"Q", b'"')
        + rb"|'(?!'')(?:[^'\\\r\n]++|\\.)*+'"
        + after.replace(b"Q", b"'")
        + rb"|<(?:[^<>\s\"{}|^`\\]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>"
    )


_TTL_WHOLE = _ttl_strings(rb"(?=[^Q])")
_TTL_SKIPPED = _ttl_strings(rb"(?!Q)") + rb"|#[^\r\n]*+|\\."
_TURTLE = _Syntax(
    "blank nodes, collections, triple terms",
    re.compile(
        rb"(?:" + _TTL_WHOLE + rb"|<<|>>|\{\||\|\}|\{(?=[^|])|\|(?=[^}])|#[^\r\n]*+[\r\n]"
        rb"|\\[^\r\n]|[^\"'<>#\\{|]++)*+",
        re.DOTALL,
    ),
    re.compile(_TTL_SKIPPED, re.DOTALL),
    re.compile(
        rb"(?P<skip>" + _TTL_SKIPPED + rb")|(?P<open>\[|\(|<<|\{\|)|(?P<close>\]|\)|>>|\|\})",
        re.DOTALL,
    ),
)

_JSON_STRING = rb'"(?:[^"\\]++|\\.)*+"'
_JSON = _Syntax(
    "arrays and objects",
    re.compile(rb"(?:" + _JSON_STRING + rb'|[^"]++)*+', re.DOTALL),
    re.compile(_JSON_STRING, re.DOTALL),
    re.compile(rb"(?P<skip>" + _JSON_STRING + rb")|(?P<open>[\[{])|(?P<close>[\]}])", re.DOTALL),
)

_XML_SKIPPED = (
    rb"<!--(?:[^-]++|-(?!->))*+-->"
    rb"|<!\[CDATA\[(?:[^\]]++|\](?!\]>))*+\]\]>"
    rb"|<\?(?:[^?]++|\?(?!>))*+\?>"
)
_XML_ATTRIBUTES = rb"(?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+"
_XML_EMPTY = rb"<[^/!?<>\"'](?:[^<>\"'/]++|/(?!>)|\"[^\"]*+\"|'[^']*+')*+/>"
_XML_END = rb"</[^<>]*+>"
_XML_START = rb"<[^/!?<>\"']" + _XML_ATTRIBUTES + rb">"
_XML = _Syntax(
    "RDF/XML elements",
    re.compile(
        rb"(?:" + _XML_SKIPPED + rb"|" + _XML_END + rb"|" + _XML_START + rb"|[^<]++)*+",
        re.DOTALL,
    ),
    # Every token in one pass, with the text after it (a comment's start inside an attribute
    # value is no comment): an end tag leaves "/", a start tag "<", an empty element "</", a
    # declaration "!", anything else nothing; a "<" that starts no token stays (an opening).
    re.compile(
        rb"<(?P<e>/)[^<>]*+>[^<]*+"
        rb"|(?P<s><)[^/!?<>\"'](?:[^<>\"'/]++|/(?!>)|\"[^\"]*+\"|'[^']*+')*+(?P<x>/)?>[^<]*+"
        rb"|(?:" + _XML_SKIPPED + rb")[^<]*+|<(?P<d>!)|[^<]++",
        re.DOTALL,
    ),
    re.compile(
        rb"(?P<skip>" + _XML_SKIPPED + rb")|(?P<empty>" + _XML_EMPTY + rb")"
        rb"|(?P<close>" + _XML_END + rb")|(?P<decl><!)|(?P<open>" + _XML_START + rb"|<)",
        re.DOTALL,
    ),
)
_XML_MARKS = bytes.maketrans(b"</", bytes([_OPEN, _CLOSE]))
#: The start of a markup declaration (a DOCTYPE, an ENTITY ...): ``<!`` but no comment or CDATA.
_XML_DECL = re.compile(rb"<!(?!--|\[CDATA\[)")
_XML_DOCTYPE_MESSAGE = (
    "RDF/XML with a DOCTYPE is refused (entity declarations are not processed); "
    "remove the DOCTYPE and write entities out"
)
_XML_DECL_MESSAGE = (
    "RDF/XML with a markup declaration ({name}) is refused (entity declarations are not "
    "processed); remove it and write entities out"
)
#: Bytes after ``<!`` that tell a declaration from a comment or CDATA, and name it.
_XML_DECL_HEAD = 9

_SYNTAXES = {
    "turtle": _TURTLE,
    "trig": _TURTLE,
    "ntriples": _TURTLE,  # RDF 1.2 triple terms <<( )>> nest; lines do not
    "nquads": _TURTLE,
    "jsonld": _JSON,
    "rdfxml": _XML,
}
#: Formats whose statements each hold on one line.
_LINE_BASED = ("ntriples", "nquads")

_ALL = bytes(range(256))
_BRACKETS = bytes.maketrans(b"[(]){}", bytes([_OPEN, _OPEN, _CLOSE, _CLOSE, _OPEN, _CLOSE]))
_NOT_TTL = bytes(b for b in _ALL if b not in b"[]()")
_NOT_JSON = bytes(b for b in _ALL if b not in b"[]{}")


def _deepest(marks: bytes) -> int:
    """The most opened and not yet closed at any point of ``marks`` (0 for none)."""
    return max(map(operator.sub, itertools.accumulate(marks), itertools.count(1)), default=0)


def scanned_formats() -> tuple[str, ...]:
    """The formats (names of :mod:`mofkg.graphstore.rdfio.formats`) whose nesting is checked."""
    return tuple(_SYNTAXES)


class NestingScan:
    """Depth (and, for RDF/XML, declaration) checks over input fed in pieces."""

    def __init__(self, format_name: str, *, source: str, limit: int = DEFAULT_MAX_DEPTH) -> None:
        self.syntax = _SYNTAXES[format_name]
        self.xml = self.syntax is _XML
        self.line_based = format_name in _LINE_BASED
        self.source = source
        self.limit = limit
        self.depth = 0
        self.pending = bytearray()
        self.offset = 0  # bytes scanned before ``pending``
        self.line = 1  # the line at ``offset``
        self.line_start = 0  # the offset where that line starts
        self.wait_for = SCAN_BYTES

    def feed(self, piece: bytes | memoryview) -> None:
        """Scan what can be scanned of the input so far (a cut token waits for more)."""
        self.pending += piece
        if len(self.pending) < self.wait_for:
            return
        if self.line_based:
            end = self.pending.rfind(b"\n") + 1
        else:
            match = self.syntax.complete.match(self.pending)
            end = match.end() if match else 0
        if end:
            self._scan(bytes(self.pending[:end]))
            del self.pending[:end]
        if self.xml:
            self._refuse_declaration_at_stop()
        self.wait_for = max(SCAN_BYTES, 2 * len(self.pending))

    def close(self) -> None:
        """Scan the rest: the input is complete."""
        if self.pending:
            self._scan(bytes(self.pending))
            self.pending.clear()

    # -- inside ----------------------------------------------------------------------

    def _refuse_declaration_at_stop(self) -> None:
        head = bytes(self.pending[:_XML_DECL_HEAD])
        if (
            len(head) == _XML_DECL_HEAD
            and _XML_DECL.match(head)
            and not (b"<!--".startswith(head[:4]) or b"<![CDATA[".startswith(head))
        ):
            self._refuse_declaration(bytes(self.pending), 0)

    def _scan(self, span: bytes) -> None:
        if self.line_based:
            self._scan_lines(span)
            return
        marks = self._marks(span)
        if marks:
            if self.depth + _deepest(marks) > self.limit:
                self._refuse_depth(span)
            self.depth += len(marks) - 2 * marks.count(_CLOSE)
        self._count_lines(span)

    def _scan_lines(self, span: bytes) -> None:
        """N-Triples / N-Quads: each line on its own, only those with a triple term."""
        if b"<<" in span:
            for number, line in enumerate(span.split(b"\n")):
                if b"<<" in line:
                    marks = self._marks(line)
                    if _deepest(marks) > self.limit:
                        self._refuse_depth(line, lines_before=number)
        self._count_lines(span)

    def _count_lines(self, span: bytes) -> None:
        newlines = span.count(b"\n")
        if newlines:
            self.line += newlines
            self.line_start = self.offset + span.rfind(b"\n") + 1
        self.offset += len(span)

    def _marks(self, span: bytes) -> bytes:
        """One byte per opening (``_OPEN``) and closing (``_CLOSE``) in ``span``, in order."""
        if self.xml:
            # split() lists each token's groups: the marks, joined in C (a template in sub()
            # costs a Python call per token, four times the time).
            tags = b"".join(filter(None, self.syntax.skipped.split(span)))
            if b"!" in tags:
                self._refuse_declaration(span, 0)
            return tags.translate(_XML_MARKS)
        bare = self.syntax.skipped.sub(b"", span)
        if self.syntax is _JSON:
            return bare.translate(_BRACKETS, _NOT_JSON)
        for pair, mark in ((b"<<", b"["), (b">>", b"]"), (b"{|", b"["), (b"|}", b"]")):
            bare = bare.replace(pair, mark)
        return bare.translate(_BRACKETS, _NOT_TTL)

    def _where(self, span: bytes, index: int) -> str:
        before = span.rfind(b"\n", 0, index)
        line = self.line + span.count(b"\n", 0, index)
        start = self.offset + before + 1 if before >= 0 else self.line_start
        return f"{self.source}:{line}:{self.offset + index - start + 1}"

    def _refuse_depth(self, span: bytes, *, lines_before: int | None = None) -> None:
        """Refuse ``span``, naming where it passes the limit (``lines_before``: ``span`` is one
        line of a line-based format, that many lines into what is being scanned)."""
        depth = self.depth if lines_before is None else 0
        for token in self.syntax.tokens.finditer(span):
            kind = token.lastgroup
            if kind in ("open", "empty"):
                depth += 1
                if depth > self.limit:
                    where = (
                        self._where(span, token.start())
                        if lines_before is None
                        else f"{self.source}:{self.line + lines_before}:{token.start() + 1}"
                    )
                    raise UnsafeInputError(
                        where,
                        f"nested deeper than {self.limit} ({self.syntax.what}); "
                        "this limit is the setting max_input_depth",
                    )
            if kind in ("close", "empty"):
                depth -= 1
        # The two scans agree; were they not to, the input is refused all the same.
        raise UnsafeInputError(  # pragma: no cover
            self._where(span, 0),
            f"nested deeper than {self.limit} ({self.syntax.what}) in what follows; "
            "this limit is the setting max_input_depth",
        )

    def _refuse_declaration(self, span: bytes, start: int) -> None:
        for token in self.syntax.tokens.finditer(span, start):
            if token.lastgroup == "decl":
                word = re.match(rb"<![A-Za-z]*", span[token.start() : token.start() + 20])
                name = word.group().decode("ascii") if word else "<!"
                message = (
                    _XML_DOCTYPE_MESSAGE
                    if name.upper() == "<!DOCTYPE"
                    else _XML_DECL_MESSAGE.format(name=name)
                )
                raise UnsafeInputError(self._where(span, token.start()), message)
        raise UnsafeInputError(self._where(span, 0), _XML_DECL_MESSAGE.format(name="<!"))
