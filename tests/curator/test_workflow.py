"""The pull-request workflow is valid YAML and runs the very commands the tests run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from admin.cli import cli
from admin.curator.report import MARKER

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "content.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def plus_commands(workflow) -> list[list[str]]:
    """Each `plus …` line of every `run:` step, split as the shell would (variables filled in)."""
    commands = []
    for step in steps(workflow):
        for line in step.get("run", "").splitlines():
            line = line.strip().replace('"origin/$BASE_REF"', "origin/main")
            if line.startswith("plus "):
                commands.append(shlex.split(line)[1:])
    return commands


def test_runs_on_every_pull_request_with_permission_to_comment(workflow):
    # PyYAML reads the bare key `on` as True (YAML 1.1); GitHub reads it as "on".
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    assert workflow["permissions"]["pull-requests"] == "write"


def test_installs_the_project_as_the_tests_do(workflow):
    runs = "\n".join(step.get("run", "") for step in steps(workflow))
    assert "pip install -e '.[test]'" in runs
    assert "npm ci --prefix cms" in runs
    checkout = next(step for step in steps(workflow) if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the report needs the base branch's history


def test_validates_builds_and_reports(workflow):
    commands = [" ".join(args) for args in plus_commands(workflow)]
    assert "validate --format github" in commands
    assert "build" in commands
    assert "report --base origin/main --output report.md" in commands
    assert "audit --base origin/main --format github" in commands  # judges only what the pull request touches
    base = next(step for step in steps(workflow) if "plus report" in step.get("run", ""))
    assert base["env"]["BASE_REF"] == "${{ github.base_ref }}"


def test_every_plus_command_in_the_workflow_parses(workflow):
    commands = plus_commands(workflow)
    assert len(commands) >= 4
    for args in commands:
        command = cli.get_command(click.Context(cli), args[0])
        assert command is not None, f"`plus {args[0]}` is not a command"
        with click.Context(cli) as parent:
            command.make_context(args[0], list(args[1:]), parent=parent)  # raises on an unknown option


def test_comment_step_updates_the_comment_the_report_marks(workflow):
    post = next(step for step in steps(workflow) if step.get("uses", "").startswith("actions/github-script"))
    script = post["with"]["script"]
    assert f'"{MARKER}"' in script
    assert "updateComment" in script and "createComment" in script
    assert re.search(r"readFileSync\(\"report\.md\"", script)
