"""The Leads API contract as package data: `leads.yaml` and `DECISIONS.md`.

In the checkout this folder is `openapi/`; installed, it is the package `leads_contract`
(`pyproject.toml` maps the one to the other). The mock, the suite and the fixture generator
find the contract through `SPEC` and nothing else, so that a wheel carries what they read.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

# A wheel installs as plain files, so the resources are paths on disk.
SPEC = Path(str(files(__name__) / "leads.yaml"))
DECISIONS = Path(str(files(__name__) / "DECISIONS.md"))
DISTRIBUTION = "leads-api-contract-kit"


def version_line(program: str) -> str:
    """`leads-mock 2.1.0 (contract 2.1.0)`: the installed package's version and the contract's
    `info.version`, which a release keeps equal (a backend team pins one number)."""
    import yaml  # here: only `--version` reads the contract this way

    try:
        package = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        package = "(not installed)"
    with SPEC.open(encoding="utf-8") as fh:
        contract = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return f"{program} {package} (contract {contract['info']['version']})"


class VersionAction(argparse.Action):
    """`--version` for the kit's commands: `version_line`, read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(version_line(parser.prog))
        parser.exit()
