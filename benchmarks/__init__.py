"""Benchmarks of the mock (`python -m benchmarks.run`) and its profiles (`benchmarks.profile`).

Not tests: they take minutes, need `wrk` and Prism (npm), and write `docs/benchmarks.md`.
"""
