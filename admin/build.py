"""`plus build`: validate, render with Pelican while Pagefind indexes, add the editor, check for NDA
names, then swap in atomically.

The site is built in a temporary sibling of the output folder. Only a build that rendered, indexed
and passed the NDA checks replaces the previous output; anything else leaves it as it was. Every
page is rendered and every product indexed each time: nothing is taken over from the previous
output (issue 16: reusing its unchanged pages saved less than validating and checking them cost; its
search index, when no record changed, saved Pagefind's CPU but little time, as Pagefind indexes on
the other core while the pages render, and no time when a title or a price changed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib.util
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

from catalog import Catalog, require_catalog
from catalog.messages import say
from storefront.generator import BuildState, NoProgress, Progress, RenderError
from storefront.nda import Leak, NdaGuard, NdaLeak, scan_output
from storefront.parallel import errors_logged, split_forked
from storefront.search import BUNDLE, SearchIndex, shard_size
from storefront.views import Store

from .stopping import raise_if_stopped, stops_held

log = logging.getLogger(__name__)

RETIRED = ".old-"
"""Marks the previous site's folder while it is removed: `.<output>.old-<random>`."""


def _shipped_settings(module: str) -> Path:
    """A Pelican settings file shipped beside the theme (the repository's root, or site-packages)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{module}.py is not installed with plus-store")
    return Path(spec.origin)


DEFAULT_SETTINGS = _shipped_settings("pelicanconf")
PUBLISH_SETTINGS = _shipped_settings("publishconf")


def _not_our_settings(zh: str, en: str) -> str:
    """A failed render's message `zh` / `en`, with the likely cause: settings that do not start from ours."""
    return say(
        f"{zh}：设置文件要以 `from pelicanconf import *` 开头（再改要改的值）",
        f"{en}: a settings file must start with `from pelicanconf import *`",
    )


@dataclass
class BuildReport:
    """What a successful build produced."""

    output: Path
    catalog: Catalog
    files: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    rendered: int = 0
    warnings: list[str] = field(default_factory=list)


def build_site(
    content: Path | str,
    output: Path | str,
    *,
    today: dt.date | None = None,
    settings_file: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
    cms_dir: Path | None = None,
) -> BuildReport:
    """Build the site from `content` into `output`; raises `ContentError`, `NdaLeak` or a render error."""
    started = time.perf_counter()
    progress = progress or NoProgress()
    timings: dict[str, float] = {}
    warnings: list[str] = []
    content, output = Path(content), Path(output).resolve()
    day = today or dt.date.today()
    search = staging = None
    try:
        progress.stage("校验商品库")
        with _timed(timings, "validate"), _frozen_heap():
            catalog = require_catalog(content, today=day, split=split_forked)
        raise_if_stopped()
        output.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(output)
        with stops_held():  # (a stop after the folder is made, before its name is known, would leave it behind)
            staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
        staging.chmod(0o755)  # mkdtemp's 0700 would keep a web server's user out of the published site
        guard = NdaGuard.of(catalog)
        with _timed(timings, "prepare"):
            settings = site_settings(catalog, staging, settings_file=settings_file, overrides=overrides, progress=progress)
            store = Store(catalog)
            size = shard_size(settings)
            with stops_held():  # (its records' folder is made: `search` must know it to remove it)
                search = SearchIndex(staging, store, guard, siteurl=settings["SITEURL"], language=settings["DEFAULT_LANG"], size=size)
            state = settings["PLUS_BUILD"] = BuildState(store=store, search=search, guard=guard)
            search.pump()  # the first shard's child starts now
        with _timed(timings, "render"):
            render(settings)
        if not state.rendered:
            raise RenderError(_not_our_settings("没有渲染任何页面", "no page was rendered"))
        with _timed(timings, "editor"):
            if note := write_editor(staging, catalog, cms_dir, site_url=settings["SITEURL"]):
                warnings.append(note)
        progress.stage("检查保密品牌")
        with _timed(timings, "nda_scan"):
            leaks = _nda_leaks(staging, state, guard)  # (while Pagefind indexes the last shard)
        progress.stage("建立搜索索引")
        with _timed(timings, "index_wait"):
            search.finish()
        if leaks := leaks + [Leak(staging / BUNDLE / pid, factory) for pid, factory in search.leaks]:
            raise NdaLeak(leaks, staging, content)  # (pages and records in one report)
        files = sum(len(names) for _, _, names in os.walk(staging))
        raise_if_stopped()  # a stopped build never publishes
        retired = _swap_in(staging, output)
    except BaseException:
        if search is not None:
            search.cancel()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise_if_stopped()  # what a stop made fail (a child it reached first) is still a stop
        raise
    finally:
        gc.unfreeze()
    _remove_retired(retired)
    seconds = time.perf_counter() - started
    return BuildReport(output, catalog, files, seconds, timings, state.rendered, warnings)


def site_settings(
    catalog: Catalog,
    target: Path,
    *,
    settings_file: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Pelican's settings for rendering `catalog` into `target`."""
    from pelican.settings import read_settings

    override = {
        **(overrides or {}),
        "PATH": str(catalog.root.resolve()),
        "OUTPUT_PATH": str(target),
        "PLUS_CATALOG": catalog,
        "PLUS_PROGRESS": progress,
    }
    return read_settings(str(settings_file or DEFAULT_SETTINGS), override=override)


def render(settings: dict[str, Any]) -> None:
    """Run Pelican with the storefront plugin."""
    from jinja2 import TemplateNotFound
    from pelican import Pelican

    with errors_logged("pelican", "storefront") as errors, _pelican_console_quiet():
        try:
            Pelican(settings).run()
        except TemplateNotFound as exc:
            raise RenderError(_not_our_settings(f"主题里没有模板 {exc.name}", f"the theme has no template {exc.name}")) from exc
    if errors:
        raise RenderError(say("渲染时出了错：", "rendering logged errors: ") + "; ".join(errors[:5]))


def write_editor(site: Path, catalog: Catalog, cms_dir: Path | None = None, *, site_url: str = "") -> str | None:
    """Add the browser editor at /admin/; without its JavaScript bundle, say so and go on without it."""
    from .curator.cms import CMS_DIR, BundleMissing, write_admin

    public = site_url if site_url.startswith(("http://", "https://")) else None  # the editor's "view live" links
    try:
        write_admin(site, catalog=catalog, cms_dir=cms_dir or CMS_DIR, site_url=public)
    except BundleMissing as exc:
        note = say(f"生成的网站不带网页编辑器（/admin/）：{exc}", f"built without the browser editor (/admin/): {exc}")
        log.warning(note)
        return note
    return None


def _nda_leaks(site: Path, state: BuildState, guard: NdaGuard) -> list[Leak]:
    """The pages and products.json (checked as they were written) and other files below `site` that
    name a brand held under NDA. Not read again (2-9 s of a 10,000-product build): those, and what
    was made from the checked search records alone, the indexes."""
    written = {page.save_as for page in state.pages} | set(state.checked)

    def checked(relative: str) -> bool:
        return relative in written or relative.startswith(f"{BUNDLE}/")

    return [Leak(site / page, factory) for page, factory in state.leaks] + scan_output(site, guard, checked)


def _swap_in(staging: Path, output: Path) -> Path | None:
    """Replace `output` with `staging` by two renames on one file system; returns where the previous
    site went (`_remove_retired` removes it once this build is done)."""
    retired = None
    swapped = False
    try:
        with stops_held():  # (a stop between the renames would leave no site at all)
            if output.exists():
                retired = output.with_name(f".{output.name}{RETIRED}{uuid.uuid4().hex[:8]}")
                output.rename(retired)
            staging.rename(output)
            swapped = True
    except KeyboardInterrupt:
        if not swapped:
            raise
        # The stop came during the renames, held until they were done: the new site is published.
    return retired


def _remove_retired(retired: Path | None) -> None:
    """Remove the previous site. The new one is published: a stop now only ends the removal, and
    the next build removes what is left (as it does after a build killed here)."""
    if retired is None:
        return
    try:
        shutil.rmtree(retired, ignore_errors=True)
    except KeyboardInterrupt:
        pass


def _remove_leftovers(output: Path) -> None:
    """Previous sites a build stopped or killed while removing them left beside `output`."""
    for old in output.parent.glob(f".{output.name}{RETIRED}*"):
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """No garbage collection while the catalog loads (it makes no cycles to free; the passes cost
    ~0.5 s at 10,000 products), then keep it out of later passes while pages render (each would walk
    every object of the catalog) and out of forked workers' copied pages."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


@contextlib.contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


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
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskID,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,  # no refresh thread: rendering forks, and a threaded process must not
        )
        self._task: TaskID | None = None
        self._shown = 0.0

    def __enter__(self) -> BarProgress:
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
        self._refresh(force=True)

    def advance(self, amount: int = 1) -> None:
        """Count units done."""
        if self._task is not None:
            self._bar.advance(self._task, amount)
            self._refresh()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._shown > 0.1:
            self._shown = now
            self._bar.refresh()
