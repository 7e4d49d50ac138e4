"""`plus build`: validate, render with Pelican, index, check for NDA names, then swap in atomically.

The site is built in a temporary sibling of the output folder. Only a build that rendered, indexed
and passed the NDA scan replaces the previous output; anything else leaves it as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from admin.catalog import Catalog, require_catalog

from .generator import NoProgress, Progress
from .nda import NdaLeak, scan_output
from .search import index_site

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SETTINGS = REPO / "pelicanconf.py"
PUBLISH_SETTINGS = REPO / "publishconf.py"


class RenderError(Exception):
    """Pelican logged errors while rendering: the output is not trustworthy."""


@dataclass
class BuildReport:
    """What a successful build produced."""

    output: Path
    catalog: Catalog
    files: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def build_site(
    content: Path | str,
    output: Path | str,
    *,
    today: dt.date | None = None,
    settings_file: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the site from `content` into `output`; raises `ContentError`, `NdaLeak` or a render error."""
    started = time.perf_counter()
    progress = progress or NoProgress()
    timings: dict[str, float] = {}
    progress.stage("校验商品库")
    catalog = require_catalog(content, today=today)
    timings["validate"] = time.perf_counter() - started
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    try:
        with _timed(timings, "render"):
            render(catalog, staging, settings_file=settings_file, overrides=overrides, progress=progress)
        progress.stage("建立搜索索引")
        with _timed(timings, "index"):
            index_site(staging)
        progress.stage("检查保密品牌")
        with _timed(timings, "nda_scan"):
            names = {fid: f.nda_names for fid, f in catalog.factories.items() if f.nda_names}
            if leaks := scan_output(staging, names):
                raise NdaLeak(leaks, staging)
        files = sum(1 for p in staging.rglob("*") if p.is_file())
        _swap_in(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(output, catalog, files, time.perf_counter() - started, timings)


def render(
    catalog: Catalog,
    target: Path,
    *,
    settings_file: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> None:
    """Run Pelican with the storefront plugin, writing into `target`."""
    from pelican import Pelican
    from pelican.settings import read_settings

    override = {
        **(overrides or {}),
        "PATH": str(catalog.root.resolve()),
        "OUTPUT_PATH": str(target),
        "PLUS_CATALOG": catalog,
        "PLUS_PROGRESS": progress,
    }
    settings = read_settings(str(settings_file or DEFAULT_SETTINGS), override=override)
    with _errors_fail("pelican", "storefront") as errors, _pelican_console_quiet():
        Pelican(settings).run()
    if errors:
        raise RenderError("rendering logged errors: " + "; ".join(errors[:5]))


def _swap_in(staging: Path, output: Path) -> None:
    """Replace `output` with `staging`: two renames on one file system, the old tree removed after."""
    if not output.exists():
        staging.rename(output)
        return
    retired = output.with_name(f".{output.name}.old-{uuid.uuid4().hex[:8]}")
    output.rename(retired)
    staging.rename(output)
    shutil.rmtree(retired, ignore_errors=True)


@contextlib.contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


class _ErrorCollector(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextlib.contextmanager
def _errors_fail(*logger_names: str) -> Iterator[list[str]]:
    """Collect ERROR records from these loggers (Pelican's `--fatal errors` idea)."""
    errors: list[str] = []
    handler = _ErrorCollector(errors)
    loggers = [logging.getLogger(name) for name in logger_names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield errors
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@contextlib.contextmanager
def _pelican_console_quiet() -> Iterator[None]:
    """Pelican prints an article/page summary that means nothing for a shop: silence it."""
    from pelican.log import console

    was = console.quiet
    console.quiet = True
    try:
        yield
    finally:
        console.quiet = was


def progress_wanted() -> bool:
    """A progress bar only for a person at a terminal: never in CI or when output is piped."""
    return os.environ.get("CI", "").lower() not in ("1", "true", "yes") and sys.stderr.isatty()


class BarProgress:
    """A progress bar on stderr (rich, which Pelican already depends on)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = None

    def __enter__(self) -> "BarProgress":
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def stage(self, label: str, total: int | None = None) -> None:
        """Finish the previous step and start a new one."""
        if self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, completed=task.total or 1, total=task.total or 1)
        self._task = self._bar.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        """Count units done."""
        if self._task is not None:
            self._bar.advance(self._task, amount)
