"""The ``mofkg`` command line: ``main`` parses the options and runs the commands (each
command's work lives in the package that owns it); ``python -m mofkg.graphstore.cli`` runs
it too.
"""
