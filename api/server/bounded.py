"""Queries whose work is bounded by the row cap run in the server process, not in a worker.

A worker (:mod:`mofkg.api.server.pool`) exists so that a timeout can stop a query; crossing to it
costs about 270 µs of CPU, more than a one-model lookup itself. Oxigraph evaluates a query
that is exactly one triple pattern as one streaming index scan: each solution is one index
entry (it does not even deduplicate the union default graph: a triple held in three graphs
gives three rows), and :func:`mofkg.api.server.queries.capped_tsv` stops it after ``max_rows + 1``
rows. So such a query does at most ``INLINE_ROWS + 1`` index steps whatever the data, and
running it here keeps the timeout's promise: no query runs unbounded in this process.

The rule, read on the query's tokens (:func:`mofkg.api.server.policy.tokens`):

- a prologue of ``BASE <iri>`` and ``PREFIX p: <iri>`` only;
- ``SELECT *`` or ``SELECT ?v ...`` (no ``DISTINCT``, ``REDUCED``, expressions, ``FROM``),
  or ``ASK``; then an optional ``WHERE``;
- ``{`` one triple pattern, an optional ``.``, ``}``: subject an IRI, a prefixed name or a
  variable; predicate one of those or ``a``; object one of those or a string literal, with
  an optional ``@lang`` or ``^^datatype``; no variable twice (``?s ?p ?s`` scans and
  filters), no blank nodes, numbers, paths, lists, ``GRAPH``, ``FILTER`` or nested groups;
- an optional ``LIMIT n`` and nothing else (no ``OFFSET``: skipped rows are work too).

Anything else goes to a worker, as before. The recogniser may turn away a bounded query; it
must never accept an unbounded one, so it reads a text the way Oxigraph does and the way
SPARQL says, and accepts only what is bounded both ways. Oxigraph 0.5 decodes ``\\u``
escapes only inside IRIs and strings (``\\u0053ELECT`` is a syntax error), whereas the
specification applies them before parsing: ``"\\u0022 } #" . ?a ?b ?c`` is one pattern to
the latter and a join to Oxigraph. The lexer follows Oxigraph on comments (they end at a
line feed or a carriage return) and on escaped prefixed names (``ex:a\\#`` is one name);
whitespace SPARQL does not know (a form feed, a no-break space), which the lexer would
skip, makes the text refused. Whether a
text is valid is Oxigraph's business: it parses an accepted text with the very same
:func:`mofkg.api.server.queries.run_job` as a worker, so errors read the same.

>>> is_bounded("SELECT ?p ?o WHERE { <https://w3id.org/mofkg/id/model/m> ?p ?o }")
True
>>> is_bounded("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import pyoxigraph as ox

from mofkg.graphstore.errors import QueryError

from ..protocol.negotiation import result_format_by_name
from .policy import Token, tokens, unescape
from .queries import QueryJob, QueryOutcome, execute, run_job, sparql_errors

#: Most rows a query runs inline; one with more is answered again by a worker, in full.
INLINE_ROWS = 1000
#: Longer texts always go to a worker (and are not cached): a lookup is a short text.
MAX_TEXT = 8192

# Python's whitespace that SPARQL does not know (form feed, no-break space, U+1680 ...): the
# lexer would skip it.
_ODD_SPACE = re.compile(r"[^\S \t\n\r]")
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Shape:
    """What the recogniser read of a bounded query, for :func:`run_inline`'s direct answer.

    ``bound``: the projected variables every solution binds (those of the pattern);
    ``limit``: the query's own ``LIMIT``; ``plain``: the text has no ``\\u`` escapes, so the
    recogniser read it exactly as Oxigraph does and a ``LIMIT`` may be appended to it.
    """

    bound: tuple[str, ...]
    limit: int | None
    plain: bool


def is_bounded(text: str) -> bool:
    """Whether a query is one triple pattern whose work the row cap bounds (see above).

    >>> is_bounded("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
    ...            'ASK { ?s a <http://e/C> }')
    True
    >>> is_bounded("SELECT * { ?s ?p ?s }")
    False
    """
    return bounded_shape(text) is not None


def bounded_shape(text: str) -> Shape | None:
    """The :class:`Shape` of a bounded query; ``None`` for any other text."""
    return _bounded(text) if len(text) <= MAX_TEXT else None


@lru_cache(maxsize=1024)
def _bounded(text: str) -> Shape | None:
    reader = _one_pattern(text)
    if reader is None:
        return None
    plain = unescape(text)
    if plain != text and _one_pattern(plain) is None:
        return None
    return Shape(reader.bound(), reader.limit, plain == text)


def _one_pattern(text: str) -> _Reader | None:
    """The reader of ``text`` if, read with the policy's lexer, it follows the rule."""
    if _ODD_SPACE.search(text):
        return None
    reader = _Reader(text)
    return reader if reader.query() else None


def _end(tok: Token) -> int:
    return tok.start + len(tok.text)


class _Reader:
    """A cursor over a text's tokens that reads the one grammar the rule allows."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokens(text)
        self.i = 0
        self.names: set[str] = set()
        self.projected: list[str] | None = None  # None: SELECT * or ASK (all of the pattern's)
        self.limit: int | None = None

    def _peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _take(self, kind: str, text: str | None = None) -> Token | None:
        tok = self._peek()
        if tok is None or tok.kind != kind or (text is not None and tok.text != text):
            return None
        self.i += 1
        return tok

    def _word(self, *words: str) -> bool:
        tok = self._peek()
        if tok is None or not tok.is_word(*words):
            return False
        self.i += 1
        return True

    def query(self) -> bool:
        while self._word("BASE", "PREFIX"):
            if self.toks[self.i - 1].is_word("PREFIX"):
                name = self._take("pname")
                if name is None or not name.text.endswith(":"):
                    return False
            if self._take("iri") is None:
                return False
        if self._word("SELECT"):
            if self._take("other", "*") is None:
                projected = []
                while (var := self._take("var")) is not None:
                    projected.append(var.text[1:])
                if not projected:
                    return False
                self.projected = projected
            else:
                self.projected = None
        elif self._word("ASK"):
            self.projected = None
        else:
            return False
        self._word("WHERE")
        if self._take("other", "{") is None:
            return False
        if not (self._node() and (self._node() or self._word_a()) and self._object()):
            return False
        self._take("other", ".")
        if self._take("other", "}") is None:
            return False
        if self._word("LIMIT"):
            start = self.i
            if not self._digits():
                return False
            self.limit = int("".join(tok.text for tok in self.toks[start : self.i]))
        return self.i == len(self.toks)

    def bound(self) -> tuple[str, ...]:
        """The projected variables that every solution binds: those of the pattern."""
        if self.projected is None:
            return tuple(sorted(self.names))
        return tuple(v for v in self.projected if v in self.names)

    def _node(self) -> bool:
        """An IRI, a prefixed name, or a variable not seen before."""
        tok = self._peek()
        if tok is None:
            return False
        if tok.kind == "var":
            if tok.text[1:] in self.names:  # ?x and $x are the same variable
                return False
            self.names.add(tok.text[1:])
        elif tok.kind not in ("iri", "pname"):
            return False
        self.i += 1
        return True

    def _word_a(self) -> bool:
        tok = self._peek()
        if tok is None or tok.kind != "word" or tok.text != "a":
            return False
        self.i += 1
        return True

    def _object(self) -> bool:
        """A node, or a string literal with an optional language tag or datatype."""
        if self._take("string") is None:
            return self._node()
        at = self._take("other", "@")
        if at is not None:
            match = _LANGTAG.match(self.text, at.start)
            if match is None:
                return False
            while (tok := self._peek()) is not None and tok.start < match.end():
                if _end(tok) > match.end():
                    return False
                self.i += 1
            return True
        first = self._take("other", "^")
        if first is None:
            return True
        second = self._take("other", "^")
        if second is None or second.start != _end(first):
            return False
        tok = self._peek()
        return tok is not None and tok.kind in ("iri", "pname") and self._node()

    def _digits(self) -> bool:
        """An integer: the lexer gives each digit as a token of its own."""
        tok = self._take("other")
        if tok is None or tok.text not in _DIGITS:
            return False
        while (nxt := self._peek()) is not None and nxt.start == _end(tok):
            if nxt.kind != "other" or nxt.text not in _DIGITS:
                return False
            tok = nxt
            self.i += 1
        return True


def run_inline(store: ox.Store, job: QueryJob) -> QueryOutcome | None:
    """A bounded job's outcome, run here on ``store``; ``None`` when a worker must run it.

    The job runs with at most :data:`INLINE_ROWS` rows. When that cuts it short while the
    job's own cap is higher, the inline answer is dropped (``None``) and the worker answers
    in full, so an answer never differs from the worker's. A job over a dataset
    (``default-graph-uri`` / ``named-graph-uri``) always goes to a worker.
    """
    if job.default_graphs is not None or job.named_graphs is not None:
        return None
    shape = bounded_shape(job.query)
    if shape is None:
        return None
    rows = min(job.max_rows, INLINE_ROWS)
    direct = run_direct(store, job, shape, rows)
    if direct.outcome is not None:
        return direct.outcome
    if direct.full and job.max_rows > rows:
        return None  # it has INLINE_ROWS rows at least: a worker answers it in full
    outcome = run_job(store, job if rows == job.max_rows else replace(job, max_rows=rows))
    if outcome.truncated and job.max_rows > rows:
        return None
    return outcome


@dataclass(frozen=True)
class Direct:
    """What :func:`run_direct` found: the answer, or ``None`` and whether it has ``rows``
    rows (``full``: the limit cut it, or CSV's lines could not tell)."""

    outcome: QueryOutcome | None
    full: bool = False


def run_direct(store: ox.Store, job: QueryJob, shape: Shape, rows: int) -> Direct:
    """The answer serialised by Oxigraph straight into the asked format, when it is surely
    whole; no answer when :func:`mofkg.api.server.queries.run_job`'s capped path must decide.

    The worker's path writes SPARQL TSV through Python to count rows, then converts it: for
    a lookup that is a third of the CPU, and it holds the GIL throughout. Here the query
    gets ``LIMIT rows`` (unless its own limit is lower), so the answer has at most ``rows``
    rows; when its length shows fewer (:func:`fewer_rows`), nothing was cut and it is the
    very answer the capped path gives. Otherwise, or on any error (whose message must not
    show the added limit), the capped path runs instead.
    """
    if job.result_format not in _DIRECT or not shape.plain:
        return Direct(None)
    if shape.limit is None:
        text = f"{job.query}\nLIMIT {rows}"  # a new line ends a trailing comment
    elif shape.limit <= rows:
        text = job.query  # its own limit cuts it first: the cap cannot
    else:
        return Direct(None)
    rfmt = result_format_by_name(job.result_format)
    try:
        result = execute(store, text, base_iri=job.base_iri)
        if not isinstance(result, ox.QuerySolutions):
            return Direct(None)  # ASK: the capped path answers it without a count anyway
        with sparql_errors("query"):
            body = result.serialize(format=rfmt.oxigraph) or b""
    except QueryError:
        return Direct(None)
    if shape.limit is not None and shape.limit <= rows:
        return Direct(QueryOutcome(body, rfmt.media_type))
    if fewer_rows(body, job.result_format, shape.bound, rows):
        return Direct(QueryOutcome(body, rfmt.media_type))
    if job.result_format == "json" and _json_rows(body) < rows:
        return Direct(QueryOutcome(body, rfmt.media_type))  # long values: counted (~1 ms)
    return Direct(None, full=True)


def _json_rows(body: bytes) -> int:
    """The solutions of a SPARQL JSON answer, counted by parsing it back."""
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    return sum(1 for _ in parsed)


#: The shortest SPARQL JSON binding of a variable: the name's quotes and colon, and this.
_JSON_TERM = len('{"type":"uri","value":""}')
_DIRECT = frozenset({"json", "tsv", "csv"})


def fewer_rows(body: bytes, fmt: str, bound: tuple[str, ...], rows: int) -> bool:
    r"""Whether a serialised answer surely has fewer than ``rows`` solutions.

    - TSV writes a header line and one line per solution (it escapes new lines in values).
    - CSV writes a header line and at least one line per solution (a quoted value may hold
      more), so its lines bound the solutions from above.
    - A SPARQL JSON solution is an object (two braces) with a member per bound variable,
      each at least ``"name":{"type":"uri","value":""}`` (the shortest type; any spaces only
      add). So ``n`` solutions take at least ``n`` times that many bytes, the commas between
      them not counted: a shorter body has fewer.

    >>> fewer_rows(b"?s\n<http://e/a>\n", "tsv", ("s",), 2)
    True
    >>> fewer_rows(b"?s\n<http://e/a>\n<http://e/b>\n", "tsv", ("s",), 2)
    False
    """
    if fmt in ("tsv", "csv"):
        return body.count(b"\n") - 1 < rows
    if fmt == "json":
        least = 2 + sum(len(name) + 3 + _JSON_TERM for name in bound)  # {"name":{...},...}
        return len(body) < rows * least
    return False
