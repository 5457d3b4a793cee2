"""The ontology files, shipped inside the installed package as ``graphstore.ontology``."""
