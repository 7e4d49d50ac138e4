"""`plus` commands for the site (joined to `plus` in admin/cli.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from catalog import ContentError
from catalog.messages import language, say

from .bilingual import command, option
from .options import build_failed, content_option, left_as_it_was, today_option
from .stopping import STOPPED, stopped_by_signals

if TYPE_CHECKING:
    from .build import BuildReport


@command(zh="校验商品库并生成静态网站。写入 --output：全部成功才替换，否则保持原样。")
@content_option
@option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
    help="Where the site goes; replaced only by a build that fully succeeds.",
    zh="网站写到哪里；只有完全成功的生成才会替换它。",
)
@option(
    "--publish",
    is_flag=True,
    help="Use publishconf.py: absolute SITEURL for canonical URLs, feeds and sitemap.",
    zh="用 publishconf.py：规范网址、订阅源和站点地图用绝对地址（SITEURL）。",
)
@option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A Pelican settings file instead of pelicanconf.py / publishconf.py.",
    zh="用这个 Pelican 设置文件，代替 pelicanconf.py / publishconf.py。",
)
@option(
    "--search-shard",
    type=click.IntRange(min=1),
    default=None,
    help="Products a search index holds (PLUS_SEARCH_SHARD; default 5,000): a larger catalog gets several.",
    zh="每份搜索索引收录多少个商品（PLUS_SEARCH_SHARD；默认 5,000）：商品更多时分成几份。",
)
@today_option
def build(
    content: Path, output: Path, publish: bool, settings_file: Path | None, search_shard: int | None, today: dt.datetime | None
) -> None:
    """Validate the catalog and build the static store into --output (atomically)."""
    try:
        with stopped_by_signals():  # (from the first import on: a stop there is remembered, not swallowed)
            from admin.build import PUBLISH_SETTINGS, BarProgress, RenderError, build_site, progress_wanted
            from storefront.nda import NdaLeak
            from storefront.parallel import WorkerFailed
            from storefront.search import SearchIndexError

            settings_file = settings_file or (PUBLISH_SETTINGS if publish else None)
            bar = BarProgress() if progress_wanted() else None
            with bar or contextlib.nullcontext():
                report = build_site(
                    content,
                    output,
                    today=today.date() if today else None,
                    settings_file=settings_file,
                    overrides={"PLUS_SEARCH_SHARD": search_shard} if search_shard else None,
                    progress=bar,
                )
    except ContentError as exc:
        for problem in sorted(exc.problems):
            click.echo(problem.as_text(), err=True)
        errors = sum(1 for p in exc.problems if p.severity.value == "error")
        kept = left_as_it_was(output)
        click.echo(
            say(
                f"构建失败：内容有 {errors} 个错误（见上面各行）；{kept}",
                f"build failed: {errors} content error(s); {kept}",
            ),
            err=True,
        )
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        kept = left_as_it_was(output)
        click.echo(say(f"已停止：没有发布，{kept}", f"stopped: nothing was published, {kept}"), err=True)
        raise SystemExit(STOPPED) from None
    except (NdaLeak, RenderError, SearchIndexError, WorkerFailed) as exc:  # (WorkerFailed: the validation's child)
        click.echo(build_failed(exc, output), err=True)
        raise SystemExit(1) from None
    for problem in report.catalog.warnings:
        click.echo(problem.as_text(), err=True)
    for note in report.warnings:
        click.echo(say(f"提醒：{note}", f"warning: {note}"), err=True)
    click.echo(built(report, output))


STEPS = {
    "validate": "校验",
    "prepare": "准备",
    "render": "渲染",
    "editor": "网页编辑器 /admin/",
    "index_wait": "等搜索索引",
    "nda_scan": "保密检查",
}
"""The build's steps (`BuildReport.timings`) as a curator reads them."""


def built(report: BuildReport, output: Path) -> str:
    """The line a successful `plus build` ends with: what it made, where, and how long each step took."""
    if language() == "en":
        steps = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items())
        return (
            f"built {len(report.catalog.products)} products, {report.files} files into {output} "
            f"in {report.seconds:.2f}s ({steps}); {report.rendered} pages rendered, search index written"
        )
    steps = "，".join(f"{STEPS.get(name, name)} {seconds:.2f} 秒" for name, seconds in report.timings.items())
    warned = len(report.catalog.warnings) + len(report.warnings)
    return (
        f"已生成：{len(report.catalog.products)} 个商品，{report.files} 个文件，写入 {output}，"
        f"用时 {report.seconds:.2f} 秒（{steps}）；渲染 {report.rendered} 页，搜索索引已建好"
        + (f"；{warned} 条提醒（见上面各行）" if warned else "")
    )


COMMANDS = (build,)
"""The top-level commands and groups this module adds to `plus`."""
