"""The conformance tests themselves, one module per layer of the contract (pytest collects
them through `leads-conformance`). May import everything else of `conformance`."""
