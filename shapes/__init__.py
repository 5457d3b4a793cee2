"""The SHACL shapes files, shipped inside the installed package as ``graphstore.shapes``."""
