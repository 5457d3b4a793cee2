"""Explain an assessment to a person: the class reached and, per class, what keeps it back.

It reads the assessments stored by ``mofkg assess`` (:func:`stored_assessment`) and writes
nothing. :func:`keeping_from` is the one answer to "what keeps this model from class N".

>>> from mofkg.graphstore.namespaces import MOF
>>> status_sentence("Model card", MOF.InvalidLicence, "LicenseRef-Llama-3-Community", None)
'Model card is licensed under LicenseRef-Llama-3-Community, which is not an open licence'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import SKOS

from ..catalogue.openness import held_back, licence_source_phrase, percent_text
from ..errors import NotFoundError
from ..namespaces import EARL, MOF
from ..store.embedded import Store
from .definition import Framework, OpennessClass, load_framework
from .registry import catalogue_gradings, find_framework
from .results import (
    UNCLASSIFIED,
    ComponentState,
    LicenceWarning,
    ModelAssessment,
    Outcome,
    component_types,
)


def rated(model: str) -> str:
    """The SPARQL filter true when the catalogue lists a component of ``model`` (a variable or
    an IRI). A model it lists none of (a record of the European Open Source AI Index, which
    grades models but describes no MOF release) is not assessed under a framework of
    components, whatever was stored for it: pages, the JSON API and explain say so, rather
    than place it below every class (docs/assessment.md)."""
    return f"FILTER EXISTS {{ {model} mof:hasComponent ?_rated }}"


_STORED = """
SELECT ?model ?fw ?a ?n ?cls ?name ?source WHERE { VALUES ?model { %s }
  ?a mof:assessedModel ?model ; mof:framework ?fw ; mof:classNumber ?n .
  OPTIONAL { ?a dct:conformsTo ?cls }
  OPTIONAL { ?model schema:name ?name }
  OPTIONAL { ?model mof:sourceRecord ?source }
  RATED
}""".replace("RATED", rated("?model"))
_STORED_PROGRESS = """
SELECT ?model ?fw ?cls ?v WHERE { VALUES ?model { %s }
  ?a mof:assessedModel ?model ; mof:framework ?fw ; dqv:hasQualityMeasurement ?q .
  ?q mof:forClass ?cls ; dqv:value ?v }"""
_STORED_OUTCOMES = """
SELECT ?model ?fw ?test ?st ?result ?c ?ct ?lic ?lt ?src WHERE { VALUES ?model { %s }
  ?a mof:assessedModel ?model ; mof:framework ?fw ; mof:hasOutcome ?o .
  ?o earl:test ?test ; mof:status ?st ; earl:result/earl:outcome ?result .
  OPTIONAL { ?o mof:component ?c OPTIONAL { ?c mof:componentType ?ct } }
  OPTIONAL { ?o mof:appliedLicence ?lic }
  OPTIONAL { ?o mof:licenceText ?lt }
  OPTIONAL { ?o mof:licenceSource ?src }
  MINUS { ?o earl:subject ?any } }"""
#: The outcomes alone (met or not), for a summary: no component, licence or warning.
_STORED_RESULTS = """
SELECT ?model ?fw ?test ?st ?result WHERE { VALUES ?model { %s }
  ?a mof:assessedModel ?model ; mof:framework ?fw ; mof:hasOutcome ?o .
  ?o earl:test ?test ; mof:status ?st ; earl:result/earl:outcome ?result .
  MINUS { ?o earl:subject ?any } }"""
_STORED_WARNINGS = """
SELECT ?model ?fw ?test ?comp ?severity WHERE { VALUES ?model { %s }
  ?a mof:assessedModel ?model ; mof:framework ?fw ; mof:hasOutcome ?o .
  ?o earl:subject ?comp ; earl:test ?test ; earl:result/sh:resultSeverity ?severity }"""


def _iri(term: Any) -> URIRef | None:
    return URIRef(term.value) if isinstance(term, ox.NamedNode) else None


def stored_assessment(store: Store, model: str, fw: Framework) -> ModelAssessment | None:
    """A model's assessment under ``fw`` as ``mofkg assess`` stored it; None when there is none."""
    return stored_assessments(store, [model], fw).get(model)


def stored_assessments(
    store: Store, models: Sequence[str], fw: Framework, *, details: bool = True
) -> dict[str, ModelAssessment]:
    """The stored assessments under ``fw`` of the ``models`` that have one, by model IRI.

    Four queries, however many models and whatever they hold: a page of a hundred models
    costs what one does. Without ``details``, three lighter ones: each outcome says whether
    it is met and its status, with no component state, and there are no warnings (what a
    summary shows).
    """
    if not models:
        return {}
    values = " ".join(f"<{m}>" for m in dict.fromkeys(models))

    def rows(sparql: str) -> Any:
        # The embedded store or a remote one; ?fw is a join variable (bound alike on both).
        return store.query(sparql % values, substitutions={"fw": ox.NamedNode(str(fw.iri))})

    heads: dict[str, Any] = {}
    for s in rows(_STORED):
        heads.setdefault(s["model"].value, s)
    classes = {c.iri: c for c in fw.classes}
    progress = {m: {c.number: 0.0 for c in fw.classes} for m in heads}
    for s in rows(_STORED_PROGRESS):
        cls = classes.get(URIRef(s["cls"].value))
        if cls is not None and s["model"].value in progress:
            progress[s["model"].value][cls.number] = float(s["v"].value)
    requirements = {r.shape: r for r in fw.requirements}
    outcomes: dict[str, dict[URIRef, Outcome]] = {m: {} for m in heads}
    for s in rows(_STORED_OUTCOMES if details else _STORED_RESULTS):
        req = requirements.get(URIRef(s["test"].value))
        if req is None or s["model"].value not in outcomes:
            continue
        status = URIRef(s["st"].value)
        component, ctype = (_iri(s["c"]), _iri(s["ct"])) if details else (None, None)
        state = None
        if component is not None:
            state = ComponentState(
                component=component,
                component_type=ctype or req.component_type,
                status=status,
                licence=_iri(s["lic"]),
                licence_text=None if s["lt"] is None else s["lt"].value,
                licence_source=_iri(s["src"]),
            )
        substituted = ctype is not None and ctype != req.component_type
        met = s["result"].value == str(EARL.passed)
        outcomes[s["model"].value][req.shape] = Outcome(req, status, met, state, substituted)
    checks = {c.shape: c for c in fw.licence_checks}
    warnings: dict[str, list[LicenceWarning]] = {m: [] for m in heads}
    for s in rows(_STORED_WARNINGS) if details else ():
        check = checks.get(URIRef(s["test"].value))
        if check is not None and s["model"].value in warnings:
            component = URIRef(s["comp"].value)
            severity = URIRef(s["severity"].value)
            warnings[s["model"].value].append(
                LicenceWarning(component, check.shape, severity, check.message)
            )
    found = {}
    for model, head in heads.items():
        missing = [r for r in fw.requirements if r.shape not in outcomes[model]]
        if missing:
            raise NotFoundError(
                f"the stored assessment of {model} under {fw.key} lacks the outcome of "
                f"{missing[0].shape}: assess the model again (mofkg assess)"
            )
        reached = classes.get(_iri(head["cls"]))  # type: ignore[arg-type]
        found[model] = ModelAssessment(
            model=URIRef(model),
            name=None if head["name"] is None else head["name"].value,
            source=None if head["source"] is None else head["source"].value,
            framework=fw.key,
            class_number=reached.number if reached else 0,
            class_iri=reached.iri if reached else None,
            label=reached.api_label if reached else UNCLASSIFIED,
            progress=progress[model],
            outcomes=tuple(outcomes[model][r.shape] for r in fw.requirements),
            warnings=tuple(sorted(warnings[model], key=lambda w: str(w.component))),
        )
    return found


def keeping_from(a: ModelAssessment, fw: Framework, cls: OpennessClass) -> list[Outcome]:
    """What keeps a model from a class: the class's counted requirements (its own and those
    of every class it implies) that its assessment did not meet, in requirement order."""
    by_shape = {o.requirement.shape: o for o in a.outcomes}
    return [by_shape[r.shape] for r in fw.counted(cls) if not by_shape[r.shape].met]


def licence_name(iri: str) -> str:
    """The id of a licence from its IRI (``.../Apache-2.0`` -> ``Apache-2.0``)."""
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def status_sentence(label: str, status: URIRef, licence: str | None, text: str | None) -> str:
    """One sentence on one component's status."""
    if status == MOF.Missing:
        return f"{label} is missing"
    if status == MOF.Unlicensed:
        return f"{label} is included without a licence"
    if status == MOF.InvalidLicence:
        if licence is not None:
            return f"{label} is licensed under {licence}, which is not an open licence"
        return f"{label} names the licence {text!r}, which is not a licence identifier"
    if status == MOF.OpenNotTypeAppropriate:
        return (
            f"{label} has an open licence ({licence}) but should have a type-appropriate "
            "open licence"
        )
    return f"{label} counts ({licence})"


def _fix(label: str, outcome: Outcome) -> str:
    if outcome.status == MOF.Missing:
        return f"publish the {label.lower()} under an open licence"
    if outcome.status == MOF.InvalidLicence and outcome.state and outcome.state.licence_text:
        return "state the licence by its SPDX identifier, or release it under an open licence"
    return f"release the {label.lower()} under an open licence"


def type_labels(store: Store, framework: Framework) -> dict[URIRef, str]:
    """The names of the framework's component types (the one table: the ontology's labels,
    :func:`mofkg.graphstore.catalogue.views.component_types`)."""
    return {t.iri: t.label for t in component_types(framework, store)}


def explain_assessment(a: ModelAssessment, framework: Framework, labels: dict[URIRef, str]) -> str:
    """The text of :func:`explain_model` for an assessment already made."""
    name = a.name or str(a.model)
    lines = [f"{name} ({a.model})", f"{framework.iri.rsplit('#', 1)[-1]}: {a.label}"]
    held = held_back(framework, a.progress)
    for cls in reversed(framework.classes):
        progress = a.progress[cls.number]
        done = "reached" if progress >= 100 else percent_text(progress)
        if cls.number in held:
            done += f", {held[cls.number].reason}"
        lines.append(f"\n{cls.label}: {done}")
        for outcome in keeping_from(a, framework, cls):
            req = outcome.requirement
            label = labels.get(req.component_type, str(req.component_type))
            state = outcome.state
            shown = labels.get(state.component_type, label) if state is not None else label
            licence = licence_name(state.licence) if state and state.licence else None
            sentence = status_sentence(
                shown, outcome.status, licence, state.licence_text if state else None
            )
            if outcome.substituted:
                sentence += f" (it stands in for the {label.lower()})"
            if state is not None and state.licence_source is not None:
                sentence += f" ({licence_source_phrase(state.licence_source)})"
            lines.append(f"  - {sentence}: {_fix(shown, outcome)}")
    for w in a.warnings:
        lines.append(f"\nwarning: {licence_name(w.component)} {w.message}")
    return "\n".join(lines)


def explain_model(
    store: Store,
    model: str,
    *,
    framework: str = "mof-1.0",
    shapes: Path | None = None,
    folder: Path | None = None,
) -> str:
    """For a person: the class a model reaches and, per class, what is missing or wrongly
    licensed and what would fix it, from its stored assessment (nothing is written).

    Under a catalogue grading (``osai-index``) it is the catalogue's grades of the model, its
    score and position, as stored (:mod:`.grading_explain`)."""
    if shapes is None and framework in catalogue_gradings():
        from .grading_explain import explain_grades

        return explain_grades(store, model)
    fw = load_framework(framework, shapes=shapes) if shapes else find_framework(framework, folder)
    found = stored_assessment(store, model, fw)
    if found is None and not store.ask(f"ASK {{ <{model}> a mof:Model }}"):
        raise NotFoundError(f"no model {model} in the store")
    if found is None and not store.ask(f"ASK {{ <{model}> mof:hasComponent ?c }}"):
        raise NotFoundError(
            f"{model} is not assessed under {fw.key}: the store lists no component of it "
            f"(a model the European Open Source AI Index grades: mofkg explain MODEL "
            f"--framework osai-index)"
        )
    if found is None:
        raise NotFoundError(
            f"no assessment of {model} under {fw.key} in the store: run mofkg assess first"
        )
    return explain_assessment(found, fw, type_labels(store, fw))


@dataclass(frozen=True)
class FrameworkSummary:
    """A model under one framework, for pages and the JSON API: the class reached, progress,
    and what keeps it from the framework's best class (component type labels)."""

    key: str
    name: str
    assessed: bool
    class_number: int
    label: str
    progress_text: dict[int, str]
    lacking: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "assessed": self.assessed,
            "class": self.class_number,
            "label": self.label,
            "progress_text": {str(n): t for n, t in sorted(self.progress_text.items())},
            "lacking": list(self.lacking),
        }


def framework_summaries(
    store: Store, model: str, frameworks: list[Framework]
) -> list[FrameworkSummary]:
    """The model's stored assessment under each framework, summed up."""
    return framework_summaries_of(store, [model], frameworks)[model]


def framework_summaries_of(
    store: Store, models: Sequence[str], frameworks: list[Framework]
) -> dict[str, list[FrameworkSummary]]:
    """:func:`framework_summaries` of each model, in a fixed number of queries (four per
    framework) whatever the number of models."""
    found: dict[str, list[FrameworkSummary]] = {m: [] for m in models}
    for fw in frameworks:
        name = str(fw.shapes.value(fw.iri, SKOS.prefLabel) or fw.iri.rsplit("#", 1)[-1])
        assessed = stored_assessments(store, models, fw, details=False)
        labels = type_labels(store, fw)
        for model in models:
            a = assessed.get(model)
            if a is None:
                found[model].append(
                    FrameworkSummary(fw.key, name, False, 0, "Not assessed", {}, ())
                )
                continue
            lacking = tuple(
                labels.get(o.requirement.component_type, str(o.requirement.component_type))
                for o in keeping_from(a, fw, fw.classes[-1])
            )
            texts = {n: percent_text(p) for n, p in a.progress.items()}
            found[model].append(
                FrameworkSummary(fw.key, name, True, a.class_number, a.label, texts, lacking)
            )
    return found


__all__ = [
    "FrameworkSummary",
    "explain_assessment",
    "framework_summaries",
    "framework_summaries_of",
    "explain_model",
    "keeping_from",
    "licence_name",
    "rated",
    "status_sentence",
    "stored_assessment",
    "stored_assessments",
    "type_labels",
]
