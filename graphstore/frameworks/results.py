"""What an assessment finds: the dataclasses every reader of assessments shares.

>>> from rdflib import URIRef
>>> ValidationResult("http://ex/m", "http://ex/shape", "http://www.w3.org/ns/shacl#Violation").focus
'http://ex/m'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from ..catalogue.openness import percent_texts
from ..store.embedded import Store
from .definition import Framework, Requirement

UNCLASSIFIED = "Unclassified"


@dataclass(frozen=True)
class ComponentType:
    """A component type and its name (the ontology's ``skos:prefLabel``)."""

    iri: URIRef
    label: str


def component_types(fw: Framework, store: Store) -> tuple[ComponentType, ...]:
    """The framework's component types in shape order, with their labels from the ontology:
    the one table of component-type names (pages, explain, the JSON API)."""
    iris = fw.component_types()
    values = " ".join(f"<{t}>" for t in iris)
    found = store.query(f"SELECT ?t ?l WHERE {{ VALUES ?t {{ {values} }} ?t skos:prefLabel ?l }}")
    labels = {str(s["t"].value): str(s["l"].value) for s in found}
    return tuple(
        ComponentType(t, labels.get(str(t), str(t).rsplit("#", 1)[-1].rsplit("/", 1)[-1]))
        for t in iris
    )


@dataclass(frozen=True)
class ComponentState:
    """What the store says about one component of a model."""

    component: URIRef
    component_type: URIRef
    status: URIRef
    licence: URIRef | None
    licence_text: str | None
    licence_source: URIRef | None


@dataclass(frozen=True)
class Outcome:
    """The outcome of one requirement for one model."""

    requirement: Requirement
    status: URIRef  # mof:Counts, mof:Missing, ...
    met: bool
    state: ComponentState | None  # the component that filled the slot (maybe the substitute)
    substituted: bool  # the slot was filled by the requirement's substitute


@dataclass(frozen=True)
class LicenceWarning:
    """A component whose open licence is not one made for its content type."""

    component: URIRef
    shape: URIRef
    severity: URIRef
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """A (focus node, source shape, severity) triple, as a SHACL engine reports it."""

    focus: str
    shape: str
    severity: str


@dataclass(frozen=True)
class ModelAssessment:
    """One model assessed under one framework."""

    model: URIRef
    name: str | None
    source: str | None
    framework: str
    class_number: int  # 0 when unclassified
    class_iri: URIRef | None
    label: str
    progress: dict[int, float]  # class number -> percent
    outcomes: tuple[Outcome, ...]
    warnings: tuple[LicenceWarning, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The reference tool's API shape (class, label, progress per class number)."""
        return {
            "id": str(self.model),
            "name": self.name,
            "source": self.source,
            "classification": {
                "class": self.class_number,
                "label": self.label,
                "progress": {str(n): p for n, p in sorted(self.progress.items())},
                "progress_text": percent_texts(self.progress),
            },
        }

    def results(self) -> set[ValidationResult]:
        """What a SHACL engine reports for this model: unmet requirements and warnings."""
        found = {
            ValidationResult(str(self.model), str(o.requirement.shape), str(o.requirement.severity))
            for o in self.outcomes
            if not o.met
        }
        found |= {
            ValidationResult(str(w.component), str(w.shape), str(w.severity)) for w in self.warnings
        }
        return found
