"""What the page, badge and JSON API blueprints share.

Each of those blueprints reads the catalogue from ``flask.current_app.extensions["mofkg"]``
(:data:`mofkg.api.server.state.EXTENSION`): any object with ``.store`` (a
:class:`mofkg.graphstore.store.embedded.Store`) and ``.settings`` (a
:class:`mofkg.graphstore.settings.Settings`), which :class:`mofkg.api.server.state.Endpoint` is.
Read queries are :mod:`mofkg.graphstore.catalogue.views`.

>>> local_path("https://w3id.org/mofkg/id/model/OLMo-7B", "https://w3id.org/mofkg/")
'/id/model/OLMo-7B'
>>> local_path("http://spdx.org/licenses/MIT", "https://w3id.org/mofkg/")
'/licence/MIT'
>>> local_path("https://example.org/x", "https://w3id.org/mofkg/") is None
True

The ontology is served at ``/ontology`` whatever the base IRI (:mod:`mofkg.api.web.ontology`), and
its terms link to their place on that page:

>>> local_path("https://w3id.org/mofkg/ontology#Model", "https://example.org/kg/")
'/ontology#Model'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import current_app, request

from mofkg.graphstore.catalogue.ontology_terms import short_name
from mofkg.graphstore.namespaces import MOF, ONTOLOGY_IRI, SPDX_LICENCE, Ids
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store

from ..errors import BadRequestError
from ..server.state import EXTENSION

T = TypeVar("T")


class CatalogueState(Protocol):
    """What the blueprints need from ``app.extensions["mofkg"]``."""

    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, or what it gave last time if the store has not changed since."""
        ...


@dataclass(frozen=True)
class Catalogue:
    """The plain :class:`CatalogueState`: a store and its settings. It is not told of
    writes, so it remembers nothing."""

    store: Store
    settings: Settings

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, every time."""
        return compute()


def state() -> CatalogueState:
    """The catalogue of the current app."""
    found: CatalogueState = current_app.extensions[EXTENSION]
    return found


def ids() -> Ids:
    """The IRI minter for the app's base IRI."""
    return Ids(state().settings.base_iri)


def positive_argument(name: str, default: int, *, maximum: int | None = None) -> int:
    """The request's whole-number argument ``name`` (``default`` when absent), checked to be
    at least 1 and at most ``maximum``: 400 otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"'{name}' must be a whole number, not {raw!r}") from None
    if value < 1 or (maximum is not None and value > maximum):
        bounds = f"between 1 and {maximum}" if maximum is not None else "at least 1"
        raise BadRequestError(f"'{name}' must be {bounds}, not {value}")
    return value


def local_path(iri: str, base_iri: str) -> str | None:
    """The path of our page about ``iri``, or None when we have no page for it."""
    id_base = Ids(base_iri).id
    text = str(iri)
    if text.startswith(str(id_base)) and len(text) > len(str(id_base)):
        return "/id/" + text[len(str(id_base)) :]
    if text.startswith(str(SPDX_LICENCE)) and "/" not in text[len(str(SPDX_LICENCE)) :]:
        return "/licence/" + text[len(str(SPDX_LICENCE)) :]
    if text == str(ONTOLOGY_IRI) or (text.startswith(str(MOF)) and len(text) > len(str(MOF))):
        return "/ontology" + text[len(str(ONTOLOGY_IRI)) :]
    return None


def curie(iri: str) -> str:
    """A prefixed name for ``iri`` when one of our prefixes covers it.

    >>> curie("https://w3id.org/mofkg/ontology#Model")
    'mof:Model'
    """
    return short_name(str(iri))
