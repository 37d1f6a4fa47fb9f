"""The kit's commands in the CI recipes of `docs/ci.md`, read so that the package test runs
exactly them (and a recipe that drifts fails this project's build first)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

CI_DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
KIT_COMMANDS = ("python -m pip install ", "leads-conformance ", "leads-mock ")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(text: str, language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(text) if lang == language]


def _kit_lines(commands: list[str]) -> list[str]:
    found = []
    for command in commands:
        for line in str(command).splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith(KIT_COMMANDS):
                found.append(line)
    return found


def github_commands(workflow: dict[str, Any]) -> list[str]:
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    return _kit_lines([step["run"] for step in steps if "run" in step])


def gitlab_commands(pipeline: dict[str, Any]) -> list[str]:
    return _kit_lines([line for job in pipeline.values() for line in job.get("script", [])])


def recipes(text: str | None = None) -> dict[str, list[str]]:
    """The kit's commands of each recipe: the two commands the page opens with, the GitHub
    job, the GitLab job, and the run against the mock it ends with."""
    text = CI_DOC.read_text(encoding="utf-8") if text is None else text
    workflow, pipeline = (yaml.safe_load(block) for block in blocks(text, "yaml"))
    shells = blocks(text, "sh")
    return {
        "overview": _kit_lines([shells[0]]),
        "github": github_commands(workflow),
        "gitlab": gitlab_commands(pipeline),
        "mock": _kit_lines([shells[-1]]),
    }


def argv(line: str, env: dict[str, str]) -> list[str]:
    """A recipe's line as arguments, its `$VARIABLES` taken from `env`."""
    words = shlex.split(line.rstrip("&").strip())
    return [re.sub(r"\$(\w+)", lambda m: env[m.group(1)], word) for word in words]
