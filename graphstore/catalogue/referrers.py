"""What points at a resource, grouped by the model it belongs to (a licence page's
"Referred to by": a hundred raw IRIs say nothing; "OLMo-7B: the model and 9 of its
components" does).

A referrer that is a component of a model (``?model mof:hasComponent ?referrer``) is counted
under its model; any other referrer (a model, a dataset, an organisation ...) is a group of
its own. Fragment IRIs (an assessment's outcomes) are left out: their assessment stands for
them.

>>> from mofkg.graphstore.store.embedded import Store
>>> referrer_groups(Store(), "http://spdx.org/licenses/MIT").total
0
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import URIRef

from ..namespaces import MOF
from ..store.embedded import Store

#: Groups shown on a page, and referrers shown per group, at most.
MAX_GROUPS = 50
MAX_MEMBERS = 20


@dataclass(frozen=True)
class ReferrerGroup:
    """The referrers that belong to one owner (a model, or the referrer itself)."""

    owner: URIRef
    owner_refers: bool  # whether the owner itself points at the resource
    members: tuple[URIRef, ...]  # the owner's parts that point at it, the first few in IRI order
    parts: int  # how many of the owner's parts point at it

    @property
    def more_parts(self) -> int:
        return self.parts - len(self.members)


@dataclass(frozen=True)
class Referrers:
    """The first groups in owner IRI order, and how many referrers and groups there are."""

    groups: tuple[ReferrerGroup, ...]
    total: int  # referrers
    total_groups: int

    @property
    def more_groups(self) -> int:
        return self.total_groups - len(self.groups)


def referrer_groups(
    store: Store, iri: str, *, max_groups: int = MAX_GROUPS, max_members: int = MAX_MEMBERS
) -> Referrers:
    """The resources that point at ``iri``, grouped by owner, in one query.

    The order is taken here, not with ORDER BY: Oxigraph's ORDER BY reads each IRI's text
    back for every comparison (see :func:`mofkg.graphstore.catalogue.views.model_iris`).
    """
    result = store.query(
        f"""SELECT DISTINCT ?s ?m WHERE {{ ?s ?p <{iri}>
          FILTER(isIRI(?s) && !CONTAINS(STR(?s), "#"))
          OPTIONAL {{ ?m <{MOF.hasComponent}> ?s }} }}"""
    )
    assert isinstance(result, ox.QuerySolutions)
    owners: dict[str, list[str]] = {}
    refers: set[str] = set()
    seen: set[str] = set()
    for s in result:
        referrer = str(s["s"].value)
        if referrer in seen:
            continue  # a component of two models is counted under the first one found
        seen.add(referrer)
        owner = s["m"]
        if owner is None:
            owners.setdefault(referrer, [])
            refers.add(referrer)
        else:
            owners.setdefault(str(owner.value), []).append(referrer)
    groups = tuple(
        ReferrerGroup(
            owner=URIRef(owner),
            owner_refers=owner in refers,
            members=tuple(URIRef(m) for m in sorted(owners[owner])[:max_members]),
            parts=len(owners[owner]),
        )
        for owner in heapq.nsmallest(max_groups, owners)
    )
    return Referrers(groups, len(seen), len(owners))
