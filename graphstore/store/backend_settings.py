"""Which store a command uses: the embedded Oxigraph, or a remote SPARQL 1.1 store.

A remote store is given by its kind and URLs (``MOFKG_BACKEND``, ``MOFKG_BACKEND_URL``, or
``MOFKG_BACKEND_QUERY`` / ``_UPDATE`` / ``_GSP``, with ``_USER`` / ``_PASSWORD``):

>>> Endpoints.of("oxigraph", "http://127.0.0.1:7878/").query
'http://127.0.0.1:7878/query'
>>> Endpoints.of("virtuoso", "http://127.0.0.1:8890").gsp
'http://127.0.0.1:8890/sparql-graph-crud'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SettingsError

#: Kinds of remote store and their paths (query, update, Graph Store Protocol) under the URL.
REMOTE_PATHS: dict[str, tuple[str, str, str]] = {
    "oxigraph": ("/query", "/update", "/store"),
    "virtuoso": ("/sparql", "/sparql", "/sparql-graph-crud"),
}
#: Virtuoso's paths when a user is given (digest authentication).
VIRTUOSO_AUTH_PATHS = ("/sparql-auth", "/sparql-auth", "/sparql-graph-crud-auth")
BACKENDS = ("embedded", "oxigraph", "virtuoso", "sparql")


@dataclass(frozen=True)
class Endpoints:
    """The URLs of a remote store."""

    kind: str
    query: str
    update: str
    gsp: str

    @classmethod
    def of(
        cls,
        kind: str,
        url: str = "",
        *,
        query: str = "",
        update: str = "",
        gsp: str = "",
        authenticated: bool = False,
    ) -> Endpoints:
        """The URLs of a store of ``kind`` at ``url``; each one given explicitly wins."""
        base = url.rstrip("/")
        paths = REMOTE_PATHS.get(kind)
        if paths is not None and base:
            q, u, g = paths
            if kind == "virtuoso" and authenticated:
                q, u, g = VIRTUOSO_AUTH_PATHS
            query, update, gsp = query or base + q, update or base + u, gsp or base + g
        return cls(kind=kind, query=query, update=update, gsp=gsp)


def endpoints(settings: Any) -> Endpoints:
    """The remote store's URLs from the settings (which :func:`check_backend` checked)."""
    return Endpoints.of(
        settings.backend,
        settings.backend_url,
        query=settings.backend_query,
        update=settings.backend_update,
        gsp=settings.backend_gsp,
        authenticated=bool(settings.backend_user),
    )


def check_backend(settings: Any) -> None:
    """Refuse a backend setting that names no store kind, or a remote store without URLs."""
    kind = settings.backend
    if kind not in BACKENDS:
        raise SettingsError(f"backend must be one of {', '.join(BACKENDS)}, not {kind!r}")
    given = [
        name
        for name in ("backend_url", "backend_query", "backend_update", "backend_gsp")
        if getattr(settings, name)
    ]
    if kind == "embedded":
        if given:
            raise SettingsError(
                f"{', '.join(given)} set but backend is 'embedded': set backend to "
                "'oxigraph', 'virtuoso' or 'sparql' to use a remote store"
            )
        return
    if kind == "sparql" and settings.backend_url:
        raise SettingsError(
            "backend 'sparql' takes backend_query, backend_update and backend_gsp, "
            "not backend_url (whose paths differ between stores)"
        )
    urls = endpoints(settings)
    for name in ("query", "update", "gsp"):
        value = getattr(urls, name)
        if not value:
            raise SettingsError(
                f"backend {kind!r} needs backend_{name}"
                + ("" if kind == "sparql" else " or backend_url")
            )
        if not value.startswith(("http://", "https://")):
            raise SettingsError(f"backend_{name} must be an http(s) URL, not {value!r}")
    if settings.backend_password and not settings.backend_user:
        raise SettingsError("backend_password is set without backend_user")
