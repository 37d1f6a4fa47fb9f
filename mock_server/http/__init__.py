"""Everything that speaks HTTP: the app factory and its state, the handlers, the control API,
middleware (request log, CORS, body limit, response cache, fast path, Prefer/latency/faults),
the Connexion glue, request validators and problem+json responses.

May import: `mock_server.api`, `mock_server.data`, Connexion and Starlette.
"""
