"""The per-clause conformance report: cases recorded per clause of the contract (`ledger`),
the pytest hooks that gather them across workers (`plugin`), Markdown and HTML (`render`).

May import: `checks`, the oracle (the clause catalogue), pytest. Never `mock_server`.
"""
