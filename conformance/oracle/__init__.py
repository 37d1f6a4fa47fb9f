"""The suite's own reading of the contract, over plain data and leads as answered: what the
document says (`contract`), what a list must hold and in which order (`lists`), what a lead
must look like after a write (`writes`).

May import: the standard library and PyYAML. Never HTTP, pytest, nor `mock_server`.
"""
