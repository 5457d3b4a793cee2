"""Openness frameworks, each a file: reading them, assessing models under them, telling why.

- :mod:`.registry` finds the framework files (``shapes/`` and the folders settings add);
- :mod:`.definition` reads one: its classes, requirements, licence checks and rules;
- :mod:`.rules` runs its SHACL-AF SPARQL rules; :mod:`.evaluate` runs rules and shapes
  on a working copy (:mod:`.copies`) and reads the outcomes back (:mod:`.results`);
- :mod:`.assessment` assesses a whole store in batches; :mod:`.writing` stores the results as
  RDF; :mod:`.explain` reads stored assessments back for a person.

Python here knows the vocabulary of frameworks (framework, class, requirement, outcome,
rank), never a rule of one: those are in the framework's file.
"""
