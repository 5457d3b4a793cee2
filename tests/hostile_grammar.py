"""Hypothesis strategies for hostile inputs: near-valid documents, then mutated.

Each strategy first builds a document from a small grammar of its format (Turtle, N-Triples,
RDF/XML, JSON-LD, MOT YAML records, SPARQL queries and updates), with hostile pieces in the
grammar itself (bad IRIs, bad escapes, ill-typed literals, odd language tags, deep nesting,
huge tokens, DOCTYPEs and entities, remote contexts), then may mutate its bytes (truncate,
insert, delete, repeat), re-encode it (BOMs, UTF-16, Latin-1) and wrap it (gzip, nested or
multi-member gzip, cut gzip, gzip bombs). Every :class:`Doc` carries its ``recipe``, so a
failure names how its input was made.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

EX = "http://example.org/fuzz/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: A loopback address nothing listens on: what a hostile input may try to make us fetch.
REMOTE = "http://127.0.0.1:9/"
RDF_FORMATS = ("turtle", "nt", "rdfxml", "jsonld")


@dataclass(frozen=True)
class Doc:
    """One hostile input: its bytes, the format it claims to be, and how it was made."""

    data: bytes
    format: str
    recipe: str
    gzipped: bool = False
    #: The bytes inside the gzip wrapper (None: not wrapped): what a server should read.
    inner: bytes | None = None

    @property
    def content(self) -> bytes:
        return self.data if self.inner is None else self.inner

    def describe(self) -> str:
        return f"[{self.recipe}] {len(self.data)} bytes: {self.data[:60]!r}"


# -- terms ---------------------------------------------------------------------------------

BAD_IRIS = (
    EX + "a b",
    EX + "<x>",
    EX + '"q"',
    EX + "{x}",
    EX + "a\\b",
    EX + "|^`",
    "relative/iri",
    "",
    "http://[::1",
    "http://example.org/\u0000nul",
    "javascript:alert(1)",
    "file:///etc/passwd",
    REMOTE + "remote",
    "http://ex\u00e4mple.org/\u00e9\U0001f600",
)
GOOD_IRIS = tuple(EX + name for name in ("a", "b", "model", "x1", "caf%C3%A9", "long-name_1"))
LEXICALS = (
    "",
    "42",
    "4.0",
    "-0",
    "1e999",
    "NaN",
    "true",
    "maybe",
    "2024-05-14",
    "2024-13-45",
    "abc",
    "tab\there",
    "line\nbreak",
    'quote"inside',
    "back\\slash",
    "\u2028\u0085",
    "\u00e9\U0001f600",
    "\x7f\x01",
)
DATATYPES = (
    None,
    XSD + "integer",
    XSD + "date",
    XSD + "boolean",
    XSD + "decimal",
    XSD + "double",
    XSD + "nonsense",
    RDF + "langString",
    RDF + "HTML",
    RDF + "XMLLiteral",
    EX + "dt",
    "not an iri",
)
LANGS = (
    None,
    "en",
    "en-GB",
    "zh-Hant-TW",
    "",
    "123",
    "en-",
    "-en",
    "en_US",
    "a" * 80,
    "x-private",
    "en--gb",
)
HUGE = (10_000, 300_000, 1_100_000)  # the fuzz servers' max_body is 1,000,000 bytes
DEPTHS = (50, 3_000, 60_000)

Term = tuple[Any, ...]  # ("iri", iri) | ("bnode", label) | ("lit", lexical, datatype, lang)

iris = st.one_of(st.sampled_from(GOOD_IRIS), st.sampled_from(GOOD_IRIS + BAD_IRIS))
literals = st.tuples(
    st.just("lit"),
    st.one_of(st.sampled_from(LEXICALS), st.text(max_size=12)),
    st.sampled_from(DATATYPES),
    st.sampled_from(LANGS),
)
subjects = st.one_of(
    st.tuples(st.just("iri"), iris),
    st.tuples(st.just("bnode"), st.sampled_from(("b1", "b2", "0x", "a.b", "é"))),
)
objects = st.one_of(subjects, literals)
triples = st.lists(
    st.tuples(subjects, st.tuples(st.just("iri"), iris), objects), min_size=1, max_size=6
)


def _string(text: str) -> str:
    """``text`` as a Turtle / N-Triples string (escaped as the grammar wants)."""
    return '"' + json.dumps(text, ensure_ascii=False)[1:-1] + '"'


def _ttl(term: Term) -> str:
    if term[0] == "iri":
        return "<" + term[1] + ">"
    if term[0] == "bnode":
        return "_:" + term[1]
    _, lexical, datatype, lang = term
    text = _string(lexical)
    if lang is not None:
        text += "@" + lang
    if datatype is not None:
        text += "^^<" + datatype + ">"
    return text


def _turtle_body(items: list[Any]) -> str:
    return "\n".join(f"{_ttl(s)} {_ttl(p)} {_ttl(o)} ." for s, p, o in items) + "\n"


def _namespace(iri: str) -> tuple[str, str]:
    cut = max(iri.rfind("/"), iri.rfind("#"))
    local = iri[cut + 1 :]
    return (iri[: cut + 1], local) if local and local[0].isalpha() else (iri or EX, "p")


def _rdfxml_body(items: list[Any]) -> str:
    out = []
    for i, (s, p, o) in enumerate(items):
        about = f"rdf:about={quoteattr(s[1])}" if s[0] == "iri" else f'rdf:nodeID="{s[1]}"'
        ns, local = _namespace(p[1])
        attrs = ""
        if o[0] == "iri":
            attrs, content = f" rdf:resource={quoteattr(o[1])}", ""
        elif o[0] == "bnode":
            attrs, content = f' rdf:nodeID="{o[1]}"', ""
        else:
            content = escape(o[1])
            if o[3] is not None:
                attrs += f" xml:lang={quoteattr(o[3])}"
            if o[2] is not None:
                attrs += f" rdf:datatype={quoteattr(o[2])}"
        element = f"p{i}:{local}"
        out.append(
            f"<rdf:Description {about}><{element} xmlns:p{i}={quoteattr(ns)}{attrs}>"
            f"{content}</{element}></rdf:Description>"
        )
    return "\n".join(out)


def _jsonld_node(items: list[Any]) -> list[dict[str, Any]]:
    nodes = []
    for s, p, o in items:
        node: dict[str, Any] = {"@id": s[1] if s[0] == "iri" else "_:" + s[1]}
        if o[0] == "iri":
            value: Any = {"@id": o[1]}
        elif o[0] == "bnode":
            value = {"@id": "_:" + o[1]}
        else:
            value = {"@value": o[1]}
            if o[3] is not None:
                value["@language"] = o[3]
            if o[2] is not None:
                value["@type"] = o[2]
        node[p[1] or "@nothing"] = [value]
        nodes.append(node)
    return nodes


JSONLD_CONTEXTS: tuple[Any, ...] = (
    {"ex": EX},
    REMOTE + "context.jsonld",
    "/etc/passwd",
    [{"ex": EX}, REMOTE + "more.jsonld"],
    {"@import": REMOTE + "import.jsonld"},
    {"@vocab": "not an iri", "@base": "::bad"},
    {"@version": 2.0},
    {"ex": {"@id": EX, "@protected": True}, "@type": "@json"},
    {"@context": {"@context": {"ex": EX}}},
)

XML_DECLS = (
    '<?xml version="1.0" encoding="utf-8"?>\n',
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
    '<?xml version="1.0" encoding="UTF-16"?>\n',
    '<?xml version="1.1"?>\n',
    "",
)
DOCTYPES = (
    '<!DOCTYPE rdf:RDF [<!ENTITY e "x">]>\n',
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;">]>\n',
    '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n',
    f'<!DOCTYPE r [<!ENTITY e SYSTEM "{REMOTE}entity">]>\n',
    f'<!DOCTYPE r SYSTEM "{REMOTE}dtd"><!-- e -->\n',
    '<!DOCTYPE r [<!ENTITY % p "x"> %p; <!ENTITY e "y">]>\n',
)
#: Where a DOCTYPE goes: 0 before the XML declaration, 1 after it, 2 after a comment,
#: 3 after a processing instruction.
DOCTYPE_PLACES = (0, 1, 2, 3)

RDF_OPEN = f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="{EX}">\n'


def _deep(fmt: str, depth: int) -> str:
    if fmt == "turtle":
        return f"<{EX}s> <{EX}p> " + f"[ <{EX}p> " * depth + f"<{EX}o>" + " ]" * depth + " .\n"
    if fmt == "nt":  # no nesting in N-Triples: as many triples instead
        return "".join(f"_:b{i} <{EX}p> _:b{i + 1} .\n" for i in range(depth))
    if fmt == "rdfxml":
        return (
            f'<rdf:Description rdf:about="{EX}s">'
            + "<ex:p><rdf:Description>" * depth
            + "<ex:p>o</ex:p>"
            + "</rdf:Description></ex:p>" * depth
            + "</rdf:Description>"
        )
    opening = json.dumps({"@id": EX + "s"})[:-1] + f', "{EX}p": '
    return opening + f'{{"{EX}p": ' * depth + "1" + "}" * (depth + 1)


@st.composite
def rdf_docs(draw: st.DrawFn, fmt: str | None = None) -> Doc:
    """A near-valid RDF document in ``fmt`` (or any of :data:`RDF_FORMATS`), made hostile."""
    fmt = fmt or draw(st.sampled_from(RDF_FORMATS))
    items = draw(triples)
    twist = draw(st.sampled_from(("plain", "plain", "deep", "huge", "special")))
    recipe = [fmt, twist]
    huge = draw(st.sampled_from(HUGE)) if twist == "huge" else 0
    if huge:
        which = draw(st.sampled_from(("literal", "iri")))
        recipe[-1] += f"({which} {huge})"
        filler = "x" * huge
        items[0] = (
            (items[0][0], items[0][1], ("lit", filler, None, None))
            if which == "literal"
            else (("iri", EX + filler), items[0][1], items[0][2])
        )
    depth = draw(st.sampled_from(DEPTHS)) if twist == "deep" else 0
    if depth:
        recipe[-1] += f"({depth})"
    if fmt in ("turtle", "nt"):
        text = _turtle_body(items)
        if fmt == "turtle":
            text = f"@prefix ex: <{EX}> .\n" + text
            if twist == "special":
                text += draw(st.sampled_from(TURTLE_SPECIALS))
        if depth:
            text += _deep(fmt, depth)
    elif fmt == "rdfxml":
        body = _rdfxml_body(items) + (_deep(fmt, depth) if depth else "")
        decl = draw(st.sampled_from(XML_DECLS))
        prolog = decl
        if twist == "special":
            doctype = draw(st.sampled_from(DOCTYPES))
            place = draw(st.sampled_from(DOCTYPE_PLACES))
            recipe[-1] += f"(doctype at {place})"
            prolog = {
                0: doctype + decl,
                1: decl + doctype,
                2: decl + "<!-- a comment -->\n" + doctype,
                3: decl + '<?xml-stylesheet href="a"?>\n' + doctype,
            }[place]
            body += f'<rdf:Description rdf:about="{EX}s"><ex:p>&e;</ex:p></rdf:Description>'
        text = prolog + RDF_OPEN + body + "\n</rdf:RDF>\n"
    else:
        context = draw(st.sampled_from(JSONLD_CONTEXTS)) if twist == "special" else {"ex": EX}
        graph: list[Any] = _jsonld_node(items)
        text = json.dumps({"@context": context, "@graph": graph}, ensure_ascii=draw(st.booleans()))
        if depth:
            text = text[:-1] + ', "@included": [' + _deep(fmt, depth) + "]}"
    doc = Doc(text.encode("utf-8", "surrogatepass"), fmt, "+".join(recipe))
    return draw(hostile(doc))


SP = f"<{EX}s> <{EX}p>"
TURTLE_SPECIALS = (
    SP + ' "\\q bad escape" .\n',
    SP + ' "\\u12G4" .\n',
    SP + ' "\\uD800" .\n',
    f"<{EX}s\\u0020x> <{EX}p> 1 .\n",
    "@prefix : <relative> .\n:a :b :c .\n",
    "@base <not absolute> .\n<a> <b> <c> .\n",
    f"PREFIX ex: <{EX}>\nex:a ex:b ( 1 2 ( 3 ) [ ex:c ex:d ] ) .\n",
    SP + ' """unterminated\n',
    f"<< {SP} <{EX}o> >> <{EX}q> 1 .\n",
    "ex:a ex:b 1e99999, -.5e, 0x10, +-1 .\n",
    "undeclared:a undeclared:b undeclared:c .\n",
    SP + f' "x"@en^^<{EX}dt> .\n',
)


# -- byte mutations, encodings and wrappers -------------------------------------------------

INSERTS = (
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b'"',
    b"<",
    b">",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\n",
    b"\r",
    b"@",
    b"^^",
    b"&",
    b";",
    b".",
    b"]]>",
    b"\xef\xbb\xbf",
    b"\\u0000",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"%",
    b"#",
    b"'",
    b"*",
    b"&a",
    b"\t",
)


@st.composite
def mutated(draw: st.DrawFn, doc: Doc) -> Doc:
    """``doc`` with up to two byte-level mutations."""
    data, recipe = doc.data, doc.recipe
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("truncate", "insert", "delete", "repeat", "flip")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            piece = draw(st.one_of(st.sampled_from(INSERTS), st.binary(min_size=1, max_size=6)))
            data = data[:at] + piece + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        elif kind == "repeat":
            data = data[:at] + data[at : at + 30] * draw(st.integers(2, 50)) + data[at:]
        elif data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        recipe += f"+{kind}@{at}"
    return replace(doc, data=data, recipe=recipe)


ENCODINGS = ("utf-8", "utf-8", "utf-8", "utf-8-bom", "utf-16", "utf-16-le", "latin-1", "nul")


def encoded(doc: Doc, encoding: str) -> Doc:
    """``doc`` (UTF-8) re-encoded, or with a BOM or NUL bytes."""
    if encoding == "utf-8":
        return doc
    text = doc.data.decode("utf-8", "replace")
    if encoding == "utf-8-bom":
        data = b"\xef\xbb\xbf" + doc.data
    elif encoding == "nul":
        data = doc.data.replace(b" ", b"\x00", 3)
    else:
        data = text.encode(encoding, "replace")
    return replace(doc, data=data, recipe=doc.recipe + f"+{encoding}")


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    """64 MiB of spaces in 64 KiB of gzip: more than any body limit of the fuzz servers."""
    return gzip.compress(b" " * (64 << 20), compresslevel=1, mtime=0)


WRAPPERS = (
    "none",
    "none",
    "none",
    "gzip",
    "gzip",
    "gzip2",
    "members",
    "cut",
    "garbage",
    "crc",
    "zlib",
    "bomb",
    "bomb2",
)


def wrapped(doc: Doc, wrapper: str) -> Doc:
    """``doc`` in a gzip wrapper (or broken one). A bomb replaces the content: 64 MiB of
    spaces, over every body limit of the fuzz servers (nested once more for ``bomb2``)."""
    data = doc.data
    if wrapper == "none":
        return doc
    if wrapper == "gzip":
        data = gzip.compress(data, mtime=0)
    elif wrapper == "gzip2":
        data = gzip.compress(gzip.compress(data, mtime=0), mtime=0)
    elif wrapper == "members":  # two gzip members, cut at a line break near the middle
        half = data.find(b"\n", len(data) // 2) + 1 or len(data) // 2
        data = gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0)
    elif wrapper == "cut":
        data = gzip.compress(data, mtime=0)[:-5]
    elif wrapper == "garbage":
        data = gzip.compress(data, mtime=0) + b"trailing garbage"
    elif wrapper == "crc":
        packed = bytearray(gzip.compress(data, mtime=0))
        packed[-6] ^= 0xFF
        data = bytes(packed)
    elif wrapper == "zlib":
        data = zlib.compress(data)
    elif wrapper == "bomb":
        data = _bomb()
    elif wrapper == "bomb2":
        data = gzip.compress(_bomb(), mtime=0)
    return replace(doc, data=data, recipe=doc.recipe + f"+{wrapper}", gzipped=True, inner=doc.data)


@st.composite
def hostile(draw: st.DrawFn, doc: Doc) -> Doc:
    """``doc`` mutated, re-encoded and wrapped, each at random."""
    doc = draw(mutated(doc))
    doc = encoded(doc, draw(st.sampled_from(ENCODINGS)))
    return wrapped(doc, draw(st.sampled_from(WRAPPERS)))


def has_doctype(doc: Doc) -> bool:
    """An RDF/XML document with a DOCTYPE in it (in UTF-8 or UTF-16), which must be refused."""
    if doc.format != "rdfxml":
        return False
    content = doc.content
    return b"<!DOCTYPE" in content or "<!DOCTYPE" in content.decode("utf-16", "ignore")


def doctype_docs() -> list[Doc]:
    """RDF/XML whose DOCTYPE a reader that looks only at the start of the bytes misses: after
    a comment of 1.1 MiB, and in UTF-16."""
    doctype = DOCTYPES[1]
    body = RDF_OPEN + f'<rdf:Description rdf:about="{EX}s"><ex:p>&e;</ex:p></rdf:Description>'
    late = XML_DECLS[0] + "<!--" + "x" * (1_100_000) + "-->\n" + doctype + body + "</rdf:RDF>"
    utf16 = XML_DECLS[2] + doctype + body + "</rdf:RDF>"
    return [
        Doc(late.encode(), "rdfxml", "rdfxml+doctype after a 1.1 MiB comment"),
        Doc(utf16.encode("utf-16"), "rdfxml", "rdfxml+doctype+utf-16"),
    ]
