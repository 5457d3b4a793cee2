"""Hypothesis strategies for hostile HTTP requests to each entry point of the server.

Each strategy draws a server (``werkzeug`` or ``granian``), then a request: an RDF body for
``/store`` (with, without or with a wrong token, as a body or a multipart file), a dump for
``/validate``, a SPARQL query or update in each of the protocol's three forms, or a
well-formed request to any entry point with hostile headers and framing (``Host``, charsets,
content codings, a ``Content-Length`` that lies, chunked bodies, repeated headers).
"""

from __future__ import annotations

import gzip
import urllib.parse
from typing import Any

from hypothesis import strategies as st

from tests.hostile_grammar import EX, Doc, rdf_docs, wrapped
from tests.hostile_http import request_bytes
from tests.hostile_sparql import SCRATCH, sparql_queries, sparql_updates

TOKEN = "fuzz-token"
AUTH = ("Authorization", f"Bearer {TOKEN}")
MEDIA = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "mot": "application/yaml",
}
SUFFIX = {"turtle": ".ttl", "nt": ".nt", "rdfxml": ".rdf", "jsonld": ".jsonld", "mot": ".yml"}

servers = st.sampled_from(("werkzeug", "granian"))


def multipart(doc: Doc, filename: str, media: str | None) -> tuple[str, bytes]:
    boundary = "fuzzboundary7"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    if media:
        head += f"Content-Type: {media}\r\n"
    body = head.encode() + b"\r\n" + doc.data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def _content_type(draw: st.DrawFn, fmt: str) -> str | None:
    return draw(
        st.sampled_from(
            (
                MEDIA[fmt],
                MEDIA[fmt],
                MEDIA[fmt] + "; charset=utf-8",
                MEDIA[fmt] + "; charset=latin-1",
                MEDIA[fmt] + "; charset=utf-16",
                None,
                "text/turtle",
                "application/rdf+xml",
                "application/x-unknown",
                "text/plain",
                "application/n-quads",
                "application/octet-stream",
                MEDIA[fmt] + ";;;x",
            )
        )
    )


@st.composite
def store_writes(draw: st.DrawFn) -> tuple[Any, ...]:
    doc = draw(rdf_docs())
    method = draw(st.sampled_from(("PUT", "PUT", "POST")))
    target = draw(
        st.sampled_from(
            (f"/store?graph={SCRATCH[0]}", f"/store?graph={SCRATCH[1]}", "/store", "/store/d1")
        )
    )
    if method == "PUT" and target == "/store":
        target = "/store?default"
    headers = []
    media = _content_type(draw, doc.format)
    as_file = draw(st.booleans()) and draw(st.booleans())
    body = doc.data
    if as_file:
        name = "part" + SUFFIX[doc.format] + (".gz" if doc.gzipped else "")
        media, body = multipart(doc, name, media)
    if media is not None:
        headers.append(("Content-Type", media))
    if doc.gzipped and not as_file and draw(st.booleans()):
        headers.append(("Content-Encoding", "gzip"))
    token = draw(st.sampled_from(("right", "right", "right", "none", "wrong")))
    if token == "right":
        headers.append(AUTH)
    elif token == "wrong":
        headers.append(("Authorization", "Bearer nope"))
    return draw(servers), method, target, headers, body, doc, token


@st.composite
def validations(draw: st.DrawFn, docs: st.SearchStrategy[Doc]) -> tuple[Any, ...]:
    doc = draw(docs)
    headers = [
        (
            "Accept",
            draw(
                st.sampled_from(
                    (
                        "application/json",
                        "text/plain",
                        "text/html",
                        "text/turtle",
                        "*/*",
                        "application/ld+json",
                        "image/png",
                        "text/plain;q=0, */*;q=0.1",
                    )
                )
            ),
        )
    ]
    if draw(st.booleans()):
        name = "dump" + SUFFIX[doc.format] + (".gz" if doc.gzipped else "")
        media, body = multipart(doc, name, draw(st.sampled_from((MEDIA[doc.format], None))))
    else:
        media, body = _content_type(draw, doc.format), doc.data
        if doc.gzipped and draw(st.booleans()):
            headers.append(("Content-Encoding", "gzip"))
    if media is not None:
        headers.append(("Content-Type", media))
    return draw(servers), headers, body, doc


ACCEPTS = (
    None,
    "application/sparql-results+json",
    "text/csv",
    "text/turtle",
    "*/*",
    "image/png",
    "text/csv;q=0",
    "application/json;q=abc",
    "*/*;q=0.5, text/tab-separated-values",
)


@st.composite
def sparql_requests(draw: st.DrawFn, update: bool) -> tuple[Any, ...]:
    doc = draw(sparql_updates() if update else sparql_queries())
    name = "update" if update else "query"
    quoted = urllib.parse.quote_from_bytes(doc.data)
    kinds = ("form", "body", "get") if not update else ("form", "body", "body", "get")
    kind = draw(st.sampled_from(kinds))
    headers: list[tuple[str, str]] = []
    accept = draw(st.sampled_from(ACCEPTS))
    if accept:
        headers.append(("Accept", accept))
    token = draw(st.sampled_from(("right", "none", "wrong")))
    if token == "right":
        headers.append(AUTH)
    elif token == "wrong":
        headers.append(("Authorization", "Bearer nope"))
    # A protocol parameter given twice, or a charset other than UTF-8: both must be refused.
    twice = draw(st.sampled_from((None, None, None, name, "format", "default-graph-uri")))
    extra = {
        None: "",
        name: f"&{name}={quoted}",
        "format": "&format=json&format=csv",
        "default-graph-uri": f"&default-graph-uri={EX}seed&default-graph-uri={EX}seed",
    }[twice]
    charset = draw(st.sampled_from(("", "", "", "; charset=utf-8", "; charset=iso-8859-1")))
    method, target, body = "POST", "/sparql", b""
    if kind == "get":
        method, target = "GET", f"/sparql?{name}={quoted}{extra}"
    elif kind == "form":
        body = f"{name}={quoted}{extra}".encode()
        headers.append(("Content-Type", "application/x-www-form-urlencoded" + charset))
    else:
        body = doc.data
        target += "?" + extra[1:] if extra else ""
        headers.append(("Content-Type", f"application/sparql-{name}{charset}"))
    strict = twice is not None or (kind != "get" and "8859" in charset)
    return draw(servers), method, target, headers, body, doc, token, kind, strict


#: (method, target, Content-Type, body, writes) of well-formed requests to each entry point.
REQUESTS = (
    ("POST", "/validate", "text/turtle", f"<{EX}a> <{EX}p> 1 .".encode(), False),
    ("PUT", f"/store?graph={SCRATCH[0]}", "text/turtle", f"<{EX}a> <{EX}p> 2 .".encode(), True),
    ("POST", "/store", "application/n-triples", f"<{EX}a> <{EX}p> 3 .\n".encode(), True),
    ("POST", "/sparql", "application/sparql-query", b"SELECT * { ?s ?p ?o } LIMIT 2", False),
    ("POST", "/sparql", "application/x-www-form-urlencoded", b"query=ASK%7B%7D", False),
    (
        "POST",
        "/sparql",
        "application/sparql-update",
        f"INSERT DATA {{ GRAPH <{SCRATCH[1]}> {{ <{EX}a> <{EX}p> 4 }} }}".encode(),
        True,
    ),
    ("GET", "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201", None, b"", False),
)
HOSTS = (
    "right",
    "right",
    None,
    "",
    "evil.example",
    "127.0.0.1:1",
    "[::1]:x",
    "a b",
    "h" * 5000,
    "h\u00e9.example",
    "127.0.0.1:8000, evil.example",
)
ENCODINGS = ("gzip", "x-gzip", "identity", "br", "deflate", "gzip, gzip", "GZIP", " ", "\u00e9")
LENGTHS = (
    "auto",
    "auto",
    "short",
    "long-close",
    "long-stall",
    "none",
    "twice",
    "twice-diff",
    "-1",
    "abc",
    "99999999999999999999",
    "chunked",
    "chunked-bad",
    "chunked+length",
)


@st.composite
def header_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    method, target, media, body, writes = draw(st.sampled_from(REQUESTS))
    headers: list[tuple[str, str]] = []
    if media is not None:
        media = draw(
            st.sampled_from(
                (
                    media,
                    media,
                    media + "; charset=utf-8",
                    media + "; charset=latin-1",
                    media + '; charset="utf-16"',
                    media + "; charset",
                    "",
                    "*/*",
                    "text/x;;=",
                    media + "; boundary=x",
                    "multipart/form-data",
                    "multipart/form-data; boundary=",
                )
            )
        )
        headers.append(("Content-Type", media))
    if draw(st.booleans()):
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", draw(st.sampled_from(ENCODINGS))))
    elif draw(st.booleans()):
        headers.append(("Content-Encoding", draw(st.sampled_from(ENCODINGS))))
    accept = draw(st.sampled_from(ACCEPTS + ("text/html", "x" * 3000, "*/*;q=0")))
    if accept:
        headers.append(("Accept", accept))
    auth = draw(st.sampled_from(("right", "right", "none", "Bearer", "Basic eDp5", "twice")))
    if auth == "right":
        headers.append(AUTH)
    elif auth == "twice":
        headers += [AUTH, ("Authorization", "Bearer nope")]
    elif auth != "none":
        headers.append(("Authorization", auth))
    host = draw(st.sampled_from(HOSTS))
    length = draw(st.sampled_from(LENGTHS))
    return draw(servers), method, target, headers, body, writes, host, length, auth


def framed(case: tuple[Any, ...], port: int) -> tuple[bytes, bool, bool]:
    """The raw request, whether to half-close it, and whether to leave it stalled."""
    _, method, target, headers, body, _, host, length, _ = case
    host = f"127.0.0.1:{port}" if host == "right" else host
    if length in ("auto", "none", "-1", "abc", "99999999999999999999"):
        sent = {"auto": "auto", "none": None}.get(length, length)
        return request_bytes(method, target, headers, body, host=host, length=sent), False, False
    if length == "short":
        cut = max(len(body) - 5, 0)
        return request_bytes(method, target, headers, body, host=host, length=cut), False, False
    if length.startswith("long"):
        raw = request_bytes(method, target, headers, body, host=host, length=len(body) + 100)
        return raw, length == "long-close", length == "long-stall"
    if length.startswith("twice"):
        extra = len(body) + (7 if length == "twice-diff" else 0)
        raw = request_bytes(
            method, target, [*headers, ("Content-Length", str(extra))], body, host=host
        )
        return raw, False, False
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    if length == "chunked-bad":
        chunked = b"zz\r\n" + body + b"\r\n"
    sent = "auto" if length == "chunked+length" else None
    raw = request_bytes(
        method,
        target,
        [*headers, ("Transfer-Encoding", "chunked")],
        chunked,
        host=host,
        length=sent,
    )
    return raw, False, False


#: Gzip wrappers every run tries on each server: nested gzip, several members, a nested bomb.
GZIP_CASES = ("gzip2", "members", "bomb2")
THREE_LINES = "".join(f'<{EX}{s}> <{EX}p> "{s}" .\n' for s in "abc").encode()


def gzip_store_cases() -> list[tuple[Any, ...]]:
    """``PUT /store`` cases for :func:`store_writes`'s check, one per wrapper and server."""
    cases = []
    for server in ("werkzeug", "granian"):
        for wrapper in GZIP_CASES:
            doc = wrapped(Doc(THREE_LINES, "nt", "nt+explicit"), wrapper)
            headers = [("Content-Type", MEDIA["nt"]), ("Content-Encoding", "gzip"), AUTH]
            target = f"/store?graph={SCRATCH[0]}"
            cases.append((server, "PUT", target, headers, doc.data, doc, "right"))
    return cases


def gzip_validate_cases() -> list[tuple[Any, ...]]:
    """``POST /validate`` cases for :func:`validations`'s check, likewise."""
    cases = []
    for server in ("werkzeug", "granian"):
        for wrapper in GZIP_CASES:
            doc = wrapped(Doc(THREE_LINES, "nt", "nt+explicit"), wrapper)
            headers = [
                ("Accept", "application/json"),
                ("Content-Type", MEDIA["nt"]),
                ("Content-Encoding", "gzip"),
            ]
            cases.append((server, headers, doc.data, doc))
    return cases
