"""Talking to the server under test: requests kept as exchanges that print as `curl -g`
(`client`), and the bracketed query strings of lists (`wire`).

May import: httpx. Never the oracle, the checks, nor `mock_server`.
"""
