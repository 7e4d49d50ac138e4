"""Content problems: what a curator can fix, with the place it is at."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .messages import say


class Severity(StrEnum):
    """How bad a problem is: errors stop publishing, warnings only inform."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located as `path:line:column`."""

    path: Path
    line: int
    column: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def display_path(self, cwd: Path | None = None) -> str:
        """The path relative to the working directory where possible."""
        cwd = cwd or Path.cwd()
        try:
            return str(self.path.resolve().relative_to(cwd.resolve()))
        except ValueError:
            return str(self.path)

    def as_text(self, cwd: Path | None = None) -> str:
        """`path:line:col: field: message`, warnings marked as such."""
        where = f"{self.display_path(cwd)}:{self.line}:{self.column}"
        what = f"{self.field}: " if self.field else ""
        mark = say("提醒：", "warning: ") if self.severity is Severity.WARNING else ""
        return f"{where}: {mark}{what}{self.message}"

    def as_github(self, cwd: Path | None = None) -> str:
        """A GitHub Actions workflow command that annotates the line in a pull request."""
        kind = "warning" if self.severity is Severity.WARNING else "error"
        what = f"{self.field}: " if self.field else ""
        message = _escape_github_data(what + self.message)
        path = _escape_github_property(self.display_path(cwd))
        return f"::{kind} file={path},line={self.line},col={self.column}::{message}"


def _escape_github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_github_property(text: str) -> str:
    return _escape_github_data(text).replace(":", "%3A").replace(",", "%2C")


class ContentError(Exception):
    """The content cannot be used: carries every problem found, for the curator to fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} content error(s)")


class BySeverity:
    """Splits `self.problems` into the ones that stop publishing and the ones that advise."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop publishing."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are advice."""
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass
class ProblemLog(BySeverity):
    """Collects problems in the order they are found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Record one problem."""
        self.problems.append(problem)
