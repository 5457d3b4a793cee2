"""Setting a store up: the ontology, the licence graph, and optionally the demo catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

from ..importers.commons_demo import commons_quads
from ..namespaces import DEMO_GRAPH, LICENCE_GRAPH, ONTOLOGY_GRAPH
from ..resources import demo_catalogue_path, ontology_path
from ..settings import Settings
from .commit import commit
from .embedded import Store
from .terms import graph_to_quads, to_rdflib


@dataclass(frozen=True)
class InitResult:
    """The graphs :func:`initialise` wrote and their sizes."""

    graphs: dict[str, int]


def licence_graph(settings: Settings) -> Graph:
    """The licence graph the settings ask for (current SPDX list, or MOT's pinned copy)."""
    from ..catalogue.licences import build_licence_graph

    return build_licence_graph(
        licence_list=settings.licence_list, mot_licences_path=settings.mot_licences
    )


def initialise(
    store: Store, settings: Settings, *, demo: bool = False, commons: bool = False
) -> InitResult:
    """(Re)build the ontology and licence graphs, and load the demo catalogue with ``demo``:
    the hand-made models of ``demo-catalogue.ttl``, and with ``commons`` too the shipped
    Commons (:mod:`.commons_demo`: the landscape, the OSAI Index, MOT's records, reconciled),
    as ``mofkg init --demo`` and ``mofkg serve`` on an empty store do.

    All graphs are replaced in one commit, so running it again is safe.
    """
    ontology = Graph().parse(ontology_path(), format="turtle")
    graphs: dict[str, Graph] = {
        str(ONTOLOGY_GRAPH): ontology,
        str(LICENCE_GRAPH): licence_graph(settings),
    }
    quads: list[ox.Quad] = [q for name, g in graphs.items() for q in graph_to_quads(g, name)]
    names = list(graphs)
    if demo:
        demo_graph = Graph().parse(demo_catalogue_path(), format="turtle")
        quads += graph_to_quads(demo_graph, str(DEMO_GRAPH))
        names.append(str(DEMO_GRAPH))
    if demo and commons:
        shipped = list(commons_quads())
        names += dict.fromkeys(q.graph_name.value for q in shipped)  # type: ignore[union-attr]
        quads += shipped
    store.replace_graphs({})  # refuses a read-only store before anything is read
    if isinstance(store, Store):
        commit(store.oxigraph, quads, replace=names)
    else:  # a remote store: the same graphs, replaced as its interface writes them
        by_name: dict[str, Graph] = {name: Graph() for name in names}
        for q in quads:
            by_name[q.graph_name.value].add(
                (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            )
        store.replace_graphs(by_name)
    sizes = store.graph_sizes()
    return InitResult(graphs={name: sizes.get(name, 0) for name in names})


def is_empty(store: Store) -> bool:
    """True when the store holds no triple at all."""
    return len(store) == 0


def prepare_for_serving(store: Store, settings: Settings) -> bool:
    """On an empty store, load the demo catalogue and assess it under every framework; True
    when it did."""
    if not is_empty(store):
        return False
    from ..frameworks.assessment import assess_all

    initialise(store, settings, demo=True, commons=True)
    assess_all(store, folder=settings.frameworks)
    return True
