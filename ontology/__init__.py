"""The ontology files, shipped inside the installed package as ``mofkg.graphstore.ontology``."""
