"""The LF AI & Data landscape (``landscape.yml`` and its ``config.yml``) as RDF.

Every item of the landscape lands in one graph, ``graph:source/landscape/<file name>``:

- the member companies (the category ``config.yml`` names as ``landscapeMemberCategory``) as
  ``mof:Organisation`` with an ``org:Membership`` of LF AI & Data whose ``org:role`` is their tier
  (``id:role/Premier`` ..., named by ``config.yml``'s ``landscapeMemberClasses``);
- the hosting companies (``Hosting Companies``) as organisations, without a membership;
- every other item as software: ``mof:Framework`` or ``mof:Application`` by the curated mapping
  :data:`FOCUS_AREAS_FILE`, which also gives its focus area; an item with ``project:`` is a
  project LF AI & Data hosts (``mof:hostedBy``) at that maturity (``mof:maturity``).

The landscape's categories and subcategories become a SKOS scheme (``id:landscape/categories``),
each subcategory mapped to its focus area with ``skos:broadMatch``. docs/commons.md shows the
shapes. Bad input (YAML syntax, a missing name, an unknown maturity or tier, a malformed
mapping file) is an :class:`InputError` with file and line; nothing is produced.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS

from ..namespaces import DCT, MOF, SCHEMA, Ids, slug, source_graph
from .located_yaml import InputError, LocatedDict, load_located

FOCUS_AREAS_FILE = "landscape-focus-areas.tsv"
FOCUS_AREAS = {"ModelsAndData", "Frameworks", "Applications", "Education"}
KINDS = {"framework": MOF.Framework, "application": MOF.Application}
MATURITIES = {
    "sandbox": MOF.Sandbox,
    "incubating": MOF.Incubating,
    "incubation": MOF.Incubating,  # one item of the landscape spells it so
    "graduated": MOF.Graduated,
    "archived": MOF.Archived,
}
HOSTING_CATEGORY = "Hosting Companies"
HOSTING_SUFFIX = "(hosting)"
#: The foundation the landscape is of: members' memberships and hosted projects point to it.
FOUNDATION_NAME = "LF AI & Data Foundation"
FOUNDATION_SLUG = "LF-AI-and-Data"

LicenceResolver = Callable[[str], URIRef | None]


@dataclass(frozen=True)
class FocusMapping:
    """One row of the focus-area mapping."""

    focus_area: URIRef
    kind: URIRef
    line: int


@dataclass
class FocusAreaMap:
    """The curated mapping: (category, subcategory[, item]) -> focus area and kind."""

    source: str
    rows: dict[tuple[str, str, str], FocusMapping] = field(default_factory=dict)

    def lookup(self, category: str, subcategory: str, item: str) -> FocusMapping | None:
        return self.rows.get((category, subcategory, item)) or self.rows.get(
            (category, subcategory, "")
        )


def read_focus_areas(path: Path | None = None) -> FocusAreaMap:
    """Read the mapping file (the shipped one unless ``path``); refuse a bad row with its line."""
    if path is None:
        text = resources.files("mofkg.graphstore.data").joinpath(FOCUS_AREAS_FILE).read_text()
        source = FOCUS_AREAS_FILE
    else:
        source = str(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(source, None, f"not UTF-8 text: {exc.reason}") from exc
    mapping = FocusAreaMap(source)
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter="\t"))
        if not header_seen:
            expected = ["category", "subcategory", "item", "focus_area", "kind"]
            if cells != expected:
                wanted = "\t".join(expected)
                raise InputError(source, number, f"the header must be {wanted!r}")
            header_seen = True
            continue
        if len(cells) != 5:
            raise InputError(source, number, f"{len(cells)} columns, 5 expected (tab-separated)")
        category, subcategory, item, area, kind = (c.strip() for c in cells)
        if not category or not subcategory:
            raise InputError(source, number, "category and subcategory are required")
        if area not in FOCUS_AREAS:
            raise InputError(
                source, number, f"focus area {area!r} is none of {', '.join(sorted(FOCUS_AREAS))}"
            )
        if kind not in KINDS:
            raise InputError(source, number, f"kind {kind!r} is none of {', '.join(KINDS)}")
        key = (category, subcategory, item)
        if key in mapping.rows:
            raise InputError(
                source, number, f"{key!r} is mapped already on line {mapping.rows[key].line}"
            )
        mapping.rows[key] = FocusMapping(MOF[area], KINDS[kind], number)
    if not header_seen:
        raise InputError(source, None, "no header row")
    return mapping


@dataclass
class LandscapeResult:
    """The graph of one landscape, what it holds, and the warnings on the way."""

    graph_iri: URIRef
    graph: Graph
    counts: dict[str, int]
    warnings: list[str]


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, f"not UTF-8 text: {exc.reason}") from exc
    return load_located(text, str(path))


def _kind(value: Any) -> str:
    """What a YAML value is, in YAML's words."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else f"a {type(value).__name__} ({value!r})"


def _mapping(value: Any, source: str, line: int, what: str) -> LocatedDict:
    if not isinstance(value, LocatedDict):
        raise InputError(source, line, f"{what} must be a mapping, not {_kind(value)}")
    return value


def _list(value: Any, source: str, line: int, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(source, line, f"{what} must be a list, not {_kind(value)}")
    return value


def _name(entry: LocatedDict, source: str, what: str) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(source, entry.line_of("name"), f"{what} without a name")
    return name.strip()


def read_tiers(config: Path) -> tuple[str, dict[str, str]]:
    """The member category and its tiers (subcategory -> membership name) from config.yml."""
    source = str(config)
    data = _mapping(_read_yaml(config), source, 1, "config.yml")
    category = data.get("landscapeMemberCategory")
    if not isinstance(category, str) or not category:
        raise InputError(source, data.line, "no landscapeMemberCategory")
    classes = _list(
        data.get("landscapeMemberClasses"),
        source,
        data.line_of("landscapeMemberClasses"),
        "landscapeMemberClasses",
    )
    tiers: dict[str, str] = {}
    for entry in classes:
        tier = _mapping(entry, source, data.line_of("landscapeMemberClasses"), "a member class")
        name, sub = tier.get("name"), tier.get("category")
        if not isinstance(name, str) or not isinstance(sub, str):
            raise InputError(source, tier.line, "a member class needs a name and a category")
        tiers[sub] = name
    return category, tiers


class _Builder:
    def __init__(
        self, source: str, ids: Ids, focus: FocusAreaMap, licences: LicenceResolver
    ) -> None:
        self.source, self.ids, self.focus, self.licences = source, ids, focus, licences
        self.graph = Graph()
        self.warnings: list[str] = []
        self.counts = {"members": 0, "hosting": 0, "projects": 0, "software": 0}
        self.foundation = ids.organisation(FOUNDATION_SLUG)
        self.scheme = ids.id["landscape/categories"]
        self.seen: dict[URIRef, int] = {}
        g = self.graph
        g.add((self.foundation, RDF.type, MOF.Organisation))
        g.add((self.foundation, RDFS.label, Literal(FOUNDATION_NAME)))
        g.add((self.foundation, MOF.homepage, URIRef("https://lfaidata.foundation/")))
        g.add((self.scheme, RDF.type, SKOS.ConceptScheme))
        g.add((self.scheme, SKOS.prefLabel, Literal("LF AI & Data landscape categories")))

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.graph.add((s, p, o))

    def concept(self, category: str, subcategory: str | None) -> URIRef:
        top = self.ids.id[f"landscape/category/{slug(category)}"]
        self.add(top, RDF.type, SKOS.Concept)
        self.add(top, SKOS.prefLabel, Literal(category))
        self.add(top, SKOS.inScheme, self.scheme)
        self.add(self.scheme, SKOS.hasTopConcept, top)
        if subcategory is None:
            return top
        sub = URIRef(f"{top}/{slug(subcategory)}")
        self.add(sub, RDF.type, SKOS.Concept)
        self.add(sub, SKOS.prefLabel, Literal(subcategory))
        self.add(sub, SKOS.inScheme, self.scheme)
        self.add(sub, SKOS.broader, top)
        return sub

    def links(self, subject: URIRef, item: LocatedDict) -> None:
        for key, prop in (("homepage_url", MOF.homepage), ("crunchbase", MOF.crunchbasePage)):
            self.url(subject, prop, item.get(key), item.line_of(key))
        self.url(subject, MOF.codeRepository, item.get("repo_url"), item.line_of("repo_url"))
        line = item.line_of("additional_repos")
        for extra in _list(
            item.get("additional_repos") or [], self.source, line, "additional_repos"
        ):
            repo = _mapping(extra, self.source, line, "an entry of additional_repos")
            self.url(subject, MOF.codeRepository, repo.get("repo_url"), repo.line_of("repo_url"))
        extra = item.get("extra")
        if extra is not None:
            _mapping(extra, self.source, item.line_of("extra"), "extra")
        linkedin = item.get("linkedin") or (
            extra.get("linkedin_url") if isinstance(extra, dict) else None
        )
        self.url(subject, MOF.linkedInPage, linkedin, item.line_of("linkedin"))
        description = item.get("description")
        if isinstance(description, str) and description.strip():
            self.add(subject, DCT.description, Literal(description.strip()))

    def url(self, subject: URIRef, prop: URIRef, value: Any, line: int) -> None:
        if value is None or value == "":
            return
        text = str(value).strip()
        if not text.startswith(("http://", "https://")) or any(c in text for c in ' <>"{}|\\^`'):
            self.warnings.append(f"{self.source}:{line}: {text!r} is not an http(s) URL; skipped")
            return
        self.add(subject, prop, URIRef(text))

    def member(self, item: LocatedDict, tier: str, tier_name: str, concept: URIRef) -> None:
        name = _name(item, self.source, "a member")
        org = self.organisation(name, item, concept)
        role = self.ids.id[f"role/{slug(tier)}"]
        self.add(role, RDF.type, ORG.Role)
        self.add(role, SKOS.prefLabel, Literal(tier_name))
        self.add(role, RDFS.label, Literal(tier))
        membership = self.ids.id[f"membership/{org.rsplit('/', 1)[-1]}"]
        self.add(membership, RDF.type, MOF.Membership)
        self.add(membership, ORG.member, org)
        self.add(membership, ORG.organization, self.foundation)
        self.add(membership, ORG.role, role)
        self.add(org, MOF.memberOf, self.foundation)
        self.counts["members"] += 1

    def organisation(self, name: str, item: LocatedDict, concept: URIRef) -> URIRef:
        org = self.ids.organisation(name)
        self.add(org, RDF.type, MOF.Organisation)
        self.add(org, RDFS.label, Literal(name))
        self.add(org, MOF.landscapeCategory, concept)
        self.links(org, item)
        return org

    def hosting(self, item: LocatedDict, concept: URIRef) -> None:
        name = _name(item, self.source, "a hosting company")
        named = item.get("organization")
        if isinstance(named, dict) and isinstance(named.get("name"), str):
            name = named["name"].strip()
        elif name.endswith(HOSTING_SUFFIX):
            name = name[: -len(HOSTING_SUFFIX)].strip()
        self.organisation(name, item, concept)
        self.counts["hosting"] += 1

    def software(self, item: LocatedDict, category: str, subcategory: str, concept: URIRef) -> None:
        name = _name(item, self.source, "an item")
        mapping = self.focus.lookup(category, subcategory, name)
        project = self.ids.id[f"project/{slug(name)}"]
        kind = MOF.Framework if mapping is None else mapping.kind
        if mapping is None:
            self.warnings.append(
                f"{self.source}:{item.line}: {category} / {subcategory} is not in "
                f"{self.focus.source}; {name!r} has no focus area (read as a framework)"
            )
        else:
            self.add(project, MOF.focusArea, mapping.focus_area)
            self.add(concept, SKOS.broadMatch, mapping.focus_area)
        if project in self.seen:
            self.warnings.append(
                f"{self.source}:{item.line}: {name!r} is listed on line {self.seen[project]} "
                "too; one project with both categories"
            )
        else:
            self.seen[project] = item.line
        self.add(project, RDF.type, kind)
        self.add(project, SCHEMA.name, Literal(name))
        self.add(project, RDFS.label, Literal(name))
        self.add(project, MOF.landscapeCategory, concept)
        self.links(project, item)
        if (licence := item.get("license")) is not None:
            text = str(licence).strip()
            iri = self.licences(text)
            self.add(project, *((DCT.license, iri) if iri else (MOF.licenceText, Literal(text))))
        maturity = item.get("project")
        if maturity is not None:
            level = MATURITIES.get(str(maturity).strip().lower())
            if level is None:
                raise InputError(
                    self.source,
                    item.line_of("project"),
                    f"{name!r}: maturity {maturity!r} is none of "
                    "sandbox, incubating, graduated, archived",
                )
            self.add(project, MOF.hostedBy, self.foundation)
            self.add(project, MOF.maturity, level)
            self.counts["projects"] += 1
        else:
            self.counts["software"] += 1


def import_landscape(
    path: Path,
    *,
    config: Path | None = None,
    focus_areas: Path | None = None,
    ids: Ids | None = None,
    licence_resolver: LicenceResolver = lambda _text: None,
) -> LandscapeResult:
    """Read a landscape file (and its ``config.yml``, beside it unless ``config``) into a graph.

    Raises :class:`InputError` (file, line, reason) on the first problem; nothing is produced.
    """
    ids = ids or Ids()
    source = str(path)
    focus = read_focus_areas(focus_areas)
    member_category, tiers = read_tiers(config or path.with_name("config.yml"))
    data = _mapping(_read_yaml(path), source, 1, "the landscape")
    categories = _list(data.get("landscape"), source, data.line_of("landscape"), "landscape")
    builder = _Builder(source, ids, focus, licence_resolver)
    for entry in categories:
        cat = _mapping(entry, source, data.line_of("landscape"), "a category")
        category = _name(cat, source, "a category")
        subs = _list(cat.get("subcategories"), source, cat.line, f"{category}: subcategories")
        for sub_entry in subs:
            sub = _mapping(sub_entry, source, cat.line, "a subcategory")
            subcategory = _name(sub, source, f"a subcategory of {category}")
            concept = builder.concept(category, subcategory)
            items = _list(sub.get("items") or [], source, sub.line, f"{subcategory}: items")
            if category == member_category and subcategory not in tiers:
                raise InputError(
                    source,
                    sub.line_of("name"),
                    f"member tier {subcategory!r} is not in config.yml's landscapeMemberClasses "
                    f"({', '.join(tiers)})",
                )
            for item_entry in items:
                item = _mapping(item_entry, source, sub.line, "an item")
                if category == member_category:
                    builder.member(item, subcategory, tiers[subcategory], concept)
                elif category == HOSTING_CATEGORY:
                    builder.hosting(item, concept)
                else:
                    builder.software(item, category, subcategory, concept)
    graph_iri = source_graph("landscape/" + quote(path.name, safe=""))
    return LandscapeResult(graph_iri, builder.graph, builder.counts, builder.warnings)
