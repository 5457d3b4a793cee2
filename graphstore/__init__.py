"""mofkg's core; it never imports Flask (:mod:`mofkg.api` is a thin layer over it).

- ``store``: the RDF store (embedded Oxigraph or a remote SPARQL store), all-or-nothing writes;
- ``rdfio``: RDF formats, bounded input reading, writing;
- ``shacl``: the SHACL engine (shapes compiled to SPARQL);
- ``frameworks``: openness frameworks as files, assessment and explanations;
- ``validation``: checking metadata dumps and reporting on them;
- ``catalogue``: read-side views, labels, the licence graph, the ontology;
- ``importers``, ``reconcile``, ``linking``, ``exports``: data in, matched, linked and out;
- ``query``: what a query may reach; ``cli``: the ``mofkg`` command;
- ``errors``, ``namespaces``, ``settings``, ``resources``, ``progress``, ``synthetic``.
"""

__version__ = "0.1.0"
