"""Conformance suite of the Leads API: checks a server against `openapi/leads.yaml` over HTTP.

It knows only the contract and HTTP (never the mock's code). Run it with `leads-conformance`
(or `python -m conformance`); `--help` lists the options.
"""
