"""Openness frameworks, read from their shapes files: classes, requirements, licence checks.

Nothing here knows which components a class needs: a framework is a shapes file
(``shapes/<key>.ttl``) holding one SHACL node shape per requirement, typed ``mof:Requirement``
and annotated with ``mof:framework``, ``mof:forClass``, ``mof:requiresComponentType`` and, where
it applies, ``mof:optional true`` and ``mof:substitute``; licence checks (``mof:LicenceCheck``,
with ``mof:forContentType``) are warnings. The framework's classes (``mof:hasClass``,
``mof:classNumber``, ``skos:prefLabel``, ``mof:implies``) come from the same file. Rules that
derive facts the shapes test (the effective licence) sit beside it as ``<key>-rules.rq``.

>>> framework = load_framework("mof-1.0")
>>> [c.number for c in framework.classes]
[3, 2, 1]
>>> len(framework.counted(framework.classes[-1]))
14
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from ..errors import MofkgError, NotFoundError
from ..namespaces import MOF
from ..resources import shapes_path
from .rules import Rule, read_rules, without_rules


@dataclass(frozen=True)
class OpennessClass:
    """One class of a framework, e.g. MOF Class II."""

    iri: URIRef
    number: int
    label: str
    implies: URIRef | None
    api_label: str  # skos:altLabel (the reference tool's label), else the label
    notation: str = ""  # skos:notation (MOF 1.0: I, II, III), else the class number

    @property
    def short_name(self) -> str:
        """``Class III``: the word "Class" and the class's notation."""
        return f"Class {self.notation or self.number}"


@dataclass(frozen=True)
class Requirement:
    """One requirement shape: a component type a class needs under an open licence."""

    shape: URIRef
    for_class: URIRef
    component_type: URIRef
    optional: bool
    substitute: URIRef | None
    severity: URIRef
    message: str


@dataclass(frozen=True)
class LicenceCheck:
    """A warning shape: components of a content type should have a licence made for it."""

    shape: URIRef
    content_type: URIRef
    severity: URIRef
    message: str
    status: URIRef | None = None  # the status a warning records (mof:status on the shape)


@dataclass(frozen=True)
class Framework:
    """A framework as its shapes file states it."""

    key: str
    iri: URIRef
    shapes_iri: URIRef
    version: str
    shapes_file: Path
    shapes: Graph
    classes: tuple[OpennessClass, ...]  # lowest first: each implied by the next
    requirements: tuple[Requirement, ...]
    licence_checks: tuple[LicenceCheck, ...]
    rules: str | None  # the derivation rules (``<key>-rules.rq``), a CONSTRUCT
    shacl_rules: tuple[Rule, ...] = ()  # SHACL-AF rules of the shapes file, in sh:order
    checks: Graph | None = None  # the shapes the SHACL engine validates (no sh:rule)

    def requirements_for(self, cls: OpennessClass) -> list[Requirement]:
        """Every requirement of a class: its own and those of the classes it implies."""
        wanted = {c.iri for c in self.classes[: self.classes.index(cls) + 1]}
        return [r for r in self.requirements if r.for_class in wanted]

    def counted(self, cls: OpennessClass) -> list[Requirement]:
        """The requirements of a class that count towards its progress (not optional)."""
        return [r for r in self.requirements_for(cls) if not r.optional]

    def component_types(self) -> list[URIRef]:
        """The component types the requirements name (each once, in shape order)."""
        return list(dict.fromkeys(r.component_type for r in self.requirements))

    def class_by_iri(self, iri: URIRef) -> OpennessClass:
        return next(c for c in self.classes if c.iri == iri)


def framework_shapes_path(key: str) -> Path:
    """The shipped shapes file of a framework key such as ``"mof-1.0"``."""
    try:
        return shapes_path(f"{key}.ttl")
    except FileNotFoundError as exc:
        raise NotFoundError(f"no shapes file for the framework {key!r}") from exc


def load_framework(key: str = "mof-1.0", *, shapes: Path | None = None) -> Framework:
    """Read a framework from its shapes file (the shipped one for ``key`` unless given)."""
    path = Path(shapes) if shapes is not None else framework_shapes_path(key)
    return framework_from_graph(key, parse_shapes(path), path, rules=read_rules_file(path))


def _parse(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib's Turtle parser raises many kinds (even IndexError)
        raise MofkgError(f"{path}: cannot read the shapes: {exc!r}") from exc
    return graph


def _ontology_files(folders: list[Path]) -> dict[URIRef, Path]:
    found: dict[URIRef, Path] = {}
    for folder in folders:
        for candidate in sorted(folder.glob("*.ttl")):
            for head in _parse(candidate).subjects(RDF.type, OWL.Ontology):
                if isinstance(head, URIRef):
                    found.setdefault(head, candidate)
    return found


def parse_shapes(path: Path) -> Graph:
    """A shapes file's graph, with the files it imports (``owl:imports``) merged in.

    An import names the ``owl:Ontology`` IRI of a shapes file beside ``path`` or shipped in
    ``shapes/``; the imported file's triples are added but for its ``a owl:Ontology`` (the
    file keeps one head). A file that is not readable Turtle, or an import no file declares,
    is refused, naming it.
    """
    graph = _parse(path)
    imports = [o for o in graph.objects(None, OWL.imports) if isinstance(o, URIRef)]
    if not imports:
        return graph
    shipped = shapes_path("mof-1.0.ttl").parent
    files = _ontology_files(list(dict.fromkeys([path.parent, shipped])))
    seen: set[URIRef] = set()
    while imports:
        iri = imports.pop()
        if iri in seen:
            continue
        seen.add(iri)
        source = files.get(iri)
        if source is None:
            raise MofkgError(f"{path}: owl:imports <{iri}>: no shapes file declares it")
        imported = _parse(source)
        for triple in imported:
            if triple[1] == RDF.type and triple[2] == OWL.Ontology:
                continue
            graph.add(triple)
        imports += [o for o in imported.objects(None, OWL.imports) if isinstance(o, URIRef)]
    return graph


def read_rules_file(path: Path) -> str | None:
    """The derivation rules beside a framework file (``<key>-rules.rq``), if any."""
    rules_file = path.with_name(f"{path.stem}-rules.rq")
    return rules_file.read_text(encoding="utf-8") if rules_file.is_file() else None


def _one(graph: Graph, subject: Node, predicate: URIRef, where: str) -> Node:
    values = list(graph.objects(subject, predicate))
    if len(values) != 1:
        raise MofkgError(f"{where}: {subject} needs exactly one {predicate}, has {len(values)}")
    return values[0]


def _optional_one(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    values = sorted(graph.objects(subject, predicate), key=str)
    return values[0] if values else None


def _optional_iri(graph: Graph, subject: Node, predicate: URIRef, where: str) -> URIRef | None:
    value = _optional_one(graph, subject, predicate)
    return None if value is None else _iri(value, where)


def _iri(node: Node, where: str) -> URIRef:
    if not isinstance(node, URIRef):
        raise MofkgError(f"{where}: expected an IRI, found {node!r}")
    return node


def _classes(graph: Graph, framework: URIRef, where: str) -> tuple[OpennessClass, ...]:
    found: dict[URIRef, OpennessClass] = {}
    for node in graph.objects(framework, MOF.hasClass):
        iri = _iri(node, where)
        number = _one(graph, iri, MOF.classNumber, where)
        label = _one(graph, iri, SKOS.prefLabel, where)
        implies = _optional_one(graph, iri, MOF.implies)
        alt = _optional_one(graph, iri, SKOS.altLabel)
        notation = _optional_one(graph, iri, SKOS.notation)
        found[iri] = OpennessClass(
            iri=iri,
            number=int(number) if isinstance(number, Literal) else 0,
            label=str(label),
            implies=_iri(implies, where) if implies is not None else None,
            api_label=str(alt) if alt is not None else str(label),
            notation=str(notation) if notation is not None else "",
        )
    if not found:
        raise MofkgError(f"{where}: the framework {framework} has no mof:hasClass")
    ordered: list[OpennessClass] = []
    current = [c for c in found.values() if c.implies is None]
    while current:
        if len(current) > 1:
            raise MofkgError(f"{where}: the classes of {framework} are not one chain (mof:implies)")
        ordered.append(current[0])
        current = [c for c in found.values() if c.implies == current[0].iri]
    if len(ordered) != len(found):
        raise MofkgError(f"{where}: the classes of {framework} are not one chain (mof:implies)")
    return tuple(ordered)


def framework_from_graph(
    key: str, graph: Graph, path: Path, *, rules: str | None = None
) -> Framework:
    """Build a :class:`Framework` from a parsed shapes graph."""
    where = str(path)
    heads = list(graph.subjects(RDF.type, OWL.Ontology))
    if len(heads) != 1:
        raise MofkgError(f"{where}: a shapes file needs exactly one owl:Ontology (its IRI)")
    shapes_iri = _iri(heads[0], where)
    framework = _iri(_one(graph, shapes_iri, MOF.framework, where), where)
    version = str(_one(graph, shapes_iri, OWL.versionInfo, where))
    classes = _classes(graph, framework, where)
    class_iris = {c.iri for c in classes}

    requirements = []
    for node in sorted(graph.subjects(RDF.type, MOF.Requirement), key=str):
        shape = _iri(node, where)
        if _one(graph, shape, MOF.framework, where) != framework:
            continue
        for_class = _iri(_one(graph, shape, MOF.forClass, where), where)
        if for_class not in class_iris:
            raise MofkgError(
                f"{where}: {shape}: mof:forClass {for_class} is not a class of {framework}"
            )
        substitute = _optional_one(graph, shape, MOF.substitute)
        requirements.append(
            Requirement(
                shape=shape,
                for_class=for_class,
                component_type=_iri(_one(graph, shape, MOF.requiresComponentType, where), where),
                optional=_optional_one(graph, shape, MOF.optional) == Literal(True),
                substitute=_iri(substitute, where) if substitute is not None else None,
                severity=_iri(_optional_one(graph, shape, SH.severity) or SH.Violation, where),
                message=str(_optional_one(graph, shape, SH.message) or ""),
            )
        )
    if not requirements:
        raise MofkgError(f"{where}: no mof:Requirement shapes for {framework}")
    checks = []
    for node in sorted(graph.subjects(RDF.type, MOF.LicenceCheck), key=str):
        shape = _iri(node, where)
        checks.append(
            LicenceCheck(
                shape=shape,
                content_type=_iri(_one(graph, shape, MOF.forContentType, where), where),
                status=_optional_iri(graph, shape, MOF.status, where),
                severity=_iri(_optional_one(graph, shape, SH.severity) or SH.Violation, where),
                message=str(_optional_one(graph, shape, SH.message) or ""),
            )
        )
    return Framework(
        key=key,
        iri=framework,
        shapes_iri=shapes_iri,
        version=version,
        shapes_file=path,
        shapes=graph,
        classes=classes,
        requirements=tuple(requirements),
        licence_checks=tuple(checks),
        rules=rules,
        shacl_rules=read_rules(graph, source=str(path)),
        checks=without_rules(graph),
    )


def label_of(graph: Graph, node: URIRef) -> str:
    """A readable name for a term: its skos:prefLabel or rdfs:label, else its local name."""
    for predicate in (SKOS.prefLabel, RDFS.label):
        value = _optional_one(graph, node, predicate)
        if value is not None:
            return str(value)
    return str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


__all__ = [
    "Framework",
    "LicenceCheck",
    "OpennessClass",
    "Requirement",
    "framework_from_graph",
    "framework_shapes_path",
    "label_of",
    "load_framework",
    "parse_shapes",
    "read_rules_file",
]
