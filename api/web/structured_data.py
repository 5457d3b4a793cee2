"""The JSON-LD a model's or dataset's page embeds for search engines (schema.org, FAIR4ML,
Croissant): :func:`structured_data` is offered to every template; ``resource.html`` calls it
in its ``<head>``. Made by :mod:`mofkg.graphstore.exports.structured`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from markupsafe import Markup

from mofkg.graphstore.catalogue import views as catalogue
from mofkg.graphstore.exports.structured import dataset_jsonld, model_jsonld, script_text
from mofkg.graphstore.namespaces import MOF

from .views import state

blueprint = Blueprint("structured_data", __name__)


def structured_data(iri: str) -> Markup:
    """The ``<script type="application/ld+json">`` of a model or dataset page; nothing for
    other pages."""
    store = state().store
    page = request.base_url
    if catalogue.is_model(store, iri):
        doc = model_jsonld(store, iri, page=page)
    elif store.ask(f"ASK {{ <{iri}> a <{MOF.Dataset}> }}"):
        doc = dataset_jsonld(store, iri, page=page)
    else:
        return Markup("")
    return Markup('<script type="application/ld+json">\n{}\n</script>').format(
        Markup(script_text(doc))
    )


@blueprint.app_context_processor
def offer() -> dict[str, Any]:
    """Templates get :func:`structured_data`."""
    return {"structured_data": structured_data}
