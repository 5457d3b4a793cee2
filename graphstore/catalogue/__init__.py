"""The catalogue as people read it: the read-side views that pages, badges and the JSON API
share (``views``, ``labels``, ``referrers``, ``assessment_view``, ``openness``), the
licence graph and its facts (``licences``, ``licence_refs``), and the ontology as a page
and for the reasoner (``ontology_terms``, ``owl``).
"""
