"""What mofkg offers other catalogues and harvesters, built from the store.

- :mod:`.catalogue`: the catalogue as DCAT-AP 3 or MLDCAT-AP 3.1 (``mofkg export --profile``,
  ``/catalog``), from SPARQL CONSTRUCT queries shipped in ``queries/``;
- :mod:`.structured`: schema.org and Croissant JSON-LD for the model and dataset pages;
- :mod:`.void`: the VoID description of the dataset (``/.well-known/void``);
- :mod:`.dumps`: the whole store and each named graph as gzipped downloads (``/dumps/``).
"""
