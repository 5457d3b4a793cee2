"""The bench's third server: a bare Flask + pyoxigraph app, with none of mofkg's machinery.

    MOFKG_BARE_STORE=DIR granian --interface wsgi --workers 2 --blocking-threads 4 \\
        bench.bare_app:app

``GET /sparql?query=`` runs the query in the server process on the store opened read-only
(the union of the named graphs as the default graph) and answers SPARQL JSON (ASK too). There is no
timeout, row cap, policy, negotiation or query worker: this is the app the issue's own
baseline describes ("a bare Flask + pyoxigraph app under gunicorn with 2 workers"), served by
the same HTTP server as ``mofkg serve``. Beside ``oxigraph serve`` it shows how much of
mofkg's gap is the engine and the Python HTTP stack, and beside mofkg what mofkg's safety
machinery costs. Not for any other use: it would run any query for as long as it takes.
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from flask import Flask, Response, request

app = Flask(__name__)
store = ox.Store.read_only(os.environ["MOFKG_BARE_STORE"])


@app.get("/sparql")
def sparql() -> Response:
    """Run the query and answer its solutions (or boolean) as SPARQL JSON."""
    result = store.query(request.args["query"], use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return Response("only SELECT and ASK queries", status=400)
    body = result.serialize(format=ox.QueryResultsFormat.JSON) or b""
    return Response(body, content_type="application/sparql-results+json")
