"""The SHACL shapes files, shipped inside the installed package as ``mofkg.graphstore.shapes``."""
