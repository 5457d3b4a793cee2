"""One working copy assessed under one framework: its rules, its shapes, then read back.

The framework file decides everything; this module only runs it and reads the outcome:

1. the framework's facts (classes, requirements, statuses) are added to the working copy,
   and its rules that come before validation run (SHACL-AF, :mod:`.rules`): e.g. each
   component's status;
2. the framework's shapes run through the project's SHACL engine
   (:func:`mofkg.graphstore.shacl.validate_store`); the results of the requirement shapes go
   into the working copy as ``sh:focusNode`` / ``sh:sourceShape`` pairs, those of the licence
   checks become warnings;
3. the rules that read the validation report run: per model and requirement an outcome
   (``mof:hasOutcome``: ``mof:requirement``, ``mof:status``, ``mof:met``, ``mof:substituted``,
   ``mof:component``), per model and class a progress (``mof:hasProgress``: ``mof:forClass``,
   ``dqv:value``), and the class reached (``mof:reachesClass``);
4. four SELECTs read these back into :class:`~.results.ModelAssessment` objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.namespace import SH

from ..errors import MofkgError
from ..shacl import validate_store
from ..store.embedded import Store
from .definition import Framework, OpennessClass
from .results import UNCLASSIFIED, ComponentState, LicenceWarning, ModelAssessment, Outcome
from .rules import run_rules

_OUTCOMES = """
SELECT ?m ?req ?status ?met ?sub ?c ?type ?lic ?text ?src WHERE {
  ?m mof:hasOutcome ?o .
  ?o mof:requirement ?req ; mof:status ?status ; mof:met ?met ; mof:substituted ?sub .
  OPTIONAL { ?o mof:component ?c .
    OPTIONAL { ?c mof:componentType ?type }
    OPTIONAL { ?c mof:effectiveLicence ?lic }
    OPTIONAL { ?c mof:effectiveLicenceText ?text }
    OPTIONAL { ?c mof:licenceSource ?src } }
}"""
_PROGRESS = """
SELECT ?m ?cls ?value WHERE { ?m mof:hasProgress ?p . ?p mof:forClass ?cls ; dqv:value ?value }"""
_REACHED = "SELECT ?m ?cls WHERE { ?m mof:reachesClass ?cls }"
_MODELS = """
SELECT ?m (SAMPLE(?n) AS ?name) (SAMPLE(?s) AS ?source) WHERE {
  ?m a mof:Model .
  OPTIONAL { ?m schema:name ?n }
  OPTIONAL { ?m mof:sourceRecord ?s }
} GROUP BY ?m"""
_HAS_COMPONENT = "SELECT ?m ?c WHERE { ?m mof:hasComponent ?c }"
_SH_FOCUS = f"<{SH.focusNode}>"
_SH_SOURCE = f"<{SH.sourceShape}>"


def _nt(term: object) -> str:
    return f"<{term}>" if isinstance(term, URIRef) else f"_:{term}"


def _framework_facts(work: Store, fw: Framework) -> None:
    data = fw.shapes.serialize(format="nt", encoding="utf-8")
    if data:
        work.oxigraph.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)


def _validate(work: Store, fw: Framework) -> tuple[list[tuple[URIRef, LicenceWarning]], int]:
    """Run the shapes; add the requirements' results to ``work``; return the warnings."""
    assert fw.checks is not None
    outcome = validate_store(work, fw.checks)
    # A result's source shape is the requirement, or one of its property shapes (SHACL 2.1).
    requirements = {r.shape: r.shape for r in fw.requirements}
    for req in fw.requirements:
        for prop in fw.checks.objects(req.shape, SH.property):
            if isinstance(prop, URIRef | BNode):
                requirements[prop] = req.shape  # type: ignore[index]  # a property shape node
    checks = {c.shape: c for c in fw.licence_checks}
    failed: dict[tuple[str, str], None] = {}  # one pair per focus node and shape
    warnings: list[tuple[URIRef, LicenceWarning]] = []
    for r in outcome.results:
        shape = r.source_shape
        if shape in requirements:
            failed[(_nt(r.focus_node), f"<{requirements[shape]}>")] = None  # type: ignore[index]
        elif shape in checks and isinstance(r.focus_node, URIRef):
            check = checks[shape]  # type: ignore[index]
            message = str(r.messages[0]) if r.messages else check.message
            warning = LicenceWarning(r.focus_node, check.shape, r.severity, message)
            warnings.append((r.focus_node, warning))
    if failed:
        lines = (
            f"_:r{i} {_SH_FOCUS} {focus} .\n_:r{i} {_SH_SOURCE} {shape} .\n"
            for i, (focus, shape) in enumerate(failed)
        )
        work.oxigraph.bulk_load("".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)
    return warnings, len(outcome.results)


def assess_copy(
    work: Store, fw: Framework, models: Collection[str] | None = None
) -> list[ModelAssessment]:
    """Assess the models of a working copy (which the rules write into) under ``fw``: those
    given, else every one (a copy also holds the models its models point to, e.g. the model
    one was fine-tuned from, without their components: those are not assessed)."""
    _framework_facts(work, fw)
    run_rules(work, tuple(r for r in fw.shacl_rules if not r.after_validation))
    warnings, _ = _validate(work, fw)
    run_rules(work, tuple(r for r in fw.shacl_rules if r.after_validation))
    return read_assessments(work, fw, warnings, models=models)


class _Iris:
    """IRIs from pyoxigraph terms, each built once (statuses, types, licences recur)."""

    def __init__(self) -> None:
        self.cache: dict[str, URIRef] = {}

    def __call__(self, term: object) -> URIRef | None:
        if not isinstance(term, ox.NamedNode):
            return None
        found = self.cache.get(term.value)
        if found is None:
            found = self.cache[term.value] = URIRef(term.value)
        return found


def read_assessments(
    work: Store,
    fw: Framework,
    warnings: Sequence[tuple[URIRef, LicenceWarning]] = (),
    *,
    models: Collection[str] | None = None,
) -> list[ModelAssessment]:
    """The outcomes, progress and class the framework's rules inferred in ``work``."""
    iri = _Iris()
    requirements = {r.shape: r for r in fw.requirements}
    classes: dict[URIRef, OpennessClass] = {c.iri: c for c in fw.classes}
    outcomes: dict[URIRef, dict[URIRef, Outcome]] = defaultdict(dict)
    for m, req, status, met, sub, c, ctype, lic, text, src in work.query(_OUTCOMES):
        requirement = requirements.get(iri(req))  # type: ignore[arg-type]
        status_iri = iri(status)
        if requirement is None or status_iri is None:
            continue  # another framework's requirement (the copy holds one framework)
        state = None
        if c is not None:
            state = ComponentState(
                component=URIRef(c.value),
                component_type=iri(ctype) or requirement.component_type,
                status=status_iri,
                licence=iri(lic),
                licence_text=None if text is None else text.value,
                licence_source=iri(src),
            )
        outcomes[iri(m) or URIRef(m.value)][requirement.shape] = Outcome(
            requirement=requirement,
            status=status_iri,
            met=met.value == "true",
            state=state,
            substituted=sub.value == "true",
        )
    progress: dict[URIRef, dict[int, float]] = defaultdict(dict)
    for m, cls, value in work.query(_PROGRESS):
        found = classes.get(iri(cls))  # type: ignore[arg-type]
        if found is not None:
            progress[iri(m) or URIRef(m.value)][found.number] = float(value.value)
    reached: dict[URIRef, OpennessClass] = {}
    for m, cls in work.query(_REACHED):
        found = classes.get(iri(cls))  # type: ignore[arg-type]
        if found is not None:
            reached[iri(m) or URIRef(m.value)] = found
    by_model: dict[URIRef, list[LicenceWarning]] = defaultdict(list)
    if warnings:
        owner = {URIRef(c.value): URIRef(m.value) for m, c in work.query(_HAS_COMPONENT)}
        for component, warning in warnings:
            by_model[owner.get(component, component)].append(warning)
    results = []
    for s in work.query(_MODELS):
        if models is not None and s["m"].value not in models:
            continue
        model = iri(s["m"]) or URIRef(s["m"].value)
        found_outcomes = outcomes.get(model, {})
        lacking = [r.shape for r in fw.requirements if r.shape not in found_outcomes]
        if lacking:
            raise MofkgError(
                f"{fw.shapes_file}: the framework's rules gave no outcome for {model} "
                f"under the requirement {lacking[0]} (and {len(lacking) - 1} more)"
            )
        cls = reached.get(model)
        model_progress = progress.get(model, {})
        results.append(
            ModelAssessment(
                model=model,
                name=None if s["name"] is None else s["name"].value,
                source=None if s["source"] is None else s["source"].value,
                framework=fw.key,
                class_number=cls.number if cls else 0,
                class_iri=cls.iri if cls else None,
                label=cls.api_label if cls else UNCLASSIFIED,
                progress={c.number: model_progress.get(c.number, 0.0) for c in fw.classes},
                outcomes=tuple(found_outcomes[r.shape] for r in fw.requirements),
                warnings=tuple(sorted(by_model.get(model, ()), key=lambda w: str(w.component))),
            )
        )
    results.sort(key=lambda a: str(a.model))
    return results


__all__ = ["assess_copy", "read_assessments"]
