"""The Flask app factory, and :func:`serve`, which runs it under gunicorn.

``create_app(settings)`` opens the on-disk store, starts the query workers and registers
one blueprint per concern: the SPARQL endpoint and the Graph Store Protocol here, and any
``blueprints=`` a caller adds (pages, badges, the JSON API). Every answer allows any
origin (CORS, without credentials); errors are answered by :mod:`api.errors`.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response

from graphstore.errors import SettingsError
from graphstore.settings import Settings
from graphstore.store import Store

from . import badges, graphstore_protocol, models_api, pages, sparql, validate
from .errors import register_error_handlers
from .query_worker import QueryPool
from .state import EXTENSION, Endpoint

#: The blueprints every app has; others are passed to :func:`create_app`.
CORE_BLUEPRINTS: tuple[Blueprint, ...] = (
    sparql.bp,
    graphstore_protocol.bp,
    pages.blueprint,
    badges.blueprint,
    models_api.blueprint,
    validate.bp,
)

EXPOSED_HEADERS = "Location, Warning, X-Mofkg-Truncated"


def _cors(response: Response) -> Response:
    """Any origin may read answers; credentials (cookies) are never involved."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    blueprints: Iterable[Blueprint] = (),
) -> Flask:
    """A mofkg app over ``store`` (by default the on-disk store at ``settings.store``).

    The store must be on disk: queries run in worker processes that open it read-only.
    """
    if store is None:
        store = Store(settings.store)
    if store.path is None:
        raise SettingsError(
            "the SPARQL endpoint needs an on-disk store (its query workers open it read-only); "
            "give Store(path)"
        )
    app = Flask("api")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    pool = QueryPool(store.path, size=settings.workers, timeout=settings.query_timeout)
    atexit.register(pool.close)
    app.extensions[EXTENSION] = Endpoint(settings=settings, store=store, pool=pool)
    for bp in (*CORE_BLUEPRINTS, *blueprints):
        app.register_blueprint(bp)
    app.after_request(_cors)
    register_error_handlers(app)
    return app


def close_app(app: Flask) -> None:
    """Stop the app's query workers (tests and servers call it when they stop)."""
    state: Endpoint = app.extensions[EXTENSION]
    state.pool.close()


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn's settings: one process (it holds the store's write lock) with threads."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": max(4, 2 * settings.workers),
        "timeout": int(settings.query_timeout) + 30,
        "graceful_timeout": 5,
        "accesslog": "-",
        "errorlog": "-",
    }


def serve(settings: Settings, *, store: Store | None = None) -> None:
    """Serve the app with gunicorn (a production WSGI server) until interrupted.

    Leave ``store`` out where you can: the app then opens the store in gunicorn's worker
    process, after the fork, which is where an open RocksDB store belongs.
    """
    from gunicorn.app.base import BaseApplication

    class _Application(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
        def load_config(self) -> None:
            for key, value in gunicorn_options(settings).items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app(settings, store=store)

    _Application().run()
