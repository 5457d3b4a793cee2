"""An assessment as its page tells it: whose, under which framework, the class reached, the
progress per class (and why a class is at 0%), and each criterion by class with its
component type's name, its status, the licence applied and where that licence comes from.

It reads the stored assessment (``docs/assessment.md``) and the framework's shapes, like
:func:`mofkg.graphstore.catalogue.views.model_detail`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from ..frameworks.definition import Framework, OpennessClass
from ..store.embedded import Store
from .labels import local_name
from .openness import HeldBack, held_back, licence_source_phrase
from .views import STATUS_NAMES, ModelRow, component_types, framework, model_row, stored_outcomes


@dataclass(frozen=True)
class Criterion:
    """One requirement of a class and how the model fares on it."""

    component_type: URIRef
    component_label: str
    status: str  # a key of mofkg.graphstore.catalogue.views.STATUS_LABELS
    optional: bool
    component: URIRef | None
    licence: URIRef | None
    licence_label: str | None
    licence_text: str | None
    licence_source: str | None  # a phrase
    message: str


@dataclass(frozen=True)
class ClassCriteria:
    cls: OpennessClass
    progress: float
    held_back: HeldBack | None
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class AssessmentView:
    iri: URIRef
    model: URIRef
    framework: Framework
    row: ModelRow
    classes: tuple[ClassCriteria, ...]  # best class first


def assessment_view(store: Store, iri: str) -> AssessmentView | None:
    """The view of the assessment ``iri``; None when it is no assessment under a framework
    this catalogue ships (its page then shows its triples only)."""
    found = store.select(
        f"SELECT ?m ?f WHERE {{ <{iri}> a mof:Assessment ; mof:assessedModel ?m ; "
        "mof:framework ?f } LIMIT 1"
    )
    if not found:
        return None
    model, framework_iri = str(found[0]["m"]), str(found[0]["f"])
    fw = framework()
    if str(fw.iri) != framework_iri:
        return None
    row = model_row(store, model, framework_key=fw.key)
    outcomes = stored_outcomes(store, model, fw)
    types = {t.iri: t.label for t in component_types(fw, store)}
    held = held_back(fw, row.progress)
    classes = []
    for cls in reversed(fw.classes):
        criteria = []
        for req in fw.requirements:
            if req.for_class != cls.iri:
                continue
            o = outcomes.get(req.shape)
            criteria.append(
                Criterion(
                    component_type=req.component_type,
                    component_label=types.get(req.component_type) or local_name(req.component_type),
                    status=STATUS_NAMES.get(URIRef(o["st"]), "missing") if o else "missing",
                    optional=req.optional,
                    component=URIRef(o["c"]) if o and o["c"] else None,
                    licence=URIRef(o["lic"]) if o and o["lic"] else None,
                    licence_label=o["ll"] if o else None,
                    licence_text=o["lt"] if o else None,
                    licence_source=licence_source_phrase(o["src"]) if o else None,
                    message=req.message,
                )
            )
        classes.append(
            ClassCriteria(
                cls, row.progress.get(cls.number, 0.0), held.get(cls.number), tuple(criteria)
            )
        )
    return AssessmentView(URIRef(iri), URIRef(model), fw, row, tuple(classes))
