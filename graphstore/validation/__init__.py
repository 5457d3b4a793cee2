"""Validating metadata dumps before they enter the catalogue.

``dumps`` reads what is checked (RDF dumps, MOT records, shapes files) into a staging store;
``pipeline`` checks it with the SHACL engine and assesses its models; ``reports`` and
``reports_rdf`` write the outcome (text, JSON, HTML, SHACL report graphs), with each focus
node's line from ``focus_lines`` and the libraries' warnings kept by ``log_notes``.
"""
