"""Relationship queries over the Commons: members, hosted projects, both catalogues of models,
datasets. They are the query page's second group of examples and the files
``examples/<key>.rq`` (with the default base IRI; ``tests/test_commons_queries.py`` checks
that the files are these queries and what each answers on the demo catalogue).

Organisations, models and datasets named by several sources are joined through the
reconciliation (``mof:reconciledAs``): two IRIs that reconcile to one are one thing.
"""

from __future__ import annotations

from mofkg.graphstore.namespaces import Ids

from .query_examples import ExampleQuery, with_prefixes

#: The LF AI & Data Foundation, the organisation of the landscape's memberships.
FOUNDATION = "org/LF-AI-and-Data"


def commons_queries(ids: Ids, *, base_model: str = "OLMo-7B") -> list[ExampleQuery]:
    """The Commons examples, naming the demo catalogue's resources under ``ids``."""
    foundation = ids.id[FOUNDATION]
    base = ids.model(base_model)
    member = f"""?membership a mof:Membership ;
      org:organization <{foundation}> ;
      org:member ?org ;
      org:role/rdfs:label ?tier ."""
    mof_class = """?assessment mof:assessedModel ?model ;
      mof:classNumber ?n .
  OPTIONAL { ?assessment dct:conformsTo/skos:prefLabel ?reached }
  BIND (COALESCE(?reached, "Unclassified") AS ?class)"""
    return [
        ExampleQuery(
            "members-class-i",
            "Member organisations (LF AI & Data) whose models reach Class I",
            with_prefixes(
                f"""
SELECT ?member (GROUP_CONCAT(DISTINCT ?tier; separator=", ") AS ?tiers) ?name WHERE {{
  {member}
  ?org rdfs:label ?member ;
      mof:reconciledAs ?same .
  ?producer mof:reconciledAs ?same .
  ?model mof:producer ?producer ;
      schema:name ?name .
  ?assessment mof:assessedModel ?model ;
      mof:classNumber 1 .
}}
GROUP BY ?member ?name
ORDER BY ?member ?name"""
            ),
        ),
        ExampleQuery(
            "members-by-tier",
            "Member organisations by tier",
            with_prefixes(
                f"""
SELECT ?tier (COUNT(DISTINCT ?org) AS ?members) WHERE {{
  {member}
}}
GROUP BY ?tier
ORDER BY DESC(?members)"""
            ),
        ),
        ExampleQuery(
            "class-i-not-open-on-index",
            "Models of Class I under the MOF that the OSAI Index grades closed or partial"
            " on some dimension",
            with_prefixes(
                """
SELECT DISTINCT ?name ?dimension ?grade WHERE {
  ?assessment mof:assessedModel ?model ;
      mof:classNumber 1 .
  ?model schema:name ?name ;
      mof:reconciledAs ?same .
  ?graded mof:reconciledAs ?same ;
      mof:hasGrading ?grading .
  ?grading mof:dimension/skos:prefLabel ?dimension ;
      mof:grade ?g .
  ?g skos:notation ?grade .
  FILTER (?g IN (mof:GradeClosed, mof:GradePartial))
}
ORDER BY ?name ?grade ?dimension"""
            ),
        ),
        ExampleQuery(
            "index-open-below-class-i",
            "Models the OSAI Index grades open on base model data and training code that"
            " are below Class I under the MOF",
            with_prefixes(
                f"""
SELECT DISTINCT ?name ?class WHERE {{
  ?graded mof:hasGrading ?data, ?code ;
      mof:reconciledAs ?same .
  ?data mof:dimension/skos:notation "datasources_basemodel" ; mof:grade mof:GradeOpen .
  ?code mof:dimension/skos:notation "trainingcode" ; mof:grade mof:GradeOpen .
  ?model mof:reconciledAs ?same ;
      schema:name ?name .
  {mof_class}
  FILTER (?model != ?graded && ?n != 1)
}}
ORDER BY ?name"""
            ),
        ),
        ExampleQuery(
            "fine-tunes",
            f"Fine-tunes of {base_model}, with their licences and classes",
            with_prefixes(
                f"""
SELECT ?name ?licence ?class WHERE {{
  ?model mof:fineTunedFrom <{base}> ;
      schema:name ?name .
  OPTIONAL {{ ?model mof:distributionLicence/spdx:licenseId ?licence }}
  OPTIONAL {{ {mof_class} }}
}}
ORDER BY ?name"""
            ),
        ),
        ExampleQuery(
            "projects-by-maturity-and-focus-area",
            "Hosted projects by maturity and focus area",
            with_prefixes(
                f"""
SELECT ?maturity ?focusArea (COUNT(?project) AS ?projects) WHERE {{
  ?project mof:hostedBy <{foundation}> ;
      mof:maturity/skos:prefLabel ?maturity .
  OPTIONAL {{ ?project mof:focusArea/skos:prefLabel ?area }}
  BIND (COALESCE(?area, "(none)") AS ?focusArea)
}}
GROUP BY ?maturity ?focusArea
ORDER BY ?maturity DESC(?projects)"""
            ),
        ),
        ExampleQuery(
            "graduated-projects",
            "Graduated hosted projects, their focus area and repository",
            with_prefixes(
                f"""
SELECT ?project ?focusArea (GROUP_CONCAT(STR(?repository); separator=" ") AS ?repositories)
WHERE {{
  ?p mof:hostedBy <{foundation}> ;
      mof:maturity mof:Graduated ;
      rdfs:label ?project .
  OPTIONAL {{ ?p mof:focusArea/skos:prefLabel ?focusArea }}
  OPTIONAL {{ ?p mof:codeRepository ?repository }}
}}
GROUP BY ?project ?focusArea
ORDER BY ?project"""
            ),
        ),
        ExampleQuery(
            "datasets-of-open-models",
            "Datasets that models of Class I to III are trained on, and their licences",
            with_prefixes(
                f"""
SELECT ?dataset ?licence ?open (GROUP_CONCAT(DISTINCT ?name; separator=", ") AS ?models)
WHERE {{
  ?model mof:trainedOn ?d ;
      schema:name ?name .
  {mof_class}
  FILTER (?n >= 1)
  ?d schema:name ?dataset .
  OPTIONAL {{
    ?d dct:license ?l .
    OPTIONAL {{ ?l spdx:licenseId ?id }}
    OPTIONAL {{ ?l mof:isOpenLicence ?isOpen }}
    BIND (COALESCE(?id, STR(?l)) AS ?licence)
    BIND (COALESCE(?isOpen, false) AS ?open)
  }}
}}
GROUP BY ?dataset ?licence ?open
ORDER BY ?dataset"""
            ),
        ),
        ExampleQuery(
            "models-in-both-catalogues",
            "Models in both catalogues: the MOF class and the OSAI Index's open grades",
            with_prefixes(
                f"""
SELECT ?name ?class (COUNT(DISTINCT ?open) AS ?openOnIndex) (COUNT(DISTINCT ?grading) AS ?graded)
WHERE {{
  ?graded mof:hasGrading ?grading ;
      mof:reconciledAs ?same .
  ?model mof:reconciledAs ?same ;
      schema:name ?name .
  {mof_class}
  FILTER (?model != ?graded)
  OPTIONAL {{ ?grading mof:grade mof:GradeOpen . BIND (?grading AS ?open) }}
}}
GROUP BY ?name ?class
ORDER BY DESC(?openOnIndex) ?name"""
            ),
        ),
        ExampleQuery(
            "organisations-across-sources",
            "Organisations named by more than one source, with each source's name",
            with_prefixes(
                """
SELECT (MIN(?label) AS ?organisation) (GROUP_CONCAT(DISTINCT ?name; separator=" | ") AS ?names)
       (COUNT(DISTINCT ?o) AS ?records) WHERE {
  ?o a mof:Organisation ;
      mof:reconciledAs ?same ;
      rdfs:label ?name .
  ?same rdfs:label ?label .
}
GROUP BY ?same
HAVING (COUNT(DISTINCT ?o) > 1)
ORDER BY DESC(?records) ?organisation"""
            ),
        ),
        ExampleQuery(
            "focus-area-categories",
            "Focus areas and the landscape categories mapped to them",
            with_prefixes(
                """
SELECT ?focusArea (COUNT(DISTINCT ?category) AS ?categories)
       (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?area a mof:FocusArea ;
      skos:prefLabel ?focusArea .
  OPTIONAL { ?category skos:broadMatch ?area . }
  OPTIONAL { ?item mof:focusArea ?area . }
}
GROUP BY ?focusArea
ORDER BY ?focusArea"""
            ),
        ),
    ]
