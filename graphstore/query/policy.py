"""What a query or update may reach: SERVICE, LOAD, FROM and USING are checked before it runs.

Oxigraph would follow ``SERVICE <url>`` and ``LOAD <url>`` over the network; mofkg refuses
them unless the IRI is on ``settings.service_allow``. ``FROM``, ``FROM NAMED``, ``USING`` and
``USING NAMED`` may only name graphs the store holds (or allow-listed IRIs). A ``SERVICE``
whose endpoint is a variable is always refused: it cannot be checked before it runs.

The check reads the query with a small lexer that knows SPARQL's strings, IRIs, prefixed
names (with their ``\\`` escapes), variables and comments (which end at a line feed or a
carriage return, as in Oxigraph), so keywords inside literals or IRIs never count. It reads
the text twice: as written (Oxigraph 0.5 decodes ``\\u`` escapes only inside IRIs and
strings) and after the ``\\u`` escapes the SPARQL grammar applies before parsing, and
refuses what either reading refuses. It errs on the side of refusing: it does not need the
query to be valid (Oxigraph rejects invalid ones anyway), and a ``SERVICE``, ``LOAD``,
``FROM`` or ``USING`` followed by anything but an IRI, a prefixed name (or, for the first
two, a variable, always refused) is refused as unchecked.

>>> policy = Policy(allow=("http://ok.example/sparql",), holds=lambda iri: False)
>>> policy.check("SELECT * { SERVICE <http://ok.example/sparql> { ?s ?p ?o } }")
>>> policy.check("select * { service silent <http://evil.example/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
mofkg.graphstore.errors.QueryRefusedError: SERVICE <http://evil.example/> is refused: ...
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import QueryError, QueryRefusedError
from ..namespaces import PREFIXES

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<pname>(?:[^\W\d_][\w\-.\u00b7-\uffff]*)?:(?:[\w\-.:%\u00b7-\uffff]|\\.)*)
  | (?P<word>[^\W\d][\w]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, its text and where it starts in the (unescaped) query."""

    kind: str
    text: str
    start: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def unescape(text: str) -> str:
    r"""Apply SPARQL's codepoint escapes (``\u0053`` is ``S``), as the parser does first."""
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokens(text: str) -> list[Token]:
    """The tokens of a query or update, without spaces and comments."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        value = match.group()
        if kind == "pname":
            value = value.rstrip(".")
        found.append(Token(kind, value, match.start()))
    return found


#: Deepest nesting of brackets a query or update may have.
MAX_NESTING = 128
#: Most operators (path, logical, arithmetic; UNION, OPTIONAL, MINUS) a query or update may
#: have outside VALUES and DATA blocks.
MAX_OPERATORS = 1000
_OPEN, _CLOSE = frozenset("({["), frozenset(")}]")
_OPERATORS = frozenset("/|^!+-*&=<>")
_OPERATOR_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})


def check_shape(toks: list[Token]) -> None:
    """Refuse a text that nests brackets or chains operators beyond what Oxigraph can take.

    Oxigraph parses and evaluates by recursion: 5,000 nested parentheses, or a path of 2,000
    steps, overflow a thread's stack and kill the process (a query worker, with the other
    queries it runs; for an update, the server process). Queries people write stay far
    below :data:`MAX_NESTING` and :data:`MAX_OPERATORS`. Rows of ``VALUES`` and triples of
    ``INSERT DATA`` / ``DELETE DATA`` are lists, not trees, and do not count.

    >>> check_shape(tokens("ASK { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }"))
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.QueryError: the text nests brackets 202 deep; at most 128 are allowed
    >>> rows = " ".join(f"({i} -{i})" for i in range(2000))
    >>> check_shape(tokens(f"SELECT * {{ VALUES (?a ?b) {{ {rows} }} }}"))
    >>> check_shape(tokens("INSERT DATA { " + "<a:s> <a:p> -1 . " * 2000 + "}"))
    >>> check_shape(tokens("SELECT * { VALUES ?a { 1 } ?s " + "!<a:p>/" * 600 + "<a:p> ?o }"))
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.QueryError: the text has 1201 operators (...) outside VALUES ...
    """
    depth = deepest = operators = 0
    flat_until = -1  # inside a VALUES or DATA block while depth > this
    awaiting = False  # after VALUES or DATA, before the "{" of its block
    for tok in toks:
        if tok.kind == "other" and tok.text in _OPEN:
            if awaiting and tok.text == "{":
                flat_until, awaiting = depth, False
            depth += 1
            deepest = max(deepest, depth)
        elif tok.kind == "other" and tok.text in _CLOSE:
            depth -= 1
            if depth <= flat_until:
                flat_until = -1
        elif flat_until < 0 and tok.is_word("VALUES", "DATA"):
            awaiting = True
        elif flat_until < 0 and (
            (tok.kind == "other" and tok.text in _OPERATORS) or tok.is_word(*_OPERATOR_WORDS)
        ):
            operators += 1
    if deepest > MAX_NESTING:
        raise QueryError(
            f"the text nests brackets {deepest} deep; at most {MAX_NESTING} are allowed"
        )
    if operators > MAX_OPERATORS:
        raise QueryError(
            f"the text has {operators} operators (paths, logic, arithmetic, UNION, OPTIONAL, "
            f"MINUS) outside VALUES and DATA blocks; at most {MAX_OPERATORS} are allowed"
        )


@dataclass
class _Prologue:
    base: str | None
    prefixes: dict[str, str] = field(default_factory=dict)

    def resolve(self, token: Token) -> str | None:
        """The IRI an IRI or prefixed-name token stands for (``None`` if it is neither)."""
        if token.kind == "iri":
            iri = unescape(token.text[1:-1])
            return urljoin(self.base, iri) if self.base else iri
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            if namespace is None:
                raise QueryError(f"unknown prefix {prefix!r} in {token.text}")
            return namespace + re.sub(r"\\(.)", r"\1", local)
        return None


@dataclass(frozen=True)
class Policy:
    """The allow-list and the store's graphs, against which queries and updates are checked."""

    allow: tuple[str, ...]
    holds: Callable[[str], bool]
    base_iri: str | None = None
    prefixes: Mapping[str, str] = field(default_factory=lambda: dict(PREFIXES))

    def _allowed(self, iri: str) -> bool:
        return iri in self.allow or iri.rstrip("/") in (a.rstrip("/") for a in self.allow)

    def check(self, text: str) -> None:
        """Raise :class:`QueryRefusedError` if a query or update reaches beyond the store,
        :class:`QueryError` if it is too deep for Oxigraph (:func:`check_shape`)."""
        toks = tokens(text)
        check_shape(toks)
        self._check_tokens(toks)
        unescaped = unescape(text)
        if unescaped != text:
            self._check_tokens(tokens(unescaped))

    def _check_tokens(self, toks: list[Token]) -> None:
        prologue = _Prologue(self.base_iri, dict(self.prefixes))
        for i, tok in enumerate(toks):
            if tok.kind != "word":
                continue
            word = tok.text.upper()
            following = toks[i + 1 :]
            if word == "PREFIX" and len(following) >= 2 and following[0].kind == "pname":
                iri = prologue.resolve(following[1])
                if iri is not None:
                    prologue.prefixes[following[0].text.rstrip(":")] = iri
            elif word == "BASE" and following and following[0].kind == "iri":
                prologue.base = prologue.resolve(following[0])
            elif word in ("SERVICE", "LOAD"):
                rest = following[1:] if following and following[0].is_word("SILENT") else following
                self._check_remote(word, rest[0] if rest else None, prologue)
            elif word in ("FROM", "USING"):
                rest = following[1:] if following and following[0].is_word("NAMED") else following
                self._check_graph(word, rest[0] if rest else None, prologue)

    def _check_remote(self, word: str, target: Token | None, prologue: _Prologue) -> None:
        if target is None:
            return
        _checkable(word, target, ("iri", "pname", "var"))
        if target.kind == "var":
            raise QueryRefusedError(
                f"{word} {target.text} is refused: an endpoint given by a variable cannot be "
                "checked against the allow-list"
            )
        iri = prologue.resolve(target)
        if iri is None:
            return
        if not self._allowed(iri):
            raise QueryRefusedError(
                f"{word} <{iri}> is refused: this endpoint only reaches remote IRIs on its "
                "allow-list (setting service_allow)"
            )

    def _check_graph(self, word: str, target: Token | None, prologue: _Prologue) -> None:
        if target is not None:
            _checkable(word, target, ("iri", "pname"))
        iri = prologue.resolve(target) if target is not None else None
        if iri is None:
            return
        if not (self.holds(iri) or self._allowed(iri)):
            raise QueryRefusedError(
                f"{word} <{iri}> is refused: the store holds no such graph and graphs are "
                "never fetched"
            )


def _checkable(word: str, target: Token, kinds: tuple[str, ...]) -> None:
    """Refuse a ``SERVICE``/``LOAD``/``FROM``/``USING`` whose target the lexer cannot read."""
    if target.kind not in kinds:
        raise QueryRefusedError(
            f"{word} followed by {target.text!r} is refused: its target cannot be checked "
            "against the allow-list"
        )


@dataclass(frozen=True)
class Verdict:
    """What :meth:`Policy.check` said of a text: nothing (allowed), or the error it raised."""

    kind: type[QueryError] | None = None
    message: str = ""

    def enforce(self) -> None:
        """Raise the error again (a fresh instance), or nothing if the text was allowed."""
        if self.kind is not None:
            raise self.kind(self.message)


class VerdictCache:
    """The policy's verdicts on recent texts, keyed by the exact text and its base IRI.

    Clients repeat the same queries, and the lexer costs more than the lookup. A verdict
    depends on the allow-list (fixed) and on the graphs the store holds (``FROM``), so the
    endpoint calls :meth:`clear` after every write.

    >>> cache = VerdictCache(size=2)
    >>> policy = Policy(allow=(), holds=lambda iri: False)
    >>> cache.check(policy, "SELECT * { SERVICE <http://x.example/> {} }")
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.QueryRefusedError: SERVICE <http://x.example/> is refused: ...
    >>> len(cache)
    1
    """

    def __init__(self, *, size: int = 1024) -> None:
        self.size = size
        self._verdicts: OrderedDict[tuple[str, str | None], Verdict] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._verdicts)

    def check(self, policy: Policy, text: str) -> None:
        """:meth:`Policy.check`, answered from the cache when the same text was checked."""
        key = (text, policy.base_iri)
        with self._lock:
            verdict = self._verdicts.get(key)
            if verdict is not None:
                self._verdicts.move_to_end(key)
        if verdict is None:
            try:
                policy.check(text)
                verdict = Verdict()
            except QueryError as exc:
                verdict = Verdict(type(exc), str(exc))
            with self._lock:
                self._verdicts[key] = verdict
                while len(self._verdicts) > self.size:
                    self._verdicts.popitem(last=False)
        verdict.enforce()

    def clear(self) -> None:
        """Forget every verdict (the store's graphs changed)."""
        with self._lock:
            self._verdicts.clear()


def add_using(update: str, *, using: Iterable[str], using_named: Iterable[str]) -> str:
    """An update with the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` applied.

    Each ``DELETE``/``INSERT ... WHERE`` operation gets the ``USING`` clauses; an update
    that has its own ``USING`` or ``WITH`` conflicts with them (SPARQL 1.1 Protocol 2.2.3).

    >>> add_using("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", using=["http://g"], using_named=[])
    'INSERT { ?s a 1 } USING <http://g> WHERE { ?s ?p ?o }'
    """
    clauses = [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    if not clauses:
        return update
    # Positions come from the text as written: it is what Oxigraph reads (the escapes it
    # decodes are inside IRIs and strings, where no WHERE is looked for).
    text = update
    toks = tokens(text)
    if any(t.is_word("USING", "WITH") for t in toks + tokens(unescape(text))):
        raise QueryError(
            "using-graph-uri / using-named-graph-uri conflict with USING or WITH in the update"
        )
    insert = " ".join(clauses) + " "
    depth = 0
    positions = []
    for i, tok in enumerate(toks):
        if tok.kind == "other" and tok.text == "{":
            depth += 1
        elif tok.kind == "other" and tok.text == "}":
            depth -= 1
        elif depth == 0 and tok.is_word("WHERE") and not (i and toks[i - 1].is_word("DELETE")):
            positions.append(tok.start)
    for pos in reversed(positions):
        text = text[:pos] + insert + text[pos:]
    return text
