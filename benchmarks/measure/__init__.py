"""Taking the figures: the servers as child processes, the data sets, wrk and its Lua
scripts, the suite's wall time, the machine, and where a profiled stack's time goes.

May import: the standard library (and, at run time, the mock as a child process only).
"""
