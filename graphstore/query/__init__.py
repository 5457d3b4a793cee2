"""What a SPARQL query may reach and for how long, for the CLI and the endpoint alike:
``policy`` checks SERVICE, LOAD, FROM and USING against the settings; ``deadline`` runs
an allowed federated query in a child process stopped at the timeout.
"""
