"""Model Openness Tool (MOT) YAML records, imported as mofkg RDF and exported back.

A MOT record (``models/<name>.yml`` in lfai/model_openness_tool) describes one model release
and the MOF components it includes. :func:`import_mot` reads records, checks every one against
MOT's JSON Schema before producing anything, and turns each into one graph, to be stored in
the named graph ``graph:source/mot/<file name>``. :func:`export_record` writes a record back
from the RDF of one model; import, export, import gives an isomorphic graph. The mapping
itself, and the rules for licences, empty values and URLs, are in
:mod:`mofkg.graphstore.importers.mot_rdf`.

The schema ships as ``graphstore/data/mot-record-schema.json``: a verbatim copy of
``schema/mof_schema.json`` from lfai/model_openness_tool@8b5d30e9 (MIT licence). Records also
carry ``release.repository`` and ``release.huggingface``, which it does not declare; they are
accepted as strings. Formats (``"format": "date"``) are not enforced by the check: an invalid
date is kept as text with a warning. YAML dates stay the text they were written as.

Model IRIs: ``Ids.model(release name)``, kept apart when two records (or a record and a model
already stored) would share one: see :func:`assign_model_iris`.

>>> field_path(["release", "components", 3, "name"])
'release.components[3].name'
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import jsonschema
import yaml
from rdflib import Graph, URIRef

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]  # same interface

from mofkg.graphstore.errors import RecordError
from mofkg.graphstore.importers.mot_rdf import (
    RELEASE_LICENCES,
    LicenceResolver,
    MotRecord,
    convert_record,
    dump_record_yaml,
    export_record,
    mot_component_types,
    record_to_graph,
    spdx_exact,
)
from mofkg.graphstore.namespaces import DEFAULT_IDS, Ids, slug, source_graph

__all__ = [
    "ImportErrors",
    "ImportResult",
    "ImportedRecord",
    "LicenceResolver",
    "MotRecord",
    "RecordSyntaxError",
    "SCHEMA_ORIGIN",
    "assign_model_iris",
    "dump_record_yaml",
    "export_record",
    "import_mot",
    "mot_component_types",
    "parse_record",
    "read_records",
    "record_schema",
    "record_to_graph",
    "spdx_exact",
]

SCHEMA_ORIGIN = "lfai/model_openness_tool@8b5d30e9 schema/mof_schema.json (MIT)"
_RELEASE_URL_KEYS = ("repository", "huggingface")

_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"framework", "release"}),
    "framework": frozenset({"name", "version", "date"}),
    "release": frozenset(
        {"name", "version", "date", "license", "type", "architecture", "treatment", "origin"}
        | {"producer", "contact", "repository", "huggingface", "components"}
    ),
    "release.license": frozenset(RELEASE_LICENCES),
    "licence": frozenset({"name", "path"}),
    "component": frozenset({"name", "description", "license", "license_path", "component_path"}),
}
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


@dataclass
class ImportedRecord:
    """What one record became: its graph, the named graph to hold it, its model IRI."""

    path: Path
    graph_iri: URIRef
    graph: Graph
    model: URIRef
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """The records of one import, in file order."""

    records: list[ImportedRecord]

    @property
    def warnings(self) -> list[str]:
        """Every record's warnings, each prefixed by its file name."""
        return [f"{r.path.name}: {w}" for r in self.records for w in r.warnings]

    def graphs(self) -> dict[str, Graph]:
        """Named graph IRI → graph, as :meth:`mofkg.graphstore.store.embedded.Store.replace_graphs`
        takes it."""
        return {str(r.graph_iri): r.graph for r in self.records}


class RecordSyntaxError(RecordError):
    """A record that is not YAML, with the line and column (1-based) where parsing stopped."""

    def __init__(self, source: str, message: str, *, line: int, column: int) -> None:
        super().__init__(source, f"line {line}, column {column}", message)
        self.line = line
        self.column = column
        self.args = (f"{source}:{line}:{column}: {message}",)

    def __str__(self) -> str:
        return str(self.args[0])


class ImportErrors(RecordError):
    """Every problem found in the records of one import; nothing was imported."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        files = sorted({e.source for e in errors})
        summary = f"{len(errors)} problem(s) in {len(files)} record(s), nothing imported"
        super().__init__(", ".join(files), "", summary)
        self.args = ("\n".join([summary + ":", *(f"  {e}" for e in errors)]),)

    def __str__(self) -> str:
        return str(self.args[0])


# -- reading and checking ----------------------------------------------------------------


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    """MOT's record schema as shipped, extended with release.repository and .huggingface."""
    shipped = resources.files("mofkg.graphstore.data").joinpath("mot-record-schema.json")
    text = shipped.read_text("utf-8")
    schema = cast(dict[str, Any], json.loads(text))
    release = schema["properties"]["release"]["properties"]
    for key in _RELEASE_URL_KEYS:
        release.setdefault(key, {"type": "string"})
    return schema


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = record_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


class _Loader(_SafeLoader):
    """Safe YAML that keeps dates as written (MOT's schema wants strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def field_path(parts: Iterable[str | int]) -> str:
    """A field path as records spell it.

    >>> field_path(["release", "components", 3, "name"])
    'release.components[3].name'
    """
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(document)"


def _schema_errors(source: str, data: Any) -> list[RecordError]:
    errors = []
    for err in _validator().iter_errors(data):
        parts = list(err.absolute_path)
        message = err.message
        missing = _REQUIRED.match(message) if err.validator == "required" else None
        if missing:
            parts.append(missing.group(1))
            message = "required field is missing"
        errors.append(RecordError(source, field_path(parts), message))
    return sorted(errors, key=lambda e: (e.field, e.message))


def _content_errors(source: str, data: dict[str, Any]) -> list[RecordError]:
    """What the schema does not say: known component names, each once; a usable release name."""
    errors = []
    release = data["release"]
    if not re.search(r"[A-Za-z0-9]", release["name"]):
        errors.append(RecordError(source, "release.name", "needs a letter or digit for its IRI"))
    seen: dict[str, int] = {}
    for i, comp in enumerate(release["components"]):
        where = f"release.components[{i}].name"
        name = comp.get("name")
        if name is None:
            errors.append(RecordError(source, where, "required field is missing"))
        elif name not in mot_component_types():
            known = ", ".join(repr(n) for n in mot_component_types())
            errors.append(RecordError(source, where, f"unknown component {name!r}; one of {known}"))
        elif name in seen:
            errors.append(
                RecordError(source, where, f"{name!r} is listed twice (also at [{seen[name]}])")
            )
        else:
            seen[name] = i
    return errors


def _unknown_keys(data: dict[str, Any]) -> list[str]:
    release = data["release"]
    found = [(k, "") for k in data if k not in _KNOWN_KEYS[""]]
    found += [(k, "framework") for k in data["framework"] if k not in _KNOWN_KEYS["framework"]]
    found += [(k, "release") for k in release if k not in _KNOWN_KEYS["release"]]
    for kind, entry in release["license"].items():
        if kind not in _KNOWN_KEYS["release.license"]:
            found.append((kind, "release.license"))
        elif isinstance(entry, dict):
            known = _KNOWN_KEYS["licence"]
            found += [(k, f"release.license.{kind}") for k in entry if k not in known]
    for i, comp in enumerate(release["components"]):
        found += [
            (k, f"release.components[{i}]") for k in comp if k not in _KNOWN_KEYS["component"]
        ]
    return [f"{field_path([p, k] if p else [k])}: not a MOT field, ignored" for k, p in found]


def _first_alias(text: str) -> tuple[int, int] | None:
    """Line and column of the first YAML alias: MOT records have none, and nested ones explode."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            return event.start_mark.line + 1, event.start_mark.column + 1
    return None


def parse_record(path: Path) -> tuple[MotRecord | None, list[RecordError]]:
    """Parse and check one record file: the record, or None and every problem found."""
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return None, [RecordError(source, "(file)", f"cannot read: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return None, [RecordError(source, "(file)", f"not UTF-8: {exc.reason} at byte {exc.start}")]
    try:
        alias = _first_alias(text)
        data: Any = yaml.load(text, Loader=_Loader) if alias is None else None  # plain data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [RecordSyntaxError(source, message, line=line, column=column)]
    except yaml.YAMLError as exc:
        return None, [RecordSyntaxError(source, str(exc), line=1, column=1)]
    if alias is not None:
        message = "YAML aliases (*name) are not accepted in MOT records"
        return None, [RecordSyntaxError(source, message, line=alias[0], column=alias[1])]
    errors = _schema_errors(source, data)
    if not errors:
        errors = _content_errors(source, data)
    if errors:
        return None, errors
    return MotRecord(path=path, data=data, warnings=tuple(_unknown_keys(data))), []


def _record_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[RecordError]]:
    files: dict[Path, Path] = {}
    errors = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = [f for f in p.iterdir() if f.suffix in (".yml", ".yaml") and f.is_file()]
        elif p.exists():
            found = [p]
        else:
            errors.append(RecordError(str(p), "(file)", "no such file or folder"))
            found = []
        for f in found:
            files.setdefault(f.resolve(), f)
    by_name: dict[str, Path] = {}
    for f in sorted(files.values(), key=lambda f: (f.name, str(f))):
        if f.name in by_name:
            message = f"has the same file name as {by_name[f.name]} (one graph per file name)"
            errors.append(RecordError(str(f), "(file)", message))
        by_name.setdefault(f.name, f)
    return sorted(files.values(), key=str), errors


def read_records(paths: Iterable[Path | str]) -> list[MotRecord]:
    """Read and check records from files and folders (``*.yml``, ``*.yaml``), sorted by path.

    Every file is checked before any is returned: :class:`ImportErrors` lists every problem
    of every bad file.
    """
    files, errors = _record_files(paths)
    records = []
    for f in files:
        record, problems = parse_record(f)
        errors += problems
        if record is not None:
            records.append(record)
    if errors:
        raise ImportErrors(errors)
    return records


def _keeper_rank(r: MotRecord) -> tuple[bool, bool, bool, str, str]:
    """Prefer a name its slug spells exactly, then a file named after the release, then one
    whose name gives the same slug, then the first file name."""
    name, stem = r.release_name, r.path.stem
    return (slug(name) != name, stem != name, slug(stem) != slug(name), r.file_name, str(r.path))


def assign_model_iris(
    records: list[MotRecord], *, ids: Ids = DEFAULT_IDS, existing: Collection[URIRef] = ()
) -> tuple[dict[Path, URIRef], dict[Path, str]]:
    """Model IRIs that keep records apart, and a warning per record whose IRI was changed.

    A record keeps ``ids.model(release name)`` unless another record of the import or an
    ``existing`` model has it. Among records that share one, the record the IRI names best
    keeps it (see :func:`_keeper_rank`); the others get ``<slug>--<file stem slug>`` (and
    ``-2``, ``-3`` ... if that is taken).
    """
    groups: dict[URIRef, list[MotRecord]] = {}
    for r in sorted(records, key=lambda r: (r.file_name, str(r.path))):
        groups.setdefault(ids.model(r.release_name), []).append(r)
    taken = set(existing)
    iris: dict[Path, URIRef] = {}
    keepers: dict[URIRef, MotRecord] = {}
    for base, group in groups.items():
        if base not in taken:
            keepers[base] = min(group, key=_keeper_rank)
            iris[keepers[base].path] = base
            taken.add(base)
    warnings: dict[Path, str] = {}
    for base, group in groups.items():
        for r in group:
            if r.path in iris:
                continue
            candidate, n = ids.model(f"{slug(r.release_name)}--{slug(r.path.stem)}"), 1
            while candidate in taken:
                n += 1
                candidate = ids.model(f"{slug(r.release_name)}--{slug(r.path.stem)}-{n}")
            iris[r.path] = candidate
            taken.add(candidate)
            other = keepers[base].file_name if base in keepers else "a model already stored"
            warnings[r.path] = (
                f"release name {r.release_name!r} gives the model IRI <{base}>, which "
                f"{other} has too; this record's model is <{candidate}>"
            )
    return iris, warnings


def import_mot(
    paths: Iterable[Path | str],
    *,
    ids: Ids = DEFAULT_IDS,
    licence_resolver: LicenceResolver = spdx_exact,
    existing_models: Collection[URIRef] = (),
) -> ImportResult:
    """Import MOT records from files and folders: one graph per record, or nothing at all.

    Every file is checked first; any problem raises :class:`ImportErrors` listing all of them.
    ``existing_models``: model IRIs already in the store from other sources, to keep apart.
    """
    records = read_records(paths)
    iris, clashes = assign_model_iris(records, ids=ids, existing=existing_models)
    imported = []
    for record in records:
        model = iris[record.path]
        built = convert_record(record, model=model, ids=ids, licence_resolver=licence_resolver)
        warnings = ([clashes[record.path]] if record.path in clashes else []) + built.warnings
        graph_iri = source_graph("mot/" + quote(record.file_name, safe=""))
        imported.append(ImportedRecord(record.path, graph_iri, built.graph, model, warnings))
    return ImportResult(imported)
