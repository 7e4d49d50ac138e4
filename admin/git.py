"""The one place the admin runs git: revisions, exports and the origin of the content repository."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git could not give what was asked (not a repository, unknown revision)."""


def git(repo: Path, *args: str, timeout: float = 120) -> bytes:
    """Run git in `repo` and return its output; failures become `GitError`."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return done.stdout


def content_revision(content: Path) -> str | None:
    """The git commit of `content` (`+dirty` with uncommitted changes in it), or None outside git."""
    try:
        head = git(content, "rev-parse", "HEAD", timeout=10).decode().strip()
        dirty = git(content, "status", "--porcelain", "--", ".", timeout=10).strip()
    except GitError:
        return None
    return f"{head}+dirty" if dirty else head


def origin_url(repo: Path) -> str:
    """The URL of the `origin` remote, or "" when there is none."""
    try:
        return git(repo, "remote", "get-url", "origin", timeout=10).decode().strip()
    except GitError:
        return ""


def changed_files(repo: Path, base: str, folder: Path) -> set[Path]:
    """Files below `folder` that differ between commit `base` and the work tree, new untracked ones included."""
    relative = folder.resolve().relative_to(repo.resolve()).as_posix()
    diff = git(repo, "diff", "--name-only", "-z", base, "--", relative)
    new = git(repo, "ls-files", "--others", "--exclude-standard", "-z", "--", relative)
    names = [name for name in (diff + new).decode("utf-8", "surrogateescape").split("\0") if name]
    return {(repo / name).resolve() for name in names}
