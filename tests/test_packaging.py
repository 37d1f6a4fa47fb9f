"""What the package carries and says it is: one version everywhere, every package in the wheel,
and CI recipes that pin that version (tests/packaging/ installs a built wheel)."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from leads_contract import DISTRIBUTION, SPEC, version_line

from conformance import __main__ as conformance_main
from tests.packaging.recipes import recipes

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def test_the_contract_the_package_and_the_installed_metadata_have_one_version() -> None:
    with SPEC.open(encoding="utf-8") as fh:
        contract = yaml.safe_load(fh)
    assert contract["info"]["version"] == VERSION
    assert metadata.version(DISTRIBUTION) == VERSION  # `make install` after a version change
    assert version_line("leads-mock") == f"leads-mock {VERSION} (contract {VERSION})"


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    config = PYPROJECT["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {v: k for k, v in config["package-dir"].items()}  # openapi -> leads_contract
    found = set()
    for init in REPO.glob("**/__init__.py"):
        top = init.relative_to(REPO).parts[0]
        if top not in ("mock_server", "conformance", *folders):
            continue
        parts = list(init.parent.relative_to(REPO).parts)
        parts[0] = folders.get(parts[0], parts[0])
        found.add(".".join(parts))
    assert found == listed


def test_the_ci_recipes_pin_this_version_and_run_the_same_commands() -> None:
    found = recipes()
    assert found["overview"] == found["github"] == found["gitlab"], found
    install, run = found["github"]
    assert install == f'python -m pip install "{DISTRIBUTION}[conformance]=={VERSION}"'
    assert run.startswith("leads-conformance --base-url") and "--report" in run
    programs = [line.split()[0] for line in found["mock"]]
    assert programs == ["python", "leads-mock", "leads-conformance"]
    assert found["mock"][0] == install


def test_the_suite_without_its_extra_names_the_install_command_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = conformance_main.importlib.util.find_spec
    monkeypatch.setattr(
        conformance_main.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "schemathesis" else real(name, *a),
    )
    assert conformance_main.main(["--base-url", "http://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"pip install '{DISTRIBUTION}[conformance]=={VERSION}'" in err
    assert "schemathesis" in err
