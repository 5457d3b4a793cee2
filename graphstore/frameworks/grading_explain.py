"""Explain a model under a catalogue grading: the European Open Source AI Index's grades.

A catalogue grading (:func:`mofkg.graphstore.frameworks.registry.catalogue_gradings`) is not
assessed by ``mofkg assess``: its grades are the catalogue's own, and its score and ranking are
computed when the catalogue is imported. ``mofkg explain MODEL --framework osai-index`` reads
them back as stored, and writes nothing: the grade per dimension (open, partial, closed, or
none where the Index leaves it empty), the notes and evidence the Index gives, the score and the
model's position in the Index's ranking.

A model of another catalogue is explained by the Index's record the reconciliation makes one
with it (``mof:reconciledAs``), as the model's page shows it.

>>> grade_text(None)
'not graded (not applicable)'
"""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import NotFoundError
from ..importers.osai_rdf import IndexGrades, index_grades_of
from ..store.embedded import Store

#: The Index's records that are ``model`` or one with it by the reconciliation, its own first.
_GRADED = """SELECT DISTINCT ?same ?own ?name WHERE {
  { VALUES ?same { $model } BIND (true AS ?own) }
  UNION { $model mof:reconciledAs ?c . ?same mof:reconciledAs ?c . FILTER (?same != $model)
          BIND (false AS ?own) }
  FILTER EXISTS { ?same mof:hasGrading ?g }
  OPTIONAL { ?same schema:name ?name }
}"""
_NAME = "SELECT ?name WHERE { $model schema:name ?name } LIMIT 1"
_INDEX = "the European Open Source AI Index"


def grade_text(grade: str | None) -> str:
    """A grade as a person reads it."""
    return grade if grade is not None else "not graded (not applicable)"


def _iri(model: str) -> str:
    """``model`` written in a query (an IRI as :func:`ox.NamedNode` accepts it)."""
    return str(ox.NamedNode(model))


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def graded_records(store: Store, model: str) -> list[tuple[str, str | None, IndexGrades]]:
    """The Index's records that stand for ``model`` (its own, else those the reconciliation
    makes one with it), each with its name and grades; empty when the Index grades none."""
    rows = store.query(_GRADED.replace("$model", _iri(model)))
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, tuple[bool, str | None]] = {}
    for r in rows:
        same = r["same"].value
        if same not in found or found[same][1] is None:
            found[same] = (r["own"].value == "true", r["name"].value if r["name"] else None)
    order = sorted(found, key=lambda s: (not found[s][0], s))
    grades = index_grades_of(store, order)
    return [(s, found[s][1], grades[s]) for s in order if s in grades]


def explain_grades(store: Store, model: str) -> str:
    """For a person: the Index's grades of ``model`` per dimension with their notes and
    evidence, its score and its position in the Index's ranking (:class:`NotFoundError` when
    the Index grades neither it nor a model the reconciliation makes one with it)."""
    rows = store.query(_NAME.replace("$model", _iri(model)))
    assert isinstance(rows, ox.QuerySolutions)
    names = [r["name"].value for r in rows]
    title = f"{names[0]} ({model})" if names else model
    records = graded_records(store, model)
    if not records:
        raise NotFoundError(
            f"{_INDEX} does not grade {title}, nor a model the reconciliation makes one with "
            "it: no grades to explain (the Index's models: mofkg query "
            "'SELECT ?m WHERE { ?m mof:hasGrading ?g }')"
        )
    parts = [title]
    for same, name, grades in records:
        if same != model:
            parts.append(
                f"\ngraded as {name or same} ({same}), the Index's record the reconciliation "
                "makes one with it"
            )
        parts.append(_grades_text(grades))
    return "\n".join(parts)


def _grades_text(grades: IndexGrades) -> str:
    if grades.score is None:
        head = (
            f"{_INDEX}: no score or position stored (the Index's rules run when it is "
            "imported: mofkg import osai)"
        )
    else:
        assert grades.points is not None
        where = (
            f"position {grades.position} of {grades.ranked}"
            if grades.position is not None
            else "no position stored"
        )
        head = f"{_INDEX}: score {_number(grades.score)} ({_number(grades.points)} points), {where}"
    lines = [head[0].upper() + head[1:]]
    category = None
    for d in grades.dimensions:
        if d.category != category:
            category = d.category
            lines.append(f"\n{category or 'Other'}:")
        lines.append(f"  {d.label}: {grade_text(d.grade)}")
        if d.notes:
            lines.extend(f"    {line}" for line in d.notes.strip().splitlines() if line.strip())
        lines.extend(f"    evidence: {url}" for url in d.evidence)
    return "\n".join(lines)


__all__ = ["explain_grades", "grade_text", "graded_records"]
