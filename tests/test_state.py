"""The endpoint's cache of values derived from the whole store (api.state.Endpoint)."""

from __future__ import annotations

from typing import Any, cast

from mofkg.api.server.state import Endpoint
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store


class EmptiedBetweenLookups(dict[str, Any]):
    """A cache that a write empties right after a membership test, as another request's
    thread may between two lookups."""

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        self.clear()
        return found


def test_a_value_forgotten_meanwhile_is_computed_not_a_key_error() -> None:
    """remember() tested `key in derived` and then read `derived[key]` without the lock: a
    write that emptied the cache in between made the request a KeyError (500) (found by a
    review reading the code)."""
    endpoint = Endpoint(settings=Settings(), store=Store(None), pool=cast(Any, None))
    endpoint.derived = EmptiedBetweenLookups(ranking=["old"])
    assert endpoint.remember("ranking", lambda: ["new"]) in (["old"], ["new"])
