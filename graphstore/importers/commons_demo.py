"""The Commons part of the demo catalogue: the LF AI & Data landscape, the European Open
Source AI Index and MOT's records, imported and reconciled once, shipped as a compact
N-Quads file (``graphstore/data/commons-demo.nq.gz``) beside its attribution
(``graphstore/data/NOTICE-commons.md``).

All three sources allow it: the landscape is Apache-2.0, the Index CC-BY-4.0, MOT's records
MIT. The file holds their source graphs as mofkg's importers write them, the Index's score and
ranking (``graph:assessment/osai-index``), the reconciliation and a graph
``graph:commons-sources`` that names each source with its licence, repository and commit.

Rebuild it (from a source checkout with ``../shared`` beside it) with::

    python -m mofkg.graphstore.cli.build_demo ../shared/data graphstore/data/commons-demo.nq.gz

``mofkg serve`` on an empty store and ``mofkg init --demo`` load it with the hand-made demo
catalogue (:func:`commons_quads`); no source file is read at run time.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import GRAPH
from ..resources import _package_file

#: The graph that names the shipped sources, their licences and commits.
SOURCES_GRAPH = GRAPH["commons-sources"]

#: The graphs of a built store that the shipped file keeps (by IRI prefix).
KEPT_PREFIXES = (
    str(GRAPH["source/"]),
    str(GRAPH["assessment/osai-index"]),
    str(GRAPH["reconciliation"]),
)

DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX_LICENCE = "http://spdx.org/licenses/"


@dataclass(frozen=True)
class ShippedSource:
    """One source of the shipped Commons: where it is from, under what licence."""

    key: str
    title: str
    repository: str
    commit: str
    licence: str  # an SPDX id
    creator: str
    graph_prefix: str


SOURCES: tuple[ShippedSource, ...] = (
    ShippedSource(
        "landscape",
        "LF AI & Data landscape",
        "https://github.com/lfai/lfai-landscape",
        "a6d92b08745a48ebe6d58835897fdac1b6390461",
        "Apache-2.0",
        "LF AI & Data Foundation",
        str(GRAPH["source/landscape/"]),
    ),
    ShippedSource(
        "osai-index",
        "European Open Source AI Index (doi:10.5281/zenodo.15386042)",
        "https://github.com/Language-Technology-Assessment/main-database",
        "5a388e871b88735e7ab7e6fb230b76c9d460d99a",
        "CC-BY-4.0",
        "Andreas Liesenfeld, Mark Dingemanse and contributors (Radboud University)",
        str(GRAPH["source/osai-index"]),
    ),
    ShippedSource(
        "mot",
        "Model Openness Tool (MOT) model records",
        "https://github.com/lfai/model_openness_tool",
        "8b5d30e90a7c62d7d6ece48b91e69ff495920a4d",
        "MIT",
        "LF AI & Data Foundation, Generative AI Commons",
        str(GRAPH["source/mot/"]),
    ),
)


def commons_path() -> Path:
    """The shipped N-Quads file."""
    return _package_file("mofkg.graphstore.data", "commons-demo.nq.gz")


def commons_quads() -> Iterator[ox.Quad]:
    """The shipped Commons' quads."""
    data = gzip.decompress(commons_path().read_bytes())
    yield from ox.parse(data, format=ox.RdfFormat.N_QUADS)


def sources_quads() -> list[ox.Quad]:
    """``graph:commons-sources``: each shipped source with its licence, creator and commit."""
    g = ox.NamedNode(str(SOURCES_GRAPH))
    quads = [
        ox.Quad(
            g,
            ox.NamedNode(RDFS + "label"),
            ox.Literal("The Commons part of the mofkg demo catalogue, derived from its sources"),
            g,
        )
    ]
    for source in SOURCES:
        s = ox.NamedNode(str(GRAPH[f"commons-sources/{source.key}"]))
        facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (RDFS + "label", ox.Literal(source.title)),
            (DCT + "license", ox.NamedNode(SPDX_LICENCE + source.licence)),
            (DCT + "creator", ox.Literal(source.creator)),
            (DCT + "source", ox.NamedNode(f"{source.repository}/tree/{source.commit}")),
            (DCAT + "accessURL", ox.NamedNode(source.repository)),
            (PROV + "generated", ox.NamedNode(source.graph_prefix)),
        ]
        quads += [ox.Quad(g, ox.NamedNode(PROV + "wasDerivedFrom"), s, g)]
        quads += [ox.Quad(s, ox.NamedNode(p), o, g) for p, o in facts]
    return quads
