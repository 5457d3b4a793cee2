"""What the pages show of the Commons: an organisation's membership, models and projects; a
hosted project's maturity, category, focus area and links; a dataset's licences (checked
against the licence graph) and the models that use it; a focus area's projects and
categories; the Index's grades beside a model's MOF class; the home page's glance.

One query per panel. Things several sources name are joined through the reconciliation
(``mof:reconciledAs``); where no reconciliation has run a thing is only itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mofkg.graphstore.frameworks.explain import rated
from mofkg.graphstore.importers.osai_rdf import IndexGrades, index_grades
from mofkg.graphstore.namespaces import MOF, PREFIXES
from mofkg.graphstore.store.embedded import Store

_PREFIXES = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in PREFIXES)

#: The same thing under another source's IRI (itself included).
SAME = (
    """{ BIND (?this AS ?same) } UNION { ?this mof:reconciledAs ?c . ?same mof:reconciledAs ?c }"""
)

#: A model's MOF class: its number and label (Unclassified without one; not assessed when
#: the catalogue lists no component of it, as for the Index's own records).
CLASS = (
    """OPTIONAL { ?a mof:assessedModel ?model ; mof:classNumber ?n .
    OPTIONAL { ?a dct:conformsTo/skos:prefLabel ?reached } """
    + rated("?model")
    + " }"
)

KINDS = {
    str(MOF.Organisation): "organisation",
    str(MOF.Framework): "project",
    str(MOF.Application): "project",
    str(MOF.Dataset): "dataset",
    str(MOF.FocusArea): "focus-area",
}


@dataclass
class Panel:
    """The Commons facts of one page, each a list of rows (dicts of strings)."""

    kind: str
    facts: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _rows(store: Store, query: str, this: str) -> list[dict[str, str]]:
    sparql = _PREFIXES + query.replace("?this", f"<{this}>")
    return [{k: str(v) for k, v in row.items()} for row in store.select(sparql)]


def _class_text(row: dict[str, str]) -> str:
    if "reached" in row:
        return row["reached"]
    return "Unclassified" if "n" in row else "not assessed"


def commons_panel(store: Store, iri: str, types: set[str]) -> Panel | None:
    """The Commons panel of the page about ``iri`` (with rdf:types ``types``), or None."""
    kind = next((KINDS[t] for t in types if t in KINDS), None)
    if kind == "organisation":
        return _organisation(store, iri)
    if kind == "project":
        return _project(store, iri)
    if kind == "dataset":
        return _dataset(store, iri)
    if kind == "focus-area":
        return _focus_area(store, iri)
    return None


def _organisation(store: Store, iri: str) -> Panel:
    rows = _rows(
        store,
        f"""SELECT DISTINCT ?part ?tier ?in ?model ?name ?n ?reached ?project ?projectName
               ?maturity WHERE {{
          {SAME}
          {{ ?m org:member ?same ; org:role/rdfs:label ?tier ; org:organization/rdfs:label ?in .
             BIND ("tier" AS ?part) }}
          UNION
          {{ ?model mof:producer ?same ; schema:name ?name . {CLASS} BIND ("model" AS ?part) }}
          UNION
          {{ ?project mof:hostedBy ?same ; rdfs:label ?projectName .
             OPTIONAL {{ ?project mof:maturity/skos:prefLabel ?maturity }}
             BIND ("project" AS ?part) }}
        }}""",
        iri,
    )
    tiers = sorted({(r["tier"], r["in"]) for r in rows if r["part"] == "tier"})
    models: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["part"] == "model":
            models[r["model"]] = {"iri": r["model"], "name": r["name"], "class": _class_text(r)}
    projects = {
        r["project"]: {
            "iri": r["project"],
            "name": r["projectName"],
            "maturity": r.get("maturity", ""),
        }
        for r in rows
        if r["part"] == "project"
    }
    return Panel(
        "organisation",
        {
            "tiers": [{"tier": t, "in": o} for t, o in tiers],
            "models": sorted(models.values(), key=lambda m: m["name"].lower()),
            "projects": sorted(projects.values(), key=lambda p: p["name"].lower()),
        },
    )


def _project(store: Store, iri: str) -> Panel:
    rows = _rows(
        store,
        """SELECT ?maturity ?area ?areaLabel ?category ?link ?linkKind ?host ?hostName WHERE {
          OPTIONAL { ?this mof:maturity/skos:prefLabel ?maturity }
          OPTIONAL { ?this mof:focusArea ?area . ?area skos:prefLabel ?areaLabel }
          OPTIONAL { ?this mof:landscapeCategory/skos:prefLabel ?category }
          OPTIONAL { ?this mof:hostedBy ?host . ?host rdfs:label ?hostName }
          OPTIONAL { VALUES ?p { mof:homepage mof:codeRepository mof:crunchbasePage
                                 mof:linkedInPage }
                     ?this ?p ?link . BIND (STRAFTER(STR(?p), "#") AS ?linkKind) }
        }""",
        iri,
    )
    first = rows[0] if rows else {}
    links = sorted({(r["linkKind"], r["link"]) for r in rows if "link" in r})
    return Panel(
        "project",
        {
            "summary": [
                {
                    "maturity": first.get("maturity", ""),
                    "area": first.get("area", ""),
                    "areaLabel": first.get("areaLabel", ""),
                    "category": ", ".join(sorted({r["category"] for r in rows if "category" in r})),
                    "host": first.get("host", ""),
                    "hostName": first.get("hostName", ""),
                }
            ],
            "links": [{"kind": k, "href": h} for k, h in links],
        },
    )


def _dataset(store: Store, iri: str) -> Panel:
    rows = _rows(
        store,
        f"""SELECT DISTINCT ?part ?licence ?licenceId ?open ?type ?card ?model ?name ?n
               ?reached WHERE {{
          {SAME}
          {{ ?same dct:license ?licence .
             OPTIONAL {{ ?licence spdx:licenseId ?licenceId }}
             OPTIONAL {{ ?licence mof:isOpenLicence ?open }}
             OPTIONAL {{ ?licence mof:appropriateFor ?type }}
             BIND ("licence" AS ?part) }}
          UNION
          {{ ?same mof:hasDataCard ?card . BIND ("card" AS ?part) }}
          UNION
          {{ ?model mof:trainedOn ?same ; schema:name ?name . {CLASS} BIND ("model" AS ?part) }}
        }}""",
        iri,
    )
    licences: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["part"] != "licence":
            continue
        entry = licences.setdefault(
            r["licence"],
            {
                "iri": r["licence"],
                "id": r.get("licenceId", r["licence"].rsplit("/", 1)[-1]),
                "open": "yes" if r.get("open") == "true" else "no",
                "data": "not stated",  # the licence graph says nothing of its content types
                "known": "yes" if "open" in r else "not in the licence graph",
            },
        )
        if r.get("type") == str(MOF.DataContent):
            entry["data"] = "yes"
        elif "type" in r and entry["data"] != "yes":
            entry["data"] = "no"
    models = {
        r["model"]: {"iri": r["model"], "name": r["name"], "class": _class_text(r)}
        for r in rows
        if r["part"] == "model"
    }
    card = any(r["part"] == "card" and r["card"] == "true" for r in rows)
    return Panel(
        "dataset",
        {
            "licences": sorted(licences.values(), key=lambda lic: lic["id"]),
            "models": sorted(models.values(), key=lambda m: m["name"].lower()),
            "card": [{"has": "yes" if card else "no"}],
        },
    )


def _focus_area(store: Store, iri: str) -> Panel:
    rows = _rows(
        store,
        """SELECT DISTINCT ?part ?item ?name ?maturity ?category WHERE {
          { ?item mof:focusArea ?this ; mof:hostedBy ?host ; rdfs:label ?name .
            OPTIONAL { ?item mof:maturity/skos:prefLabel ?maturity }
            BIND ("project" AS ?part) }
          UNION
          { ?item skos:broadMatch ?this ; skos:prefLabel ?name . BIND ("category" AS ?part) }
        }""",
        iri,
    )
    return Panel(
        "focus-area",
        {
            part: sorted(
                (
                    {"iri": r["item"], "name": r["name"], "maturity": r.get("maturity", "")}
                    for r in rows
                    if r["part"] == part
                ),
                key=lambda x: x["name"].lower(),
            )
            for part in ("project", "category")
        },
    )


def model_index_grades(store: Store, iri: str) -> IndexGrades | None:
    """The OSAI Index's grades of the model ``iri``: its own, or those of the Index's record
    the reconciliation makes one with it."""
    found = _rows(
        store,
        f"""SELECT ?same WHERE {{ {SAME} ?same mof:hasGrading ?g }} LIMIT 1""",
        iri,
    )
    return index_grades(store, found[0]["same"]) if found else None


def commons_glance(store: Store) -> dict[str, Any]:
    """The home page's glance: members by tier, hosted projects by maturity and focus area,
    models by MOF class per source catalogue (one query)."""
    rows = _rows(
        store,
        """SELECT ?part ?a ?b ?key (COUNT(DISTINCT ?x) AS ?count) WHERE {
          { ?m a mof:Membership ; org:member ?x ; org:role/rdfs:label ?a ;
               org:organization/rdfs:label ?b . BIND ("tier" AS ?part) }
          UNION
          { ?x mof:hostedBy ?h ; mof:maturity/skos:prefLabel ?a .
            OPTIONAL { ?x mof:focusArea ?fa . ?fa skos:prefLabel ?area }
            BIND (COALESCE(?area, "(none)") AS ?b) BIND (STRAFTER(STR(?fa), "#") AS ?key)
            BIND ("project" AS ?part) }
          UNION
          { GRAPH ?g { ?x a mof:Model } .
            FILTER (STRSTARTS(STR(?g), STR(?this)))
            OPTIONAL { ?as mof:assessedModel ?x ; mof:classNumber ?n .
                       OPTIONAL { ?as dct:conformsTo/skos:prefLabel ?reached } RATED }
            BIND (COALESCE(?reached, IF(BOUND(?n), "Unclassified", "not assessed")) AS ?a)
            BIND (REPLACE(STRAFTER(STR(?g), STR(?this)), "^source/|/.*$", "") AS ?b)
            BIND ("model" AS ?part) }
        } GROUP BY ?part ?a ?b ?key ORDER BY ?part ?b ?a""".replace("RATED", rated("?x")),
        store_graph_base(),
    )
    glance: dict[str, Any] = {"tier": [], "project": [], "model": []}
    for r in rows:
        glance[r["part"]].append(
            {"a": r["a"], "b": r["b"], "key": r.get("key", ""), "count": int(r["count"])}
        )
    return glance


def store_graph_base() -> str:
    from mofkg.graphstore.namespaces import GRAPH

    return str(GRAPH[""])
