"""Structured data for the model and dataset pages: JSON-LD that search engines and dataset
search engines harvest from a ``<script type="application/ld+json">``.

- A model is a schema.org ``CreativeWork`` and a FAIR4ML ``MLModel`` (FAIR4ML extends
  schema.org for ML models; schema.org has no model type of its own): its name, version,
  release date, producer, licences, base model, training datasets and links.
- A dataset is a schema.org ``Dataset`` that conforms to Croissant 1.0 (what Google Dataset
  Search reads): name, description, licence, landing page.

The context is written inline, in Croissant's way (``@vocab`` ``https://schema.org/``, the
namespace search engines use), so no reader has to fetch one; IRI-valued terms are typed
``@id`` so that the JSON-LD reads back as the same links.

>>> from mofkg.graphstore.store.embedded import Store
>>> store = Store()
>>> store.update('INSERT DATA { <https://e.org/id/dataset/d> a mof:Dataset ; schema:name "D" }')
>>> dataset_jsonld(store, "https://e.org/id/dataset/d", page="https://e.org/doc/dataset/d")["name"]
'D'
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from ..namespaces import MOF
from ..store.embedded import Store

CROISSANT = "http://mlcommons.org/croissant/"
CROISSANT_1_0 = "http://mlcommons.org/croissant/1.0"

#: The inline context: Croissant's own terms and prefixes, FAIR4ML's, and link-valued terms.
CONTEXT: dict[str, Any] = {
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": CROISSANT,
    "dct": "http://purl.org/dc/terms/",
    "fair4ml": "https://w3id.org/fair4ml#",
    "conformsTo": {"@id": "dct:conformsTo", "@type": "@id"},
    "citeAs": "cr:citeAs",
    "license": {"@id": "sc:license", "@type": "@id"},
    "url": {"@id": "sc:url", "@type": "@id"},
    "sameAs": {"@id": "sc:sameAs", "@type": "@id"},
    "isBasedOn": {"@id": "sc:isBasedOn", "@type": "@id"},
    "fineTunedFrom": {"@id": "fair4ml:fineTunedFrom", "@type": "@id"},
    "trainedOn": {"@id": "fair4ml:trainedOn"},
    "sharedBy": {"@id": "fair4ml:sharedBy"},
    "modelCategory": {"@id": "fair4ml:modelCategory"},
}

_MODEL_FACTS = """
SELECT ?p ?o ?label WHERE {
  VALUES ?p { schema:name schema:version dct:issued dct:description mof:producer
              mof:distributionLicence mof:huggingFacePage mof:homepage mof:codeRepository
              mof:fineTunedFrom mof:derivedFrom mof:trainedOn mof:modelType mof:treatment
              mof:architecture skos:exactMatch owl:sameAs }
  ?model ?p ?o .
  OPTIONAL { ?o schema:name|rdfs:label ?label }
}"""

_DATASET_FACTS = """
SELECT ?p ?o ?label WHERE {
  VALUES ?p { schema:name rdfs:label dct:description dct:license mof:homepage dct:issued
              dct:creator mof:producer skos:exactMatch owl:sameAs }
  ?dataset ?p ?o .
  OPTIONAL { ?o schema:name|rdfs:label ?label }
}"""

_DCT = "http://purl.org/dc/terms/"
_SCHEMA = "http://schema.org/"
_LINKS = ("http://www.w3.org/2004/02/skos/core#exactMatch", "http://www.w3.org/2002/07/owl#sameAs")


def _facts(store: Store, query: str, variable: str, iri: str) -> dict[str, list[tuple[str, str]]]:
    """Each predicate's values (as text) with their labels, in a stable order."""
    ox.NamedNode(iri)  # a valid IRI (ValueError otherwise): nothing else goes into the query
    text = query.replace(f"?{variable} ", f"<{iri}> ")
    found: dict[str, list[tuple[str, str]]] = {}
    for row in store.select(text):
        found.setdefault(str(row["p"]), []).append((str(row["o"]), str(row.get("label", ""))))
    return {p: sorted(set(values)) for p, values in found.items()}


def _first(facts: dict[str, list[tuple[str, str]]], *predicates: str) -> str | None:
    for predicate in predicates:
        if facts.get(predicate):
            return facts[predicate][0][0]
    return None


def _values(facts: dict[str, list[tuple[str, str]]], *predicates: str) -> list[str]:
    return sorted({v for p in predicates for v, _ in facts.get(p, [])})


def _named(facts: dict[str, list[tuple[str, str]]], predicate: str, kind: str) -> list[Any]:
    return [
        {"@type": kind, "@id": value, **({"name": label} if label else {})}
        for value, label in facts.get(predicate, [])
    ]


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def model_jsonld(store: Store, iri: str, *, page: str) -> dict[str, Any]:
    """The JSON-LD of one model (``page``: the URL of its page)."""
    facts = _facts(store, _MODEL_FACTS, "model", iri)
    name = _first(facts, _SCHEMA + "name") or iri.rsplit("/", 1)[-1]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": ["CreativeWork", "fair4ml:MLModel"],
        "@id": iri,
        "name": name,
        "identifier": iri,
        "url": page,
    }
    optional: dict[str, Any] = {
        "version": _first(facts, _SCHEMA + "version"),
        "datePublished": _first(facts, _DCT + "issued"),
        "description": _first(facts, _DCT + "description"),
        "license": _values(facts, str(MOF.distributionLicence)),
        "creator": _named(facts, str(MOF.producer), "Organization"),
        "sharedBy": _named(facts, str(MOF.producer), "Organization"),
        "fineTunedFrom": _values(facts, str(MOF.fineTunedFrom)),
        "isBasedOn": _values(facts, str(MOF.fineTunedFrom), str(MOF.derivedFrom)),
        "trainedOn": _named(facts, str(MOF.trainedOn), "Dataset"),
        "keywords": _values(facts, str(MOF.modelType), str(MOF.treatment), str(MOF.architecture)),
        "sameAs": _values(facts, str(MOF.huggingFacePage), *_LINKS),
        "codeRepository": _first(facts, str(MOF.codeRepository)),
        "mainEntityOfPage": _first(facts, str(MOF.homepage)),
    }
    doc.update({k: _one_or_many(v) if isinstance(v, list) else v for k, v in optional.items() if v})
    return doc


def dataset_jsonld(store: Store, iri: str, *, page: str) -> dict[str, Any]:
    """The JSON-LD of one dataset, as Croissant 1.0 metadata (``page``: its page's URL)."""
    facts = _facts(store, _DATASET_FACTS, "dataset", iri)
    name = _first(facts, _SCHEMA + "name", "http://www.w3.org/2000/01/rdf-schema#label")
    name = name or iri.rsplit("/", 1)[-1]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "@id": iri,
        "conformsTo": CROISSANT_1_0,
        "name": name,
        "description": _first(facts, _DCT + "description")
        or f"{name}, a dataset in the mofkg catalogue of generative AI models.",
        "url": _first(facts, str(MOF.homepage)) or page,
    }
    optional: dict[str, Any] = {
        "license": _values(facts, _DCT + "license"),
        "datePublished": _first(facts, _DCT + "issued"),
        "creator": _named(facts, _DCT + "creator", "Organization")
        + _named(facts, str(MOF.producer), "Organization"),
        "sameAs": _values(facts, *_LINKS),
    }
    doc.update({k: _one_or_many(v) if isinstance(v, list) else v for k, v in optional.items() if v})
    return doc


def script_text(doc: dict[str, Any]) -> str:
    """The JSON for a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so no value can
    end the element (``</script>``) or open a comment.

    >>> print(script_text({"name": "</script><b>"}))
    {
     "name": "\\u003c/script\\u003e\\u003cb\\u003e"
    }
    """
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
