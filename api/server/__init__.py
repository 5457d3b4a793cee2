"""How requests are served, whatever they ask.

The RSGI front of ``mofkg serve`` (:mod:`.front`) and the WSGI layer under Flask
(:mod:`.wsgi`); queries as jobs (:mod:`.queries`), run in killable worker processes
(:mod:`.worker`, :mod:`.frames`) by a pool (:mod:`.pool`), or on a read-only ``oxigraph serve``
(:mod:`.engine`, :mod:`.engine_http`), or inline when the row cap bounds them
(:mod:`.bounded`); the endpoint's state (:mod:`.state`) over a store shared by processes
(:mod:`.shared`); the query policy (:mod:`.policy`), request bodies (:mod:`.bodies`), memory
limits (:mod:`.limits`) and the Python lane of the request threads (:mod:`.lanes`).
"""
