"""The content at a git revision, exported to a folder and loaded by the catalog's own loader."""

from __future__ import annotations

import datetime as dt
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from catalog import Catalog, Factory, Problem, Product, load_catalog
from catalog.messages import say
from catalog.yamlfile import YamlProblem, read_file

from ..git import GitError, git


@dataclass
class Snapshot:
    """One side of a comparison: a catalog when it validates, else the files that do on their own."""

    label: str
    catalog: Catalog | None
    products: dict[str, Product]
    factories: dict[str, Factory]
    problems: list[Problem] = field(default_factory=list)
    missing: bool = False
    """True when the revision has no content folder at all."""
    raw_nda: set[str] = field(default_factory=set)
    """NDA names read from factory files that do not validate, so a report can still withhold them."""

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop this side from validating."""
        return [p for p in self.problems if p.severity.value == "error"]

    def nda_names(self) -> set[str]:
        """Every NDA brand spelling this side knows of, even from a catalog that does not validate."""
        return {name for factory in self.factories.values() for name in factory.nda_names} | self.raw_nda


def load_snapshot(content: Path, label: str, *, today: dt.date) -> Snapshot:
    """Load a content folder; when it fails to validate, keep each file that validates alone."""
    result = load_catalog(content, today=today)
    if result.catalog is not None:
        catalog = result.catalog
        return Snapshot(label, catalog, dict(catalog.products), dict(catalog.factories), result.problems)
    factories = content / "factories"
    return Snapshot(
        label, None, _files(content / "products", Product), _files(factories, Factory), result.problems, raw_nda=raw_nda_names(factories)
    )


def _files(folder: Path, model: type[Product] | type[Factory]) -> dict:
    """Files that pass their own model, read with the catalog's parser (cross-file rules skipped)."""
    items = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = read_file(path)
        except YamlProblem:
            continue
        if isinstance(data, dict):
            try:
                items[path.stem] = model.model_validate(data)
            except ValueError:  # pydantic's ValidationError is a ValueError
                continue
    return items


def raw_nda_names(folder: Path) -> set[str]:
    """Brand names marked `disclosure: nda` in any factory file, read without validating it."""
    names: set[str] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = read_file(path)
        except YamlProblem:
            continue
        entries = data.get("oem_for") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("disclosure") == "nda":
                aliases = entry.get("aliases")
                aliases = aliases if isinstance(aliases, list) else []
                names.update(str(n) for n in [entry.get("brand"), *aliases] if isinstance(n, str) and n.strip())
    return names


def repo_root(path: Path) -> Path:
    """The top folder of the git work tree holding `path`."""
    start = path if path.is_dir() else path.parent
    return Path(git(start, "rev-parse", "--show-toplevel").decode().strip())


def resolve(repo: Path, rev: str) -> str:
    """The full commit id of `rev`."""
    if rev.startswith("-"):
        raise GitError(say(f"{rev} 不是一个版本", f"not a revision: {rev!r}"))
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(
            say(
                f"找不到版本 {rev}（在拉取请求里，先取回目标分支：git fetch origin main）",
                f"unknown revision {rev!r} (for a pull request, fetch the base branch first: git fetch origin main)",
            )
        ) from None


def export(repo: Path, commit: str, relative: Path, target: Path) -> Path | None:
    """Write the folder `relative` as it was at `commit` below `target`; None when it did not exist."""
    listing = git(repo, "ls-tree", "-d", "--name-only", commit, "--", relative.as_posix()).decode().strip()
    if not listing:
        return None
    archive = git(repo, "archive", "--format=tar", commit, "--", relative.as_posix())
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / relative


def load_revision(content: Path, rev: str, scratch: Path, *, today: dt.date) -> Snapshot:
    """The snapshot of `content` as it was at git revision `rev`, exported into `scratch`."""
    content = content.resolve()
    repo = repo_root(content).resolve()
    commit = resolve(repo, rev)
    label = f"{rev} ({commit[:7]})"
    exported = export(repo, commit, content.relative_to(repo), scratch)
    if exported is None:
        return Snapshot(label, None, {}, {}, missing=True)
    return load_snapshot(exported, label, today=today)
