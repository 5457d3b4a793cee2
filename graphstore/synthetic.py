"""Synthetic catalogues for tests and benchmarks: N models x up to 17 components, deterministic.

The mix imitates the Model Openness Tool's records: most components state an SPDX licence
(mostly open ones, some data licences on code: open but not type-appropriate), some a
non-SPDX licence (Llama, Gemma: not open), some free text (``"Apache 2.0"``: invalid), some
``unlicensed``, and many none at all, falling back to the release's content-type or
distribution licence. Some components are missing. Output is N-Triples text, so that large
catalogues load straight into Oxigraph without rdflib.

>>> text = synthetic_ntriples(2, seed=1)
>>> text.count("<http://schema.org/name>")
2
>>> synthetic_ntriples(2, seed=1) == text
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from .namespaces import DEFAULT_IDS, MOF, SCHEMA, Ids, spdx_licence_iri

#: The 17 MOF component types (local names in the mof: namespace).
COMPONENT_TYPES = (
    "ModelArchitecture",
    "ModelParametersFinal",
    "EvaluationResults",
    "ModelCard",
    "DataCard",
    "TechnicalReport",
    "SampleModelOutputs",
    "TrainingCode",
    "InferenceCode",
    "EvaluationCode",
    "EvaluationData",
    "SupportingLibrariesAndTools",
    "Datasets",
    "DataPreprocessingCode",
    "ModelParametersIntermediate",
    "ResearchPaper",
    "ModelMetadata",
)

_OPEN_SPDX = ("Apache-2.0", "MIT", "BSD-3-Clause", "CC-BY-4.0", "CDLA-Permissive-2.0", "CC0-1.0")
_CLOSED_SPDX = ("CC-BY-NC-4.0", "CC-BY-ND-4.0")
_LICENCE_REFS = ("LicenseRef-Llama-3-Community", "LicenseRef-Gemma")
_FREE_TEXT = ("Apache 2.0", "Llama 3 Community License", "MIT license")
_RELEASE_PROPERTIES = {
    "distribution": (MOF.distributionLicence, MOF.distributionLicenceText),
    "code": (MOF.codeLicence, MOF.codeLicenceText),
    "data": (MOF.dataLicence, MOF.dataLicenceText),
    "document": (MOF.documentLicence, MOF.documentLicenceText),
}


def _nt(term: URIRef | Literal) -> str:
    return term.n3()


def _licence(rng: random.Random, ids: Ids) -> tuple[str, URIRef | Literal | None]:
    """A licence statement: ("iri", IRI) | ("text", literal) | ("unlicensed", None)."""
    roll = rng.random()
    if roll < 0.62:
        return "iri", spdx_licence_iri(rng.choice(_OPEN_SPDX))
    if roll < 0.70:
        return "iri", spdx_licence_iri(rng.choice(_CLOSED_SPDX))
    if roll < 0.82:
        return "iri", ids.licence_ref(rng.choice(_LICENCE_REFS))
    if roll < 0.92:
        return "text", Literal(rng.choice(_FREE_TEXT))
    return "unlicensed", None


def synthetic_triples(
    n: int, *, seed: int = 0, ids: Ids = DEFAULT_IDS
) -> Iterator[tuple[URIRef, URIRef, URIRef | Literal]]:
    """The triples of a catalogue of ``n`` models."""
    rng = random.Random(seed)
    for i in range(n):
        model = ids.model(f"synthetic-{i:06d}")
        yield model, RDF.type, MOF.Model
        yield model, SCHEMA.name, Literal(f"Synthetic model {i}")
        yield model, MOF.producer, ids.organisation(f"producer-{i % 97}")
        yield model, MOF.sourceRecord, Literal(f"synthetic-{i:06d}.yml")
        if rng.random() < 0.9:
            day = 1 + i % 28
            yield model, DCTERMS.issued, Literal(f"2024-05-{day:02d}", datatype=XSD.date)
        for kind, (iri_p, text_p) in _RELEASE_PROPERTIES.items():
            if rng.random() < (0.75 if kind == "distribution" else 0.2):
                how, value = _licence(rng, ids)
                if how == "iri" and value is not None:
                    yield model, iri_p, value
                elif how == "text" and value is not None:
                    yield model, text_p, value
        completeness = rng.random()
        for local in COMPONENT_TYPES:
            if rng.random() > 0.35 + 0.65 * completeness:
                continue
            component = ids.component(model, MOF[local])
            yield model, MOF.hasComponent, component
            yield component, RDF.type, MOF.Component
            yield component, MOF.componentType, MOF[local]
            if rng.random() < 0.45:
                continue  # no licence of its own: falls back to the release's
            how, value = _licence(rng, ids)
            if how == "iri" and value is not None:
                yield component, DCTERMS.license, value
            elif how == "text" and value is not None:
                yield component, MOF.licenceText, value
            else:
                yield component, MOF.declaredUnlicensed, Literal(True)


def synthetic_ntriples(n: int, *, seed: int = 0, ids: Ids = DEFAULT_IDS) -> str:
    """A catalogue of ``n`` models as N-Triples text."""
    return "".join(
        f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in synthetic_triples(n, seed=seed, ids=ids)
    )


def synthetic_graph(n: int, *, seed: int = 0, ids: Ids = DEFAULT_IDS) -> Graph:
    """A catalogue of ``n`` models as an rdflib graph (for small ``n``)."""
    graph = Graph()
    for triple in synthetic_triples(n, seed=seed, ids=ids):
        graph.add(triple)
    return graph
