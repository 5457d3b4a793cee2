"""A polite SPARQL client for Wikidata's query service (or any endpoint in its RDF model).

SPARQLWrapper builds each request (the query, its encoding, the ``Accept`` header, the
User-Agent); this module sends it with a few rules SPARQLWrapper leaves to its user:

- at most ``rate`` requests a second;
- a timeout on each answer, and on reading it whole;
- on 429 or 503, wait as ``Retry-After`` says (seconds or an HTTP date; at most
  ``max_wait``), else 1, 2, 4, ... seconds, and ask again up to ``retries`` times;
- a redirect to another host is refused (the same host is followed);
- an answer over ``max_bytes`` is refused, read no further;
- an answer that is not SPARQL JSON results is refused.

Every refusal is a :class:`LinkError` naming the endpoint and what went wrong.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from SPARQLWrapper import JSON, POST, SPARQLWrapper

from ..errors import MofkgError

#: What ``mofkg`` sends as User-Agent, before its contact.
PROJECT_URL = "https://w3id.org/mofkg"


class LinkError(MofkgError):
    """The endpoint could not be asked, or answered something unusable."""


def user_agent(version: str, contact: str) -> str:
    """The User-Agent: the tool, its version, where to read about it and whom to contact.

    >>> user_agent("0.1.0", "curator@example.org")
    'mofkg/0.1.0 (https://w3id.org/mofkg; curator@example.org) SPARQLWrapper'
    """
    who = f"{PROJECT_URL}; {contact}" if contact else PROJECT_URL
    return f"mofkg/{version} ({who}) SPARQLWrapper"


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects on the endpoint's own host only."""

    def __init__(self, host: str) -> None:
        self.host = host

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        target = urlsplit(newurl)
        if (target.hostname or "", target.port) != (
            urlsplit(req.full_url).hostname or "",
            urlsplit(req.full_url).port,
        ):
            raise LinkError(
                f"{req.full_url}: the endpoint redirects to another host ({newurl}); "
                "refused (give that endpoint with --endpoint if it is the right one)"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class WikidataClient:
    """Send SELECT queries to one endpoint and return their bindings as plain strings."""

    endpoint: str
    agent: str
    timeout: float = 60.0
    retries: int = 4
    max_wait: float = 120.0
    rate: float = 1.0
    max_bytes: int = 16 * 1024 * 1024
    sleep: Callable[[float], None] = time.sleep
    #: The queries sent, in order (they go into the links graph's provenance).
    sent: list[str] = field(default_factory=list)
    _last: float = field(default=0.0, repr=False)

    def select(self, query: str) -> list[dict[str, str]]:
        """The query's solutions: each variable's value (IRI or lexical form) by name."""
        self.sent.append(query)
        attempt = 0
        while True:
            self._pace()
            try:
                body = self._ask(query)
                return _bindings(self.endpoint, body)
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 503) or attempt >= self.retries:
                    raise LinkError(_http_message(self.endpoint, exc, attempt)) from exc
                wait = _retry_after(exc.headers.get("Retry-After"), attempt)
                if wait > self.max_wait:
                    raise LinkError(
                        f"{self.endpoint}: answered {exc.code} and asks to wait {wait:.0f} s, "
                        f"more than link_max_wait ({self.max_wait:.0f} s)"
                    ) from exc
                exc.close()
                attempt += 1
                self.sleep(wait)

    def _pace(self) -> None:
        gap = 1.0 / self.rate
        now = time.monotonic()
        if self._last and now - self._last < gap:
            self.sleep(gap - (now - self._last))
        self._last = time.monotonic()

    def _ask(self, query: str) -> bytes:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent, returnFormat=JSON)
        wrapper.setMethod(POST)
        wrapper.setQuery(query)
        wrapper.setTimeout(int(max(1, self.timeout)))
        request = wrapper._createRequest()  # SPARQLWrapper's request, sent by our opener
        host = urlsplit(self.endpoint).hostname or ""
        opener = urllib.request.build_opener(_SameHostRedirects(host))
        deadline = time.monotonic() + self.timeout
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return _read_capped(self.endpoint, response, self.max_bytes, deadline)
        except urllib.error.HTTPError:
            raise
        except TimeoutError as exc:
            raise LinkError(
                f"{self.endpoint}: no answer within {self.timeout:g} s (setting link_timeout)"
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise LinkError(
                    f"{self.endpoint}: no answer within {self.timeout:g} s (setting link_timeout)"
                ) from exc
            raise LinkError(f"{self.endpoint}: cannot reach the endpoint: {exc.reason}") from exc
        except (OSError, ValueError) as exc:
            raise LinkError(f"{self.endpoint}: the request failed: {exc}") from exc


def _read_capped(endpoint: str, response: Any, cap: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise LinkError(
            f"{endpoint}: the answer is {declared} bytes, more than link_max_response ({cap})"
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise LinkError(
                f"{endpoint}: the answer is larger than link_max_response ({cap} bytes); "
                "read no further"
            )
        if time.monotonic() > deadline:
            raise LinkError(f"{endpoint}: the answer took longer than link_timeout to arrive")
        chunks.append(chunk)


def _bindings(endpoint: str, body: bytes) -> list[dict[str, str]]:
    try:
        data = json.loads(body)
        rows = data["results"]["bindings"]
        if not isinstance(rows, list):
            raise TypeError("bindings is not a list")
        return [{name: str(value["value"]) for name, value in row.items()} for row in rows]
    except json.JSONDecodeError as exc:
        raise LinkError(
            f"{endpoint}: the answer is not JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); nothing was linked"
        ) from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise LinkError(
            f"{endpoint}: the answer is not SPARQL JSON results ({exc}); nothing was linked"
        ) from exc


def _retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait: Retry-After as seconds or as an HTTP date, else 2**attempt.

    >>> _retry_after("3", 0), _retry_after(None, 2), _retry_after("soon", 0)
    (3.0, 4.0, 1.0)
    """
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    return float(2**attempt)


def _http_message(endpoint: str, exc: urllib.error.HTTPError, attempt: int) -> str:
    try:
        detail = exc.read(500).decode("utf-8", "replace").strip().splitlines()
    except OSError:
        detail = []
    text = f"{endpoint}: answered HTTP {exc.code} {exc.reason}"
    if attempt:
        text += f" after {attempt} retr{'y' if attempt == 1 else 'ies'}"
    if detail:
        text += f": {detail[0][:200]}"
    return text
