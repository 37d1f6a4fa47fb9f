"""What the suite sends: valid lead bodies from the ids the server uses (`factory`), generated
filters (`strategies`), and schemathesis' cases kept on the suite's own leads (`guard`).

May import: the oracle, `conformance.http`, `checks`, `leads`, Hypothesis and schemathesis.
Never `mock_server`.
"""
