"""What a validation found: the report every renderer reads, and the framework it assesses
under."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib.namespace import SH

from ..frameworks.assessment import ModelAssessment
from ..frameworks.definition import Framework
from ..shacl import CountedValues, ValidationOutcome
from .dumps import (
    BadLine,
)

#: The openness framework every model is assessed under.
FRAMEWORK = "mof-1.0"


#: Class names for ``--require-class``, to class numbers (Class I is the most open).
CLASS_NUMBERS = {"I": 1, "II": 2, "III": 3}


@dataclass
class ValidationReport:
    """Everything a validation found: SHACL results, bad lines, and each model's MOF class."""

    sources: list[str]
    triples: int
    outcome: ValidationOutcome
    #: each model's class and outcomes, as the reports read them (:class:`Summaries`)
    assessments: list[ModelAssessment]
    framework: Framework
    shapes_files: tuple[str, ...]
    bad_lines: list[BadLine] = field(default_factory=list)
    required_class: int | None = None
    #: focus node -> (source, line) where it is described (else first mentioned), for text dumps
    lines: dict[Any, tuple[str, int]] = field(default_factory=dict)
    #: (focus node, path) -> the values a ``sh:maxCount`` result is about (it has no sh:value)
    values: dict[tuple[Any, Any], CountedValues] = field(default_factory=dict)
    #: what a library logged about the data meanwhile ("x does not look like a valid URI")
    notes: list[str] = field(default_factory=list)
    #: Most results the reports list (the rest counted,
    #: :func:`mofkg.graphstore.validation.reports.listed`);
    #: None lists them all.
    max_results: int | None = None

    @property
    def violations(self) -> int:
        return sum(1 for r in self.outcome.results if r.severity == SH.Violation)

    @property
    def conforms(self) -> bool:
        """No result of severity sh:Violation (warnings and infos do not fail a dump)."""
        return self.violations == 0

    def below_required(self) -> list[ModelAssessment]:
        """Models that do not reach the class ``--require-class`` asks for."""
        if self.required_class is None:
            return []
        need = self.required_class
        return [a for a in self.assessments if a.class_number == 0 or a.class_number > need]

    @property
    def exit_status(self) -> int:
        """0 conforms, 1 violations (or a model below the required class), 2 unreadable lines."""
        if self.bad_lines:
            return 2
        return 0 if self.conforms and not self.below_required() else 1
