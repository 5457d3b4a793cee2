"""The W3C protocols the endpoint speaks, and what they share.

``/sparql`` (:mod:`.sparql`, its parameters and bodies read by :mod:`.sparql_request`),
``/store`` (:mod:`.graph_store`, the Graph Store Protocol), the service description
(:mod:`.service_description`); content negotiation (:mod:`.negotiation`), the ``format=``
parameter (:mod:`.format_parameter`) and the results serialisers (:mod:`.results`).
"""
