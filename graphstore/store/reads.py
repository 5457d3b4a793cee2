"""The typed reads both kinds of store give on top of their ``query``: SELECT as rows of
rdflib terms, ASK as a bool, CONSTRUCT as an rdflib graph (a mixin of
:class:`~.embedded.Store` and :class:`~.remote.RemoteStore`)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from ..errors import QueryError
from .terms import to_rdflib, triples_to_graph


class Reads:
    """``select``, ``ask`` and ``construct`` over the store's own ``query``."""

    query: Any  # the store's: Store.query, RemoteStore.query

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Node]]:
        """A SELECT query's solutions as dicts of rdflib terms (unbound variables left out)."""
        result = self.query(sparql, **kwargs)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: to_rdflib(s[n]) for n in names if s[n] is not None} for s in result]

    def ask(self, sparql: str, **kwargs: Any) -> bool:
        result = self.query(sparql, **kwargs)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(result)

    def construct(self, sparql: str, **kwargs: Any) -> Graph:
        """A CONSTRUCT or DESCRIBE query's triples as an rdflib graph."""
        result = self.query(sparql, **kwargs)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        return triples_to_graph(result)
