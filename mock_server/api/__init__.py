"""The Leads API's semantics over plain data: the store, filters, sorting, patches, rights,
rendering, the rules beyond the schema, and the errors they raise.

May import: the standard library and plain-data libraries. Never `mock_server.http`,
`mock_server.data`, nor any web framework (Connexion, Starlette): `make lint` checks it.
"""
