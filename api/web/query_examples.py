"""The example queries of the query page: conformance and relationships.

Each query declares the prefixes it uses (from :data:`mofkg.graphstore.namespaces.PREFIXES`), so
it runs unchanged in any SPARQL client, not only on our endpoint.

>>> from mofkg.graphstore.namespaces import Ids
>>> [e.key for e in example_queries(Ids())]
['class-ii', 'from-class-i', 'lineage', 'licences-by-organisation', 'components']
>>> "PREFIX mof:" in example_queries(Ids())[0].query
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mofkg.graphstore.namespaces import PREFIXES, Ids


@dataclass(frozen=True)
class ExampleQuery:
    key: str
    title: str
    query: str


def with_prefixes(body: str) -> str:
    """``body`` preceded by the PREFIX lines of the prefixes it uses."""
    used = [p for p in PREFIXES if re.search(rf"(?<![\w<]){re.escape(p)}:", body)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used) + "\n" + body.strip() + "\n"


def example_queries(
    ids: Ids, *, model: str = "OLMo-7B-Instruct", dataset: str = "Dolma"
) -> list[ExampleQuery]:
    """The examples, naming the demo catalogue's ``model`` and ``dataset`` under ``ids``."""
    model_iri = ids.model(model)
    dataset_iri = ids.dataset(dataset)
    return [
        ExampleQuery(
            "class-ii",
            "Models that reach Class II (or better)",
            with_prefixes(
                """
SELECT ?model ?name ?class WHERE {
  ?assessment a mof:Assessment ;
      mof:assessedModel ?model ;
      mof:classNumber ?n ;
      dct:conformsTo ?c .
  ?c skos:prefLabel ?class .
  ?model schema:name ?name .
  FILTER (?n >= 1 && ?n <= 2)
}
ORDER BY ?n ?name"""
            ),
        ),
        ExampleQuery(
            "from-class-i",
            f"What keeps {model} from Class I (requirements not met)",
            with_prefixes(
                f"""
SELECT ?component ?status ?requirement WHERE {{
  ?assessment mof:assessedModel <{model_iri}> ;
      mof:hasOutcome ?outcome .
  ?outcome mof:componentType ?type ;
      mof:status ?status ;
      earl:test ?requirement ;
      earl:result/earl:outcome earl:failed .
  ?type skos:prefLabel ?component .
}}
ORDER BY ?component"""
            ),
        ),
        ExampleQuery(
            "lineage",
            f"Models derived from a model trained on the dataset {dataset}",
            with_prefixes(
                f"""
SELECT ?derived ?name ?base WHERE {{
  ?base mof:trainedOn <{dataset_iri}> .
  ?derived (mof:fineTunedFrom|mof:derivedFrom)+ ?base ;
      schema:name ?name .
}}
ORDER BY ?name"""
            ),
        ),
        ExampleQuery(
            "licences-by-organisation",
            "Distribution licences by organisation",
            with_prefixes(
                """
SELECT ?organisation (COUNT(DISTINCT ?model) AS ?models)
       (GROUP_CONCAT(DISTINCT ?licence; separator=", ") AS ?licences) WHERE {
  ?model a mof:Model ;
      mof:producer/rdfs:label ?organisation ;
      mof:distributionLicence ?l .
  OPTIONAL { ?l spdx:licenseId ?id }
  OPTIONAL { ?l rdfs:label ?label }
  BIND (COALESCE(?id, ?label, STR(?l)) AS ?licence)
}
GROUP BY ?organisation
ORDER BY DESC(?models) ?organisation"""
            ),
        ),
        ExampleQuery(
            "components",
            "The components of the first 12 models, by name, and their licences",
            # The models are picked before the components are joined: sorting every
            # component row before a LIMIT took 19.7 s at 10,000 models, this 1.8 s.
            with_prefixes(
                """
SELECT ?name ?component ?licence WHERE {
  { SELECT ?model ?name WHERE { ?model a mof:Model ; schema:name ?name }
    ORDER BY ?name LIMIT 12 }
  ?model mof:hasComponent ?c .
  ?c mof:componentType/skos:prefLabel ?component .
  OPTIONAL { ?c dct:license ?licence }
}
ORDER BY ?name ?component"""
            ),
        ),
    ]
