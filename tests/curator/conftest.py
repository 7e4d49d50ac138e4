"""Fixtures for the curator commands: a CLI runner and a scratch git repository around content."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Curator",
    "GIT_AUTHOR_EMAIL": "curator@example.invalid",
    "GIT_COMMITTER_NAME": "Curator",
    "GIT_COMMITTER_EMAIL": "curator@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


@pytest.fixture
def runner() -> CliRunner:
    """A click runner for `plus` commands."""
    return CliRunner()


class GitRepo:
    """A throwaway git repository whose work tree holds the test's content folder."""

    def __init__(self, root: Path):
        self.root = root
        self.run("init", "--quiet", "--initial-branch=main")

    def run(self, *args: str) -> str:
        """Run git in the repository and return what it printed."""
        env = {**os.environ, **GIT_ENV}
        done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env, check=True)
        return done.stdout.strip()

    def commit(self, message: str = "content") -> str:
        """Commit everything in the work tree; returns the commit id."""
        self.run("add", "--all")
        self.run("commit", "--quiet", "--allow-empty", "-m", message)
        return self.run("rev-parse", "HEAD")


@pytest.fixture
def git_repo(content) -> GitRepo:
    """The `content` tree inside a git repository, committed once as the base."""
    repo = GitRepo(content.root.parent)
    repo.commit("base")
    return repo
