"""Explain an assessment to a person: the class reached and, per class, what keeps it back.

>>> from mofkg.graphstore.namespaces import MOF
>>> status_sentence("Model card", MOF.InvalidLicence, "LicenseRef-Llama-3-Community", None)
'Model card is licensed under LicenseRef-Llama-3-Community, which is not an open licence'
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from .assessment import ModelAssessment, Outcome, assess_with
from .errors import NotFoundError
from .namespaces import MOF
from .openness import held_back, licence_source_phrase, percent_text
from .requirements import Framework, load_framework
from .store import Store


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
    """The names of the framework's component types, from the store (the ontology)."""
    types = " ".join(f"<{t}>" for t in framework.component_types())
    rows = store.select(
        f"SELECT ?t (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?t {{ {types} }} "
        "?t skos:prefLabel ?l } GROUP BY ?t"
    )
    found = {URIRef(str(r["t"])): str(r["label"]) for r in rows if "label" in r}
    return {
        t: found.get(t, licence_name(t).rsplit("#", 1)[-1]) for t in framework.component_types()
    }


def explain_assessment(a: ModelAssessment, framework: Framework, labels: dict[URIRef, str]) -> str:
    """The text of :func:`explain_model` for an assessment already made."""
    name = a.name or str(a.model)
    lines = [f"{name} ({a.model})", f"{framework.iri.rsplit('#', 1)[-1]}: {a.label}"]
    by_shape = {o.requirement.shape: o for o in a.outcomes}
    held = held_back(framework, a.progress)
    for cls in reversed(framework.classes):
        progress = a.progress[cls.number]
        done = "reached" if progress >= 100 else percent_text(progress)
        if cls.number in held:
            done += f", {held[cls.number].reason}"
        lines.append(f"\n{cls.label}: {done}")
        for req in framework.counted(cls):
            outcome = by_shape[req.shape]
            if outcome.met:
                continue
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
    store: Store, model: str, *, framework: str = "mof-1.0", shapes: Path | None = None
) -> str:
    """For a person: the class a model reaches and, per class, what is missing or wrongly
    licensed and what would fix it."""
    fw = load_framework(framework, shapes=shapes)
    found = assess_with(store, fw, models=[model])
    if not found:
        raise NotFoundError(f"no model {model} in the store")
    return explain_assessment(found[0], fw, type_labels(store, fw))
