"""The Flask app factory, and :func:`serve`, which runs it under Granian.

``create_app(settings)`` opens the on-disk store, starts the query workers and registers
one blueprint per concern: the SPARQL endpoint and the Graph Store Protocol here, and any
``blueprints=`` a caller adds (pages, badges, the JSON API). Every answer allows any
origin (CORS, without credentials); errors are answered by :mod:`mofkg.api.errors`.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterable
from functools import partial
from typing import Any

from flask import Blueprint, Flask

from mofkg.graphstore.errors import SettingsError
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.generation import StoreGeneration

from .errors import register_error_handlers
from .protocol import graph_store, sparql
from .server.engine import EnginePool
from .server.lanes import Lane
from .server.pool import QueryPool
from .server.shared import open_store
from .server.state import EXTENSION, Endpoint
from .server.wsgi import BodyCap, add_cors, check_host, no_type_without_body
from .web import (
    badges,
    catalog,
    dumps_routes,
    models_api,
    ontology,
    pages,
    structured_data,
    validate,
    void,
)
from .web.query_parameters import register_parameter_checks

#: The blueprints every app has; others are passed to :func:`create_app`.
CORE_BLUEPRINTS: tuple[Blueprint, ...] = (
    sparql.bp,
    graph_store.bp,
    pages.blueprint,
    ontology.blueprint,
    badges.blueprint,
    models_api.blueprint,
    validate.bp,
    catalog.blueprint,
    dumps_routes.blueprint,
    void.blueprint,
    structured_data.blueprint,
)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    blueprints: Iterable[Blueprint] = (),
) -> Flask:
    """A mofkg app over ``store``, or over the on-disk store at ``settings.store``.

    The store must be on disk: queries run in worker processes that open it read-only.
    Given a ``store``, the app owns it and writes into it. Without one, the app shares the
    store at ``settings.store`` with other server processes (:mod:`mofkg.api.server.shared`): it
    opens it read-only and writes through the writers' lock. Each app runs up to ``workers``
    queries at once in its query worker.
    """
    shared: StoreGeneration | None = None
    seen = 0
    if store is None and settings.backend != "embedded":
        return _remote_app(settings, blueprints)
    if store is None:
        settings.store.mkdir(parents=True, exist_ok=True)
        shared = StoreGeneration(settings.store)
        with shared.exclusive():  # the processes start together: one creates the store
            if not (settings.store / "CURRENT").exists():
                open_store(settings.store, read_only=False).close()
            seen = shared.current()  # before opening, so a write meanwhile means a reopen
            store = open_store(settings.store, read_only=True)
    if store.path is None:
        raise SettingsError(
            "the SPARQL endpoint needs an on-disk store (its query workers open it read-only); "
            "give Store(path)"
        )
    app = Flask("mofkg.api")
    # One worker process whose threads share its open of the store (and RocksDB's caches).
    workers = settings.workers
    pool: QueryPool | EnginePool
    if settings.query_workers == "engine":
        pool = EnginePool(
            store.path,
            size=workers,
            timeout=settings.query_timeout,
            memory_limit=settings.memory_limit,
        )
    else:
        pool = QueryPool(
            store.path,
            size=workers,
            timeout=settings.query_timeout,
            threads=workers,
            memory_limit=settings.memory_limit,
        )
    atexit.register(pool.close)
    state = Endpoint(
        settings=settings,
        store=store,
        pool=pool,
        lane=Lane(settings.request_lanes),
        shared=shared,
        seen=seen,
    )
    return _finish(app, state, blueprints)


def _remote_app(settings: Settings, blueprints: Iterable[Blueprint]) -> Flask:
    """The app over the remote store the settings name (docs/backends.md): its queries are
    forwarded to it (:mod:`mofkg.api.server.remote`), its writes go through its all-or-nothing
    write, under the same token."""
    from mofkg.graphstore.store.backends import open_remote

    from .server.remote import RemotePool

    store = open_remote(settings)
    app = Flask("mofkg.api")
    state = Endpoint(
        settings=settings,
        store=store,  # type: ignore[arg-type]
        pool=RemotePool(store),  # type: ignore[arg-type]
        lane=Lane(settings.request_lanes),
    )
    return _finish(app, state, blueprints)


def _finish(app: Flask, state: Endpoint, blueprints: Iterable[Blueprint]) -> Flask:
    settings = state.settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body + 1  # BodyCap raises on that byte
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    app.extensions[EXTENSION] = state
    for bp in (*CORE_BLUEPRINTS, *blueprints):
        app.register_blueprint(bp)
    app.before_request(state.refresh)
    app.before_request(check_host)
    app.after_request(add_cors)
    app.after_request(no_type_without_body)
    register_parameter_checks(app)
    register_error_handlers(app)
    app.wsgi_app = BodyCap(app.wsgi_app, settings.max_body)  # type: ignore[method-assign]
    return app


def close_app(app: Flask) -> None:
    """Stop the app's query workers (tests and servers call it when they stop)."""
    state: Endpoint = app.extensions[EXTENSION]
    state.pool.close()


def _load_front(settings: Settings) -> Any:
    """Granian's app loader: build the app inside the server process, after it has started,
    and cap the process's memory (:mod:`mofkg.api.server.limits`; its query workers cap their
    own)."""
    from .server.front import Front
    from .server.limits import limit_memory

    limit_memory(settings.memory_limit)
    return Front(create_app(settings), threads=max(2, settings.workers))


def granian_options(settings: Settings) -> dict[str, Any]:
    """Granian's settings: ``processes`` server processes sharing the store, each serving
    :class:`mofkg.api.server.front.Front` (RSGI); HTTP/1.1 only; no access log."""
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    # Granian's backpressure is left at its default (its listen backlog over the processes,
    # hundreds of connections each): it counts open connections, idle keep-alive ones
    # included, so a limit near the thread count let a few idle browsers lock every new
    # client out. Requests beyond the front's threads wait for one in its queue.
    return {
        "address": settings.host,
        "port": settings.port,
        "interface": Interfaces.RSGI,
        "workers": settings.processes,
        "http": HTTPModes.http1,
        "websockets": False,
        "log_level": LogLevels.error,
        "log_access": False,
        "workers_kill_timeout": 5,
        # A server process that dies (out of memory, killed) is started again; the others
        # answer meanwhile. Granian still stops when one dies again within 5.5 s of its
        # restart (a crash loop).
        "respawn_failed_workers": True,
    }


def serve(settings: Settings) -> None:
    """Serve the app with Granian (a production HTTP server written in Rust) until interrupted.

    Each app (its read-only open of the store and its query workers) is built in its Granian
    worker process, after that has started: an open RocksDB store belongs to one process.
    """
    from granian import Granian

    server = Granian("mofkg.api.server.front:Front", **granian_options(settings))
    server.serve(target_loader=partial(_load_front, settings), wrap_loader=False)
