"""The bounds of POST /validate: how many triples and models a dump may hold.

A small upload can stand for a large graph (a gzip body inflates up to ``max_body``, and a
blank-node model is a few bytes of Turtle), and validating it costs memory in proportion to
the graph: a million ``_:bN a mof:Model`` took one job to 14.6 GB. So before a dump is
staged, its statements are counted as they are parsed, one at a time (nothing is kept), and
the count stops as soon as it passes the settings ``validate_max_triples`` or
``validate_max_models``: 413 naming the setting. A dump that does not parse is left to the
validation, which reports where (the count uses the same parser, so it stops there too).
"""

from __future__ import annotations

import pyoxigraph as ox

from mofkg.graphstore.errors import TooLargeError
from mofkg.graphstore.namespaces import MOF
from mofkg.graphstore.validation.dumps import Dump

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_MODEL = ox.NamedNode(str(MOF.Model))


def check_bounds(dump: Dump, *, max_triples: int, max_models: int) -> None:
    """Raise :class:`TooLargeError` when the RDF ``dump`` holds more than ``max_triples``
    statements or ``max_models`` models (``a mof:Model``); MOT records are not counted here.

    >>> from mofkg.graphstore.validation.dumps import read_dump
    >>> dump = read_dump(b"_:a a <https://w3id.org/mofkg/ontology#Model> . _:b a "
    ...                  b"<https://w3id.org/mofkg/ontology#Model> .", media_type="text/turtle",
    ...                  source_name="upload")
    >>> check_bounds(dump, max_triples=10, max_models=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.TooLargeError: upload: more than 1 models (the limit, setting ...)
    """
    rdf = dump.rdf
    if rdf is None:
        return
    triples = models = 0
    try:
        for quad in ox.parse(rdf.data, format=rdf.format.oxigraph):
            triples += 1
            if triples > max_triples:
                raise TooLargeError(
                    f"{dump.source}: more than {max_triples} triples "
                    "(the limit, setting validate_max_triples)"
                )
            if quad.predicate == _TYPE and quad.object == _MODEL:
                models += 1
                if models > max_models:
                    raise TooLargeError(
                        f"{dump.source}: more than {max_models} models "
                        "(the limit, setting validate_max_models)"
                    )
    except (SyntaxError, ValueError, MemoryError):
        return  # the validation stops at the same place, and reports it
