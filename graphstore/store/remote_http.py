"""HTTP to a remote SPARQL 1.1 store: one request, a timeout, and a clear error for every
way it can fail (down, slow, an error answer, a cut connection)."""

from __future__ import annotations

import http.client
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import MofkgError
from ..namespaces import PREFIXES

#: Most bytes of one answer's error text quoted in a message.
_QUOTED = 300


class BackendError(MofkgError):
    """The remote store could not be reached, did not answer in time, or answered an error."""


class BackendUnsupported(MofkgError):
    """What a command needs that a remote store does not offer (yet)."""


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: bytes


class _Digest(urllib.request.HTTPDigestAuthHandler):
    handler_order = 400  # before basic, which refuses a Digest challenge with a ValueError


class Client:
    """Requests to one remote store, with its credentials (basic or digest) and timeout."""

    def __init__(
        self,
        user: str = "",
        password: str = "",
        *,
        timeout: float = 60.0,
        urls: Sequence[str] = (),
    ) -> None:
        """``user`` and ``password`` are sent to the ``urls`` only, when they ask."""
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = []
        if user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in urls:
                passwords.add_password(None, url, user, password)
            handlers += [_Digest(passwords), urllib.request.HTTPBasicAuthHandler(passwords)]
        # Never a proxy of the environment: the store is where its URL says.
        handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        what: str = "request",
        ok_missing: bool = False,
        timeout: float | None = None,
    ) -> Answer:
        """Send one request; an answer outside 2xx (404 too, unless ``ok_missing``) raises
        :class:`BackendError` naming ``what``, the URL and the store's own message.
        ``timeout`` (seconds) replaces the client's for this request."""
        seconds = self.timeout if timeout is None else timeout
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if accept:
            req.add_header("Accept", accept)
        try:
            with self._opener.open(req, timeout=seconds) as response:
                data = response.read()
                return Answer(response.status, _media_type(response.headers), data)
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and ok_missing:
                return Answer(404, "", b"")
            text = _quote(exc.read())
            raise BackendError(
                f"the remote store answered {exc.code} {exc.reason} to the {what} at "
                f"{_plain(url)}" + (f": {text}" if text else "")
            ) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _timeout(what, url, seconds) from exc
            raise BackendError(
                f"cannot reach the remote store for the {what} at {_plain(url)}: {reason}"
            ) from exc
        except TimeoutError as exc:
            raise _timeout(what, url, seconds) from exc
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise BackendError(
                f"the connection to the remote store broke during the {what} at "
                f"{_plain(url)}: {exc or type(exc).__name__}"
            ) from exc


def _timeout(what: str, url: str, seconds: float) -> BackendError:
    return BackendError(
        f"the remote store did not answer the {what} at {_plain(url)} within {seconds:g} s "
        "(setting backend_timeout)"
    )


def _plain(url: str) -> str:
    """The URL without its query string (which may hold a whole query)."""
    return url.split("?", 1)[0]


def _media_type(headers: object) -> str:
    value = getattr(headers, "get", lambda _k, _d="": _d)("Content-Type", "") or ""
    return str(value).split(";", 1)[0].strip().lower()


def _quote(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text[:_QUOTED] + ("..." if len(text) > _QUOTED else "")


#: What a query asks for, by its form: Virtuoso answers a CONSTRUCT asked for JSON with a
#: table whose blank nodes are IRIs, so graphs are asked for as N-Triples only.
_SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
_GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.5"
_FORM = re.compile(
    r"\A(?:\s|#[^\n]*\n|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)*"
    r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


def accept_for(sparql: str) -> str:
    """The Accept header for the query's form (SELECT and ASK: results; else: a graph)."""
    form = _FORM.match(sparql)
    if form and form.group(1).upper() in ("CONSTRUCT", "DESCRIBE"):
        return _GRAPH_ACCEPT
    return _SOLUTIONS_ACCEPT


_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


def with_prefixes(sparql: str, base_iri: str | None = None) -> str:
    """The query with mofkg's prefixes declared before it, but those it declares itself, and
    ``base_iri`` as its BASE, first (Virtuoso refuses a BASE after a PREFIX)."""
    own = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in own)
    base = f"BASE <{base_iri}>\n" if base_iri else ""
    return base + head + sparql
