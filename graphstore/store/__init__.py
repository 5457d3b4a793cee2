"""The RDF store and everything that writes to it.

``embedded`` is the default store (Oxigraph on disk or in memory, one named graph per
source); ``remote`` is any SPARQL 1.1 store over HTTP, chosen by ``backends`` from the
settings; ``interface`` is what both offer. Writes are all or nothing (``commit``,
``pending``, ``termination``), and ``generation`` tells server processes that a write
happened. ``bootstrap`` sets a new store up; ``terms`` moves terms between rdflib and
pyoxigraph.
"""
