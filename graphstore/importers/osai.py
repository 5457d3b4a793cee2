"""The European Open Source AI Index (osai-index.eu), read and checked before it becomes RDF.

The Index (Liesenfeld, Dingemanse et al., Radboud University; doi:10.5281/zenodo.15386042,
CC-BY-4.0) is a folder: one YAML file per model (``<Model>.yaml``, with ``system``, ``org`` and
one ``class`` / ``link`` / ``notes`` triple per dimension), ``_parameters.yml`` (the dimensions,
in categories, with the model types each applies to), ``_parameters-descriptions.yml`` (their
questions), ``.zenodo.json`` or ``zenodo.json`` (title, creators, licence) and ``readme.md``
(which carries the DOI). The model files sit at the root (as upstream) or in ``models/``.

:func:`read_index` reads all of it and checks every file before anything is produced; a problem
is reported as ``file:line: reason`` and nothing is imported (:class:`IndexErrors`). The RDF is
made by :mod:`mofkg.graphstore.importers.osai_rdf`.

>>> split_types("text, code")
('text', 'code')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]  # same interface

from mofkg.graphstore.errors import MofkgError

GRADES = ("open", "partial", "closed")
PARAMETERS = "_parameters.yml"
DESCRIPTIONS = "_parameters-descriptions.yml"
TEMPLATE = "a_submission_template.yaml"
SYSTEM_FIELDS = frozenset(
    {"name", "link", "type", "performanceclass", "basemodelname", "endmodelname"}
    | {"endmodellicense", "releasedate", "notes"}
)
#: Spellings of system fields found in the Index's records, read as the field they mean.
SYSTEM_ALIASES = {"endmodel license": "endmodellicense"}
ORG_FIELDS = frozenset({"name", "link", "notes"})
GRADING_FIELDS = frozenset({"class", "link", "notes"})
_DOI = re.compile(r"(?:doi\.org/|doi:)(10\.\d{4,9}/[^\s)\]\"'>]+)", re.I)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file of the Index, at a line (0 when the file is missing)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}:{self.line}: {self.message}"
            if self.line
            else (f"{self.source}: {self.message}")
        )


class IndexErrors(MofkgError):
    """Every problem found in the Index's files; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = f"{len(problems)} problem(s) in the Index's files, nothing imported"
        super().__init__("\n".join([summary + ":", *(f"  {p}" for p in problems)]))


@dataclass(frozen=True)
class Dimension:
    """One dimension of ``_parameters.yml``, in its category, with its question."""

    ref: str
    name: str
    category: str
    category_name: str
    types: tuple[str, ...]
    description: str | None
    order: int


@dataclass(frozen=True)
class Grading:
    """What a record says on one dimension: the grade (None when left empty), links, notes."""

    grade: str | None
    links: tuple[str, ...]
    notes: str | None
    line: int


@dataclass
class IndexRecord:
    """One model file of the Index."""

    file: str
    system: dict[str, str]
    org: dict[str, str]
    types: tuple[str, ...]
    gradings: dict[str, Grading]
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class IndexRelease:
    """The Index as a whole: its DOI, title, licence and creators, its dimensions, its records."""

    folder: Path
    doi: str
    title: str
    licence: str | None
    creators: list[dict[str, str]]
    dimensions: list[Dimension]
    records: list[IndexRecord]
    warnings: list[str] = field(default_factory=list)


class _Mapping(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key."""

    lines: dict[Any, int]
    line: int


class _Loader(_SafeLoader):
    """Safe YAML that keeps dates as written and the line of every key; a key given twice is
    an error (plain YAML keeps the last silently)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    out = _Mapping()
    out.lines, out.line = {}, node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            raise yaml.constructor.ConstructorError(
                None, None, "a key that is not a scalar", key_node.start_mark
            )
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def split_types(text: str) -> tuple[str, ...]:
    """A record's ``system.type``, split at commas as the Index's site splits it."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _load_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, 0, f"cannot read: {exc}"))
        return None
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                problems.append(Problem(path.name, event.start_mark.line + 1, "a YAML alias (*)"))
                return None
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        column = f", column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(path.name, line, f"not YAML{column}: {reason}"))
        return None


def _line(mapping: Any, key: Any) -> int:
    if isinstance(mapping, _Mapping):
        return mapping.lines.get(key, mapping.line)
    return 1


def _text(value: Any) -> str | None:
    """A scalar as text (numbers and booleans as written by YAML's plain form); None if empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def read_dimensions(folder: Path, problems: list[Problem]) -> list[Dimension]:
    """The dimensions of ``_parameters.yml``, each with its question from the descriptions."""
    path = folder / PARAMETERS
    if not path.is_file():
        problems.append(Problem(PARAMETERS, 0, f"not found in {folder}"))
        return []
    data = _load_yaml(path, problems)
    described = (
        _load_yaml(folder / DESCRIPTIONS, problems) if (folder / DESCRIPTIONS).is_file() else {}
    )
    if data is None:
        return []
    if not isinstance(data, list) or not data:
        problems.append(Problem(PARAMETERS, 1, "must be a list of categories"))
        return []
    if described is not None and not isinstance(described, dict):
        problems.append(Problem(DESCRIPTIONS, 1, "must map each dimension to its text"))
    if not isinstance(described, dict):  # not a mapping, or empty or not YAML (reported)
        described = {}
    dimensions: list[Dimension] = []
    seen: set[str] = set()
    for category in data:
        where = _line(category, None)
        if (
            not isinstance(category, dict)
            or not all(isinstance(category.get(k), str) and category[k] for k in ("ref", "name"))
            or not isinstance(category.get("params"), list)
        ):
            problems.append(Problem(PARAMETERS, where, "a category needs ref, name and params"))
            continue
        for param in category["params"]:
            line = _line(param, None)
            ok = isinstance(param, dict) and all(
                isinstance(param.get(k), str) and param[k].strip() for k in ("ref", "name")
            )
            types = param.get("types") if isinstance(param, dict) else None
            if not ok or not isinstance(types, list) or not all(isinstance(t, str) for t in types):
                problems.append(Problem(PARAMETERS, line, "a dimension needs ref, name and types"))
                continue
            ref = param["ref"].strip()
            if ref in seen or ref in ("system", "org"):
                problems.append(Problem(PARAMETERS, _line(param, "ref"), f"{ref!r} twice"))
                continue
            seen.add(ref)
            text = described.get(ref)
            if isinstance(text, dict):
                text = text.get("en")
            dimensions.append(
                Dimension(
                    ref=ref,
                    name=param["name"].strip(),
                    category=category["ref"].strip(),
                    category_name=category["name"].strip(),
                    types=tuple(t.strip() for t in types if t.strip()),
                    description=_text(text),
                    order=len(dimensions),
                )
            )
    return dimensions


def read_release(
    folder: Path, problems: list[Problem]
) -> tuple[str, str, str | None, list[dict[str, str]]]:
    """DOI, title, licence and creators, from ``.zenodo.json`` (or ``zenodo.json``) and the
    DOI badge of ``readme.md``."""
    meta: dict[str, Any] = {}
    for name in (".zenodo.json", "zenodo.json"):
        path = folder / name
        if path.is_file():
            try:
                loaded = json.loads(path.read_text("utf-8"))
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(name, exc.lineno, f"not JSON (column {exc.colno}): {exc.msg}")
                )
                loaded = {}
            if not isinstance(loaded, dict):
                problems.append(Problem(name, 1, "must be a JSON object"))
                loaded = {}
            meta = loaded
            break
    doi = meta.get("doi") if isinstance(meta.get("doi"), str) else None
    readme = folder / "readme.md"
    if doi is None and not readme.is_file():
        readme = folder / "README.md"
    if doi is None and readme.is_file():
        found = _DOI.search(readme.read_text("utf-8", errors="replace"))
        doi = found.group(1) if found else None
    if doi is None:
        problems.append(Problem("readme.md", 0, "no DOI of the Index (doi.org/10.… or doi:10.…)"))
    creators = [
        {k: str(v) for k, v in c.items() if k in ("name", "orcid", "affiliation") and v}
        for c in meta.get("creators", [])
        if isinstance(c, dict) and c.get("name")
    ]
    licence = meta.get("license")
    licence_id = licence.get("id") if isinstance(licence, dict) else licence
    title = (
        meta.get("title") if isinstance(meta.get("title"), str) else "European Open Source AI Index"
    )
    licence_text = licence_id if isinstance(licence_id, str) else None
    return doi or "", str(title), licence_text, creators


def _links(value: Any) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    if not all(v is None or isinstance(v, str) for v in items):
        return None
    return tuple(v.strip() for v in items if isinstance(v, str) and v.strip())


class _Checker:
    """Collects the problems of one record file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, mapping: Any, key: Any, message: str) -> None:
        self.problems.append(Problem(self.name, _line(mapping, key), message))

    def section(
        self, data: dict[Any, Any], section: str
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """``system`` or ``org``: its fields as text (links joined by newlines), and the fields
        the template does not have (kept as notes)."""
        known = SYSTEM_FIELDS if section == "system" else ORG_FIELDS
        block = data.get(section)
        if not isinstance(block, dict):
            self.problem(data, section, f"{section} must be a mapping")
            return {}, []
        values: dict[str, str] = {}
        extra: list[tuple[str, str]] = []
        for key, value in block.items():
            if key == "link":
                links = _links(value)
                if links is None:
                    self.problem(block, key, f"{section}.link must be a URL or a list of URLs")
                elif links:
                    values["link"] = "\n".join(links)
                continue
            if isinstance(value, dict | list):
                self.problem(block, key, f"{section}.{key} must be text")
                continue
            text = _text(value)
            field_name = SYSTEM_ALIASES.get(str(key), str(key)) if section == "system" else str(key)
            if text is None:
                continue
            if field_name in known:
                values[field_name] = text
            else:
                extra.append((f"{section}.{key}", text))
        if "name" not in values:
            self.problem(block, "name", f"{section}.name is missing or empty")
        return values, extra

    def types(
        self, data: dict[Any, Any], system: dict[str, str], graded: set[str]
    ) -> tuple[str, ...]:
        types = split_types(system.get("type", ""))
        block = data.get("system")
        if not types:
            self.problem(block, "type", "system.type is missing or empty")
        for t in types:
            if t not in graded:
                known = ", ".join(sorted(graded))
                self.problem(
                    block, "type", f"type {t!r} is none of the types {PARAMETERS} grades ({known})"
                )
        return types

    def grading(self, data: dict[Any, Any], ref: str) -> Grading | None:
        block = data.get(ref)
        if not isinstance(block, dict):
            self.problem(
                data,
                ref,
                f"{ref} must be a mapping with class, link and notes"
                if ref in data
                else f"no {ref} (every dimension needs its class, link and notes)",
            )
            return None
        for key in block:
            if key not in GRADING_FIELDS:
                self.problem(
                    block, key, f"unknown field {ref}.{key} (a dimension has class, link and notes)"
                )
        raw, notes = block.get("class"), block.get("notes")
        grade = None if isinstance(raw, dict | list) else _text(raw)
        if isinstance(raw, dict | list) or (grade is not None and grade not in GRADES):
            self.problem(
                block, "class", f"{ref}.class {raw!r} is not open, partial or closed (or empty)"
            )
        links = _links(block.get("link"))
        if links is None:
            self.problem(block, "link", f"{ref}.link must be a URL or a list of URLs")
        if isinstance(notes, dict | list):
            self.problem(block, "notes", f"{ref}.notes must be text")
            notes = None
        return Grading(grade, links or (), _text(notes), _line(data, ref))


def check_record(
    path: Path, data: Any, dimensions: list[Dimension]
) -> tuple[IndexRecord | None, list[Problem]]:
    """One model file checked against the Index's template and dimensions."""
    check = _Checker(path.name)
    if not isinstance(data, dict):
        check.problem(data, None, "a record must be a YAML mapping")
        return None, check.problems
    refs = [d.ref for d in dimensions]
    for key in data:
        if key not in refs and key not in ("system", "org"):
            where = f"not system, org or a dimension of {PARAMETERS}"
            check.problem(data, key, f"unknown field {key!r} ({where})")
    system, extra = check.section(data, "system")
    org, org_extra = check.section(data, "org")
    types = check.types(data, system, {t for d in dimensions for t in d.types}) if system else ()
    gradings = {ref: check.grading(data, ref) for ref in refs}
    if check.problems:
        return None, check.problems
    graded = {ref: g for ref, g in gradings.items() if g is not None}
    return IndexRecord(path.name, system, org, types, graded, extra + org_extra), []


def _model_files(path: Path) -> tuple[Path, list[Path]]:
    """The Index's folder (holding _parameters.yml) and its model files."""
    folder = path
    if not (folder / PARAMETERS).is_file() and (folder.parent / PARAMETERS).is_file():
        folder = folder.parent
    models = folder / "models" if (folder / "models").is_dir() else folder
    if path != folder and path.is_dir():
        models = path
    files = sorted(
        p
        for p in models.iterdir()
        if p.suffix in (".yaml", ".yml") and p.name != TEMPLATE and not p.name.startswith("_")
    )
    return folder, files


def read_index(path: Path | str) -> IndexRelease:
    """Read and check the whole Index at ``path`` (its folder, or its ``models/`` folder).

    Raises :class:`IndexErrors` naming every problem (file, line, reason); nothing is returned
    unless every file is as the Index's template says.
    """
    path = Path(path)
    if not path.is_dir():
        raise IndexErrors(
            [Problem(str(path), 0, "not a folder (give the Index's folder or its models/)")]
        )
    folder, files = _model_files(path)
    problems: list[Problem] = []
    dimensions = read_dimensions(folder, problems)
    doi, title, licence, creators = read_release(folder, problems)
    if not files:
        problems.append(Problem(str(path), 0, "no model files (*.yaml) found"))
    records: list[IndexRecord] = []
    warnings: list[str] = []
    if dimensions:
        for file in files:
            data = _load_yaml(file, problems)
            if data is None:
                continue
            record, found = check_record(file, data, dimensions)
            problems += found
            if record is not None:
                records.append(record)
                warnings += [
                    f"{record.file}: {key} is not a field of the Index's template; kept as a note"
                    for key, _ in record.extra
                ]
    if problems:
        raise IndexErrors(problems)
    return IndexRelease(folder, doi, title, licence, creators, dimensions, records, warnings)
