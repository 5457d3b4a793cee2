"""Links from the catalogue to other catalogues: Wikidata over SPARQL, mappings in SSSOM.

- :mod:`.client`: a polite SPARQL client (SPARQLWrapper, rate limit, retries, caps);
- :mod:`.matching`: the catalogue's identifiers, the batched queries and the scores;
- :mod:`.links`: the links graph (skos:exactMatch, SSSOM mappings, PROV) and curations;
- :mod:`.sssom_tsv`: the links as SSSOM TSV, and a curator's edited file back;
- :mod:`.command`: ``mofkg link wikidata``, ``export mappings``, ``import mappings``.
"""
