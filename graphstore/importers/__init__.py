"""Importers: other catalogues' records turned into mofkg RDF."""
