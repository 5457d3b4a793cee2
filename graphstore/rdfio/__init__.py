"""Reading and writing RDF text: the formats mofkg knows (``formats``), input read within
its caps (``bounded_input``: gzip inflated once, in bounds), checked before any parser sees
it (``nesting``: depth and DTDs) and opened for loading (``loading``), and graphs written
out however deep their blank nodes nest (``serialising``).
"""
