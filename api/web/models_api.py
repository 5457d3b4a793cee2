"""A JSON API compatible with the Model Openness Tool's.

- ``GET /api/v1/models?page=1&limit=100``: ``{"pager": {"total_items", "total_pages",
  "current_page"}, "models": [...]}``, models in IRI order;
- ``GET /api/v1/model/<id>``: one model.

A model is ``{"id", "framework": {"name", "version"}, "release": {"name", "version",
"type", ..., "license": {...}, "components": [...]}, "classification": {"class", "label",
"progress": {"1", "2", "3"}, "progress_text", "held_back"}}`` with the reference tool's
field names, and two of ours: ``progress_text``, each class's progress as every page and
the CLI round it (``"84.6%"``; ``progress`` keeps the exact value), and ``held_back``,
the classes at 0% only because the class below is not complete, each with ``below``
(that class's number) and ``reason``. ``id`` is the model key (the last segment of its
IRI). Beyond MOT, each component carries ``status`` (its
assessed status: ``counts``, ``open-not-type-appropriate``, ``invalid-licence``,
``unlicensed``; ``null`` when it has none of its own). A model the European Open Source AI
Index grades also has ``osai_index``: its grade, notes and evidence per dimension, its score,
points and position (see docs/osai-index.md). A model never assessed has
``"classification": null``; a release without licences has ``"license": {}`` (MOT writes
``[]``, a PHP artefact). A component without its own description gets its type's, as MOT
gives it. Errors are JSON ``{"error": {"status", "message"}}``, with the status
:mod:`mofkg.api.errors` gives each error kind. The blueprint reads
``current_app.extensions["mofkg"]`` (see :mod:`mofkg.api.web.views`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, jsonify
from rdflib import URIRef

from mofkg.graphstore.catalogue import views as catalogue
from mofkg.graphstore.catalogue.openness import held_back_json, percent_texts
from mofkg.graphstore.catalogue.views import ModelRow
from mofkg.graphstore.errors import NotFoundError
from mofkg.graphstore.frameworks.definition import Framework
from mofkg.graphstore.frameworks.explain import framework_summaries_of
from mofkg.graphstore.frameworks.registry import all_frameworks
from mofkg.graphstore.importers.mot_rdf import export_record, mot_component_types
from mofkg.graphstore.importers.osai_rdf import index_grades_of

from .views import ids, positive_argument, state

blueprint = Blueprint("models_api", __name__, url_prefix="/api/v1")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _classification(row: ModelRow, fw: Framework) -> dict[str, Any] | None:
    if not row.assessed:
        return None
    return {
        "class": row.class_number,
        "label": row.class_label,
        "progress": {str(n): v for n, v in sorted(row.progress.items())},
        "progress_text": percent_texts(row.progress),
        "held_back": held_back_json(fw, row.progress),
    }


def models_json(models: Sequence[str]) -> list[dict[str, Any]]:
    """The MOT-shaped JSON of several models, in the order given, in a fixed number of
    queries whatever the number of models (each part is read for all of them at once)."""
    store = state().store
    triples = catalogue.release_triples(store, models)
    rows = {str(r.iri): r for r in catalogue.model_rows(store, models=models)}
    statuses = catalogue.component_statuses(store, models)
    types = mot_component_types()
    definitions = catalogue.component_type_definitions(store)
    fw = catalogue.framework()
    frameworks = all_frameworks(state().settings.frameworks)
    summaries = framework_summaries_of(store, models, frameworks)
    index = index_grades_of(store, models)
    out = []
    for iri in models:
        record = export_record(triples, URIRef(iri))
        record["framework"].setdefault("version", fw.key.removeprefix("mof-"))
        for component in record["release"]["components"]:
            ctype = types.get(component["name"])
            if ctype is not None and ctype in definitions:
                component.setdefault("description", definitions[ctype])
            component["status"] = statuses[iri].get(ctype) if ctype is not None else None
        row = rows[iri]
        entry = {
            "id": row.key,
            "framework": record["framework"],
            "release": record["release"],
            "classification": _classification(row, fw),
            "frameworks": {f.key: f.to_json() for f in summaries[iri]},
        }
        grades = index.get(iri)
        if grades is not None:
            entry["osai_index"] = grades.as_json()
        out.append(entry)
    return out


@blueprint.route("/models")
def models() -> Response:
    """One page of models."""
    page = positive_argument("page", 1)
    limit = positive_argument("limit", DEFAULT_LIMIT, maximum=MAX_LIMIT)
    catalogue_state = state()
    every = catalogue_state.remember(
        "model-iris", lambda: catalogue.model_iris(catalogue_state.store)
    )
    total_pages = (len(every) + limit - 1) // limit
    chosen = every[(page - 1) * limit : page * limit]
    return jsonify(
        {
            "pager": {
                "total_items": len(every),
                "total_pages": total_pages,
                "current_page": page,
            },
            "models": models_json(chosen),
        }
    )


@blueprint.route("/model/<key>")
def model(key: str) -> Response:
    """One model by its key."""
    iri = str(ids().id[f"model/{key}"])
    if "/" in key or not catalogue.is_model(state().store, iri):
        raise NotFoundError(f"no model {key!r} in the catalogue")
    return jsonify(models_json([iri])[0])
