"""The figures turned into `docs/benchmarks.md` and its plot: medians, growth, targets.

May import: `benchmarks.measure` and matplotlib (the plot only).
"""
