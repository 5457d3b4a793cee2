"""mofkg: the knowledge graph of the Generative AI Commons.

``mofkg.graphstore`` holds the store, loading, importers, validation, assessment and the CLI
(it never imports Flask); ``mofkg.api`` is the Flask front end over it. In the repository they
are the top-level folders graphstore/ and api/; this folder names them under ``mofkg`` (two
links), so that an install puts one import package, ``mofkg``, into site-packages.
"""
