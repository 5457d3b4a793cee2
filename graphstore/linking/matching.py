"""Find the Wikidata item of each model, organisation, dataset and licence.

Identifiers first: the URLs the catalogue states (Hugging Face page, code repository,
homepage) against Wikidata's official website (P856) and source code repository URL (P1324);
SPDX licence ids against P2479; organisations' GitHub user names (from their models'
repositories) against P2037 and Crunchbase ids against P2088. Labels only as scored
candidates. Each query asks for one batch of values in a ``VALUES`` block, through the
truthy ``wdt:`` claims (so deprecated statements never count).

Scores: each piece of evidence has a weight (:data:`WEIGHTS`); the evidence for one item
combines as ``1 - prod(1 - w)``. An identifier shared by two items, or an item found for
two entities of a kind, counts half. An item whose ``P31`` (or the ``P279`` of it) is not a
type of the entity's kind (:data:`KIND_TYPES`) is no match; one with no ``P31`` counts 0.8.
The best match of an entity is accepted when it scores at or above the threshold and at
least :data:`MARGIN` above the next; the rest are candidates for a curator.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from rdflib.namespace import OWL, RDFS

from ..namespaces import LICENCE_GRAPH, MOF, SCHEMA, SPDX, WD
from ..store.embedded import Store
from .client import WikidataClient

Kind = Literal["model", "organisation", "dataset", "licence"]

#: Wikidata classes an item of each kind may be an instance of (directly or one P279 up).
KIND_TYPES: dict[str, frozenset[str]] = {
    "model": frozenset({"Q115305900", "Q192776"}),  # large language model; neural network
    "organisation": frozenset(
        {"Q43229", "Q4830453", "Q783794", "Q163740", "Q31855", "Q891723", "Q6881511"}
    ),  # organization, business, company, nonprofit, research institute, public company, enterprise
    "dataset": frozenset({"Q1172284"}),  # data set
    "licence": frozenset({"Q79719", "Q207621", "Q3943414"}),  # licence, software/free sw licence
}

#: Weight of each kind of evidence: (what the catalogue states, Wikidata property).
WEIGHTS: dict[tuple[str, str], float] = {
    ("hf", "P856"): 0.95,
    ("hf", "P1324"): 0.95,
    ("repo", "P1324"): 0.9,
    ("repo", "P856"): 0.7,
    ("home", "P856"): 0.9,
    ("home", "P1324"): 0.7,
    ("spdx", "P2479"): 1.0,
    ("github", "P2037"): 0.8,
    ("crunchbase", "P2088"): 0.95,
    ("label", "label"): 0.5,
}
#: A model's homepage is often its producer's: it weighs less than an organisation's.
MODEL_HOME_WEIGHT = 0.7
URL_PROPERTIES = ("P856", "P1324")
STRING_PROPERTIES = {"spdx": "P2479", "github": "P2037", "crunchbase": "P2088"}
#: How far the best item must score above the next to be accepted.
MARGIN = 0.05
#: Candidates below this score are not kept.
MIN_CANDIDATE = 0.25


@dataclass
class Entity:
    """One thing of the catalogue to link, with the identifiers it states."""

    iri: str
    kind: Kind
    label: str | None = None
    urls: list[tuple[str, str]] = field(default_factory=list)  # (role, url)
    ids: list[tuple[str, str]] = field(default_factory=list)  # (scheme, value)


@dataclass(frozen=True)
class Evidence:
    item: str
    what: str  # hf, repo, home, spdx, github, crunchbase, label
    prop: str  # P856, ..., or label
    value: str
    weight: float
    query: int = 0  # the number (from 1) of the query whose answer held it

    def text(self) -> str:
        where = f"wdt:{self.prop}" if self.prop != "label" else "label"
        return f"{self.what} {self.value} = {where} of wd:{self.item}"


@dataclass
class Match:
    """An entity and a Wikidata item, with the evidence and its score."""

    entity: Entity
    item: str  # the QID
    score: float
    evidence: list[Evidence]
    item_label: str | None = None
    accepted: bool = False
    note: str = ""

    @property
    def item_iri(self) -> str:
        return str(WD[self.item])

    def justification(self) -> str:
        """SEMAPV's name of how it was found."""
        if any(e.what != "label" for e in self.evidence):
            return "DatabaseCrossReference"
        return "LexicalMatching"


# -- the catalogue's side -------------------------------------------------------------------


def url_key(url: str) -> str:
    """A URL as compared: no scheme, no ``www.``, no trailing slash, lower case.

    >>> url_key("https://www.Eleuther.ai/")
    'eleuther.ai'
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}".lower()


def url_variants(url: str) -> list[str]:
    """The spellings of a URL Wikidata may hold (scheme, ``www.``, trailing slash, case).

    >>> len(url_variants("https://github.com/EleutherAI/pythia")), len(url_variants("https://a.org"))
    (16, 8)
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    found = []
    for spelling in dict.fromkeys((path, path.lower())):  # GitHub and the Hub ignore case
        for scheme in ("https", "http"):
            for prefix in ("", "www."):
                for tail in ("", "/"):
                    text = f"{scheme}://{prefix}{host}{spelling}{tail}"
                    if _SAFE_IRI.fullmatch(text):
                        found.append(text)
    return found


_SAFE_IRI = re.compile(r"[^\s<>\"{}|\\^`]+")
_GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/([A-Za-z0-9-]+)(?:/|$)")
_CRUNCHBASE = re.compile(r"^https?://(?:www\.)?crunchbase\.com/organization/([a-z0-9-]+)")


def catalogue_entities(store: Store) -> list[Entity]:
    """The models, organisations and datasets of the store, and the licences they use."""
    entities: dict[str, Entity] = {}

    def get(iri: str, kind: Kind) -> Entity:
        return entities.setdefault(iri, Entity(iri, kind))

    rows = store.select(
        f"""SELECT ?e ?kind ?name ?p ?url WHERE {{
          VALUES (?class ?kind) {{ (<{MOF.Model}> "model") (<{MOF.Organisation}> "organisation")
                                  (<{MOF.Dataset}> "dataset") }}
          ?e a ?class .
          OPTIONAL {{ ?e <{SCHEMA.name}>|<{RDFS.label}> ?name }}
          OPTIONAL {{ VALUES ?p {{ <{MOF.huggingFacePage}> <{MOF.codeRepository}>
                                   <{MOF.homepage}> <{RDFS.seeAlso}> <{OWL.sameAs}> }}
                      ?e ?p ?url FILTER(isIRI(?url)) }}
        }}"""
    )
    roles = {
        str(MOF.huggingFacePage): "hf",
        str(MOF.codeRepository): "repo",
        str(MOF.homepage): "home",
    }
    for row in rows:
        entity = get(str(row["e"]), str(row["kind"]))  # type: ignore[arg-type]  # from VALUES
        if "name" in row and entity.label is None:
            entity.label = str(row["name"])
        if "url" in row:
            url = str(row["url"])
            found = _CRUNCHBASE.match(url)
            if found and ("crunchbase", found.group(1)) not in entity.ids:
                entity.ids.append(("crunchbase", found.group(1)))
            role = roles.get(str(row["p"]))
            if role is None:  # rdfs:seeAlso, owl:sameAs: only for the ids they hold
                continue
            if role == "home" and "huggingface.co/" in url and entity.kind == "dataset":
                role = "hf"
            if (role, url) not in entity.urls:
                entity.urls.append((role, url))
    # An organisation's GitHub user name: the owner of its models' code repositories.
    for row in store.select(
        f"""SELECT DISTINCT ?o ?repo WHERE {{
          ?m <{MOF.producer}> ?o ; <{MOF.codeRepository}> ?repo . ?o a <{MOF.Organisation}> }}"""
    ):
        found = _GITHUB.match(str(row["repo"]))
        org = entities.get(str(row["o"]))
        if found and org is not None and ("github", found.group(1)) not in org.ids:
            org.ids.append(("github", found.group(1)))
    for row in store.select(
        f"""SELECT ?l ?id ?name WHERE {{
          ?l a <{MOF.Licence}> .
          FILTER EXISTS {{ GRAPH ?g {{ ?x ?p ?l }} FILTER(?g != <{LICENCE_GRAPH}>) }}
          OPTIONAL {{ ?l <{SPDX.licenseId}> ?id }}
          OPTIONAL {{ ?l <{RDFS.label}> ?name }}
        }}"""
    ):
        licence = get(str(row["l"]), "licence")
        if "name" in row and licence.label is None:
            licence.label = str(row["name"])
        if "id" in row and ("spdx", str(row["id"])) not in licence.ids:
            licence.ids.append(("spdx", str(row["id"])))
    return sorted(entities.values(), key=lambda e: (e.kind, e.iri))


# -- the queries ----------------------------------------------------------------------------


def _literal(text: str, lang: str | None = None) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def _batches(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_TYPES = """OPTIONAL { ?item wdt:P31 ?type . OPTIONAL { ?type wdt:P279 ?super } }
  OPTIONAL { ?item rdfs:label ?itemLabel . FILTER(LANGMATCHES(LANG(?itemLabel), "en")) }"""
_PROLOGUE = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
"""


def url_query(urls: Iterable[str]) -> str:
    values = " ".join(f"<{u}>" for u in urls)
    props = " ".join(f"wdt:{p}" for p in URL_PROPERTIES)
    return f"""{_PROLOGUE}SELECT ?value ?prop ?item ?type ?super ?itemLabel WHERE {{
  VALUES ?value {{ {values} }}
  VALUES ?prop {{ {props} }}
  ?item ?prop ?value .
  {_TYPES}
}}"""


def string_query(prop: str, values: Iterable[str]) -> str:
    listed = " ".join(_literal(v) for v in values)
    return f"""{_PROLOGUE}SELECT ?value ?item ?type ?super ?itemLabel WHERE {{
  VALUES ?value {{ {listed} }}
  ?item wdt:{prop} ?value .
  {_TYPES}
}}"""


def label_query(labels: Iterable[str]) -> str:
    listed = " ".join(_literal(v, "en") for v in labels)
    return f"""{_PROLOGUE}SELECT ?value ?item ?type ?super ?itemLabel WHERE {{
  VALUES ?value {{ {listed} }}
  {{ ?item rdfs:label ?value }} UNION {{ ?item schema:name ?value }}
  {_TYPES}
}}"""


@dataclass
class _Found:
    """What the endpoint said of the items it returned."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, str] = field(default_factory=dict)
    # (what, key) -> {(item, prop)}
    hits: dict[tuple[str, str], set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    # ((what, key), item) -> the number of the query that said so
    queries: dict[tuple[tuple[str, str], str], int] = field(default_factory=dict)

    def note(self, row: dict[str, str]) -> str:
        item = _qid(row["item"])
        for name in ("type", "super"):
            if name in row:
                self.types[item].add(_qid(row[name]))
        if "itemLabel" in row:
            self.labels.setdefault(item, row["itemLabel"])
        return item


def _qid(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def ask_wikidata(client: WikidataClient, entities: list[Entity], *, batch: int) -> _Found:
    """Ask the endpoint for every identifier and label of the entities, in batches."""
    found = _Found()
    urls = sorted({url for e in entities for _, url in e.urls})
    for chunk in _batches(urls, batch):  # each URL with all its spellings
        spellings = sorted({v for u in chunk for v in url_variants(u)})
        for row in client.select(url_query(spellings)):
            item = found.note(row)
            key = ("url", url_key(row["value"]))
            found.hits[key].add((item, _qid(row["prop"])))
            found.queries[(key, item)] = len(client.sent)
    for scheme, prop in STRING_PROPERTIES.items():
        values = sorted({v for e in entities for s, v in e.ids if s == scheme})
        for chunk in _batches(values, batch):
            for row in client.select(string_query(prop, chunk)):
                item = found.note(row)
                found.hits[(scheme, row["value"])].add((item, prop))
                found.queries[((scheme, row["value"]), item)] = len(client.sent)
    labels = sorted({e.label for e in entities if e.label})
    for chunk in _batches(labels, batch):
        for row in client.select(label_query(chunk)):
            item = found.note(row)
            found.hits[("label", row["value"])].add((item, "label"))
            found.queries[(("label", row["value"]), item)] = len(client.sent)
    return found


# -- scoring --------------------------------------------------------------------------------


def _type_factor(kind: str, types: set[str]) -> float | None:
    """1 if the item's type fits the kind, 0.8 if it has none, None if it has another."""
    if not types:
        return 0.8
    return 1.0 if types & KIND_TYPES[kind] else None


def score_matches(entities: list[Entity], found: _Found, *, threshold: float) -> list[Match]:
    """Every entity's matches, scored; the accepted ones marked."""
    by_entity: dict[str, dict[str, list[Evidence]]] = {}
    for entity in entities:
        items: dict[str, list[Evidence]] = defaultdict(list)
        pieces = [(role, "url", url_key(u), u) for role, u in entity.urls]
        pieces += [(s, s, v, v) for s, v in entity.ids]
        if entity.label:
            pieces.append(("label", "label", entity.label, entity.label))
        for what, space, key, shown in pieces:
            hits = found.hits.get((space, key), set())
            shared = len({item for item, _ in hits}) > 1
            for item, prop in sorted(hits):
                weight = WEIGHTS.get((what, prop))
                if weight is None:
                    continue
                if what == "home" and entity.kind == "model":
                    weight = min(weight, MODEL_HOME_WEIGHT)
                factor = _type_factor(entity.kind, found.types.get(item, set()))
                if factor is None:
                    continue
                weight *= factor * (0.5 if shared else 1.0)
                query = found.queries.get(((space, key), item), 0)
                items[item].append(Evidence(item, what, prop, shown, weight, query))
        by_entity[entity.iri] = items
    # An item found by identifier for two entities of one kind tells neither apart.
    claimed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entity in entities:
        for item, evidence in by_entity[entity.iri].items():
            if any(e.what != "label" for e in evidence):
                claimed[(entity.kind, item)].add(entity.iri)
    matches: list[Match] = []
    for entity in entities:
        mine: list[Match] = []
        for item, evidence in by_entity[entity.iri].items():
            halve = len(claimed[(entity.kind, item)]) > 1
            remaining = 1.0
            for piece in evidence:
                is_id = piece.what != "label"
                remaining *= 1 - piece.weight * (0.5 if halve and is_id else 1.0)
            score = round(1 - remaining, 3)
            if score < MIN_CANDIDATE:
                continue
            note = ""
            if halve:
                others = sorted(claimed[(entity.kind, item)] - {entity.iri})
                note = f"the same item is found for {', '.join(others)}"
            mine.append(Match(entity, item, score, evidence, found.labels.get(item), note=note))
        mine.sort(key=lambda m: (-m.score, m.item))
        if mine and mine[0].score >= threshold and not mine[0].note:
            rival = mine[1].score if len(mine) > 1 else 0.0
            if round(mine[0].score - rival, 3) >= MARGIN:
                mine[0].accepted = True
            else:
                mine[0].note = f"{mine[1].item} scores {rival} too (within {MARGIN})"
        matches += mine
    return matches
