"""mofkg's web front end: a thin layer over :mod:`mofkg.graphstore`.

- :mod:`mofkg.api.protocol`: the W3C protocols (SPARQL 1.1 Protocol, Graph Store Protocol,
  Service Description) and what they share: content negotiation, result formats.
- :mod:`mofkg.api.server`: how requests are served: the RSGI front, the query workers and
  their pool, the endpoint's state, the query policy, request bodies and limits.
- :mod:`mofkg.api.web`: the human side: pages, badges, the JSON API, ontology pages and
  POST /validate with its jobs.
- :mod:`mofkg.api.app` builds the Flask app from all three and runs it under Granian;
  :mod:`mofkg.api.errors` maps every error to its HTTP status; :mod:`mofkg.api.commands`
  adds ``mofkg serve`` to the CLI.
"""
