"""The catalogue as DCAT-AP 3 or MLDCAT-AP 3.1, for data portals that harvest DCAT.

Each profile is a list of SPARQL CONSTRUCT queries shipped in ``queries/`` and run over the
union of the store's graphs; the export is the union of their triples. The queries get the
catalogue's IRI, its publisher, the base IRI and the time through variable substitution
(no text is pasted into them).

>>> from mofkg.graphstore.store.embedded import Store
>>> store = Store()
>>> store.update('INSERT DATA { <https://e.org/id/model/m> a mof:Model ; schema:name "m" }')
>>> triples = catalogue_triples(store, "mldcat-ap", base_iri="https://e.org/")
>>> any(t.object.value == "http://data.europa.eu/it6/MachineLearningModel" for t in triples)
True
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from importlib import resources
from typing import IO

import pyoxigraph as ox

from ..errors import MofkgError
from ..rdfio.formats import RdfFormat
from ..store.embedded import Store

#: MLDCAT-AP's namespace (its terms are not under the MLDCAT-AP site's IRI).
MLDCAT = "http://data.europa.eu/it6/"

#: Prefixes of the serialised exports.
EXPORT_PREFIXES: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dqv": "http://www.w3.org/ns/dqv#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "mldcat": MLDCAT,
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx-lic": "http://spdx.org/licenses/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class ExportError(MofkgError):
    """An export asked for in a way it cannot be made (an unknown profile, a wrong format)."""


@dataclass(frozen=True)
class Profile:
    """One application profile: its name, what it follows, and its queries in order."""

    name: str
    title: str
    conforms_to: str
    queries: tuple[str, ...]
    #: Whether MLDCAT-AP's own terms are written (a dataset's collection date, quality).
    mldcat: bool


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "dcat-ap",
            "DCAT-AP 3",
            "https://semiceu.github.io/DCAT-AP/releases/3.0.0/",
            ("catalog.rq", "agents.rq", "licences.rq", "datasets.rq", "dcat-models.rq"),
            mldcat=False,
        ),
        Profile(
            "mldcat-ap",
            "MLDCAT-AP 3.1",
            "https://semiceu.github.io/MLDCAT-AP/releases/3.1.0/",
            ("catalog.rq", "agents.rq", "licences.rq", "datasets.rq", "mldcat-models.rq"),
            mldcat=True,
        ),
    )
}


def profile_named(name: str) -> Profile:
    """A profile by name; a usage error naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ExportError(f"no export profile {name!r}; the profiles are: {known}") from None


def query_text(name: str) -> str:
    """The text of one shipped query."""
    return resources.files(__package__).joinpath("queries", name).read_text(encoding="utf-8")


def catalog_iri(base_iri: str) -> str:
    """The catalogue's own IRI under the base IRI."""
    return base_iri.rstrip("/") + "/id/catalog"


def publisher_iri(base_iri: str) -> str:
    """The catalogue's publisher: the Generative AI Commons, as the demo catalogue names it."""
    return base_iri.rstrip("/") + "/id/org/GenAICommons"


def catalogue_triples(
    store: Store,
    profile: str,
    *,
    base_iri: str,
    data_licence: str | None = None,
    now: datetime.datetime | None = None,
) -> list[ox.Triple]:
    """The catalogue's triples under ``profile`` (no triple twice); ``data_licence`` is the
    IRI of the licence of the catalogue's data, if one is stated."""
    chosen = profile_named(profile)
    when = now or datetime.datetime.now(datetime.UTC)
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable("catalog"): ox.NamedNode(catalog_iri(base_iri)),
        ox.Variable("publisher"): ox.NamedNode(publisher_iri(base_iri)),
        ox.Variable("base"): ox.Literal(base_iri.rstrip("/") + "/id/"),
        ox.Variable("mldcat"): ox.Literal(
            "true" if chosen.mldcat else "false",
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"),
        ),
        ox.Variable("now"): ox.Literal(
            when.replace(microsecond=0).isoformat(),
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
        ),
    }
    if data_licence is not None:
        substitutions[ox.Variable("dataLicence")] = ox.NamedNode(data_licence)
    seen: dict[ox.Triple, None] = {}
    for name in chosen.queries:
        text = query_text(name)
        used = {v: t for v, t in substitutions.items() if re.search(rf"\?{v.value}\b", text)}
        result = store.oxigraph.query(
            text,
            use_default_graph_as_union=True,
            substitutions=used,
        )
        assert isinstance(result, ox.QueryTriples), name
        for triple in result:
            seen.setdefault(triple, None)
    return sorted(seen, key=_triple_order)


def _triple_order(triple: ox.Triple) -> tuple[str, str, str]:
    """Triples grouped by subject, so that Turtle writes each subject once."""
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def write_catalogue(
    store: Store,
    profile: str,
    fmt: RdfFormat,
    output: IO[bytes] | None = None,
    *,
    base_iri: str,
    data_licence: str | None = None,
) -> bytes | None:
    """Serialise the catalogue under ``profile`` in ``fmt`` to ``output`` (or return it)."""
    if fmt.is_dataset and fmt.name != "jsonld":
        raise ExportError(
            f"the catalogue is one graph: --format {fmt.name} is for datasets of graphs; "
            "use turtle, ntriples, rdfxml or jsonld"
        )
    triples = catalogue_triples(store, profile, base_iri=base_iri, data_licence=data_licence)
    prefixes = EXPORT_PREFIXES if fmt.name in ("turtle", "rdfxml") else None
    return ox.serialize(triples, output, format=fmt.oxigraph, prefixes=prefixes)
