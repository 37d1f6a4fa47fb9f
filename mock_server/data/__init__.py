"""Loading: the contract (`openapi/leads.yaml`), fixture sets, and the cache of checked sets.

May import: `mock_server.api` (records and rules the data must follow). Never
`mock_server.http`, nor any web framework.
"""
