"""Where the suite's hooks keep the run's settings and the contract, for fixtures and tests
that run before any fixture can (`pytest_generate_tests`, collection hooks)."""

from __future__ import annotations

import pytest

from .oracle.contract import Contract
from .settings import Settings

SETTINGS_KEY = pytest.StashKey[Settings]()
CONTRACT_KEY = pytest.StashKey[Contract]()
