"""Conformance suite of the Leads API: checks a server against `openapi/leads.yaml` over HTTP.

It knows only the contract and HTTP (never the mock's code). Run it with `leads-conformance`
(or `python -m conformance`); `--help` lists the options.

Layers, imports pointing down only (`make lint` checks it): `suite` (the pytest tests) ->
`settings`, `parallel` (a run's options, xdist) -> `inputs` (what is sent) -> `leads` (the
suite's own leads on the server) -> `checks` (clauses as predicates) -> `http` (requests as
curl-printable exchanges) and `oracle` (the contract's meaning, no HTTP).
"""
