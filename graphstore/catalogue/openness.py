"""How openness is told to a person: the one rounding rule for percentages, why a class
is at 0%, which components are optional, and where a component's licence comes from.

The CLI (``assess``, ``explain``), the pages, the badges and the JSON API all say these
things through this module, so a figure or a reason reads the same everywhere. JSON keeps
the exact progress value and adds the rounded text beside it.

>>> percent_text(84.61538461538461), percent_text(16.666666666666668), percent_text(100.0)
('84.6%', '16.7%', '100%')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import URIRef

from ..frameworks.definition import Framework, OpennessClass
from ..namespaces import MOF


def percent_text(value: float) -> str:
    """A percentage as every human-facing output shows it: one decimal place, no ``.0``.

    A value short of 100 never reads "100%", and a value above 0 never reads "0%": a class
    shown complete is complete.

    >>> percent_text(0.0), percent_text(50.0), percent_text(83.33333333333333)
    ('0%', '50%', '83.3%')
    >>> percent_text(99.96), percent_text(0.01)
    ('99.9%', '0.1%')
    """
    text = f"{value:.1f}"
    if value < 100.0 and float(text) >= 100.0:
        text = "99.9"
    elif value > 0.0 and float(text) <= 0.0:
        text = "0.1"
    return f"{text.removesuffix('.0')}%"


def percent_texts(progress: Mapping[int, float]) -> dict[str, str]:
    """Each class's progress as text, keyed by class number as JSON keys it.

    >>> percent_texts({3: 100.0, 1: 84.61538461538461})
    {'1': '84.6%', '3': '100%'}
    """
    return {str(n): percent_text(v) for n, v in sorted(progress.items())}


@dataclass(frozen=True)
class HeldBack:
    """A class at 0% only because the class it builds on is not complete."""

    cls: OpennessClass
    below: OpennessClass
    below_progress: float

    @property
    def reason(self) -> str:
        """
        >>> from rdflib import URIRef
        >>> c3 = OpennessClass(URIRef("x:3"), 3, "Class III", None, "Class III")
        >>> c2 = OpennessClass(URIRef("x:2"), 2, "Class II", URIRef("x:3"), "Class II")
        >>> HeldBack(c2, c3, 83.33333333333333).reason
        'not counted until Class III is complete (it is at 83.3%)'
        """
        return (
            f"not counted until {self.below.label} is complete "
            f"(it is at {percent_text(self.below_progress)})"
        )

    def to_json(self) -> dict[str, object]:
        return {"below": self.below.number, "reason": self.reason}


def held_back(framework: Framework, progress: Mapping[int, float]) -> dict[int, HeldBack]:
    """The classes at 0% because the class below is incomplete, by class number.

    Progress counts a class only once the class it implies (the one below) is complete
    (:func:`mofkg.graphstore.frameworks.assessment.progress_by_class`); this says so where it
    applies.

    >>> from mofkg.graphstore.frameworks.definition import load_framework
    >>> fw = load_framework()
    >>> {n: h.below.number for n, h in held_back(fw, {1: 0.0, 2: 0.0, 3: 50.0}).items()}
    {2: 3, 1: 2}
    >>> held_back(fw, {1: 0.0, 2: 100.0, 3: 100.0}), held_back(fw, {})
    ({}, {})
    """
    found: dict[int, HeldBack] = {}
    if not progress:
        return found  # not assessed: nothing is held back
    for cls in framework.classes:
        if cls.implies is None or progress.get(cls.number, 0.0) > 0.0:
            continue
        below = framework.class_by_iri(cls.implies)
        below_progress = progress.get(below.number, 0.0)
        if below_progress < 100.0:
            found[cls.number] = HeldBack(cls, below, below_progress)
    return found


def held_back_json(framework: Framework, progress: Mapping[int, float]) -> dict[str, object]:
    """:func:`held_back` as the JSON API and ``assess --json`` give it."""
    return {str(n): h.to_json() for n, h in sorted(held_back(framework, progress).items())}


def optional_component_types(framework: Framework) -> frozenset[URIRef]:
    """The component types optional in every class that names them (``mof:optional true``
    on each of their requirement shapes): never counted towards any class.

    >>> from mofkg.graphstore.frameworks.definition import load_framework
    >>> sorted(str(t).rsplit("#", 1)[-1] for t in optional_component_types(load_framework()))
    ['ModelMetadata', 'SampleModelOutputs', 'SupportingLibrariesAndTools']
    """
    by_type: dict[URIRef, bool] = {}
    for req in framework.requirements:
        by_type[req.component_type] = by_type.get(req.component_type, True) and req.optional
    return frozenset(t for t, optional in by_type.items() if optional)


#: Where a component's licence comes from, as a sentence says it (``mof:licenceSource``).
LICENCE_SOURCE_PHRASES: dict[URIRef, str] = {
    URIRef(MOF.ComponentLicence): "the component's own licence",
    URIRef(MOF.ContentTypeLicence): "the release's licence for its kind of content",
    URIRef(MOF.DistributionLicence): "the release's distribution licence",
    URIRef(MOF.NoLicenceSource): "no licence found",
}


def licence_source_phrase(source: str | None) -> str | None:
    """The phrase for a licence source IRI (None for none; the IRI's local name if unknown).

    >>> licence_source_phrase("https://w3id.org/mofkg/ontology#DistributionLicence")
    "the release's distribution licence"
    """
    if source is None:
        return None
    return LICENCE_SOURCE_PHRASES.get(URIRef(source), str(source).rsplit("#", 1)[-1])
