"""Benchmarks of the mock (`python -m benchmarks.run`) and its profiles (`benchmarks.profile`).

Not tests: they take minutes, need `wrk` and Prism (npm), and write `docs/benchmarks.md`.
Layers, imports pointing down only (`make lint`): the commands `run` and `profile` ->
`results` (figures, report, plot) -> `measure` (servers, load, data sets, machine).
"""
