"""`plus`: the curator and operator command line."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from pathlib import Path
from typing import Any

import click

from catalog import load_catalog
from catalog.messages import content_flag, other_content_flag, say
from catalog.problems import Severity
from storefront.parallel import WorkerFailed, split_forked

from . import checkout_commands, curator_commands, deploy_commands, site_commands
from .bilingual import Option, Root, group, option
from .options import content_option, today_option, validation_child_failed
from .stopping import STOPPED, raise_if_stopped, stopped_by_signals


class Plus(Root):
    """`plus`: a stop that reaches it from a command, before the command's own handling (`stopped_by_signals`)
    began, says so and exits 130, as a stopped command does (click would say "Aborted!" and exit 1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(say("已停止", "stopped"), err=True)
            raise SystemExit(STOPPED) from None


@group(
    cls=Plus,
    zh="""PLUS 商店：校验商品库、生成网站、运行结账、处理订单。

    各命令的用法：plus 命令 --help。""",
)
@click.version_option(package_name="plus-store", cls=Option, zh="显示版本号并退出。")
@option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of messages and help: zh (the default) or en; without it, PLUS_LANG or an English locale (LANG=en_*) means en. It may stand anywhere on the command line.",
    zh="消息和帮助的语言：zh（默认）或 en；不写时，设置了 PLUS_LANG=en 或英文 locale（LANG=en_*）就用英文。可以写在命令行的任何位置。",
)
def cli(lang: str | None) -> None:
    """PLUS Store: validate the catalog, build the site, run the checkout, operate orders."""
    # (--lang was read by Root.parse_args, before --help and wherever it stood)


@cli.command(
    zh="""检查所有内容文件；有必须改的问题时退出码为 1。

    给出 PATHS（内容文件夹里的文件或文件夹）时只报告它们的问题；规则跨文件，所以仍然检查整个商品库。
    PATHS 是一个内容文件夹时，就校验这个内容文件夹。"""
)
@content_option
@option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github prints workflow annotations.",
    zh="github：输出 GitHub Actions 的注释，错误标在改动的行上。",
)
@option("--strict", is_flag=True, help="Treat warnings (such as stale comparisons) as errors.", zh="把提醒（如过期的对比价）也当作错误。")
@today_option
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(content: Path, fmt: str, strict: bool, today: dt.datetime | None, paths: tuple[Path, ...]) -> None:
    """Check every content file; exit 1 when anything must be fixed.

    PATHS (files or folders inside the content folder) narrow the report to them: the whole catalog is
    still checked, since rules cross files. A content folder given as PATHS is the content."""
    if len(paths) == 1 and _is_content_folder(paths[0]):
        content, paths = paths[0], ()
    chosen = [_inside(path, content) for path in paths]
    if not content.is_dir():
        click.echo(
            say(
                f"内容文件夹 {content} 不存在：请在仓库根目录运行，或用 --content 指定内容文件夹（里面有 products/ 和 factories/）",
                f"the content folder {content} does not exist: run from the repository, or set --content",
            ),
            err=True,
        )
        raise SystemExit(2)
    gc.disable()  # loading makes no garbage cycles; the collector's passes over the growing catalog cost ~0.5 s
    try:
        with stopped_by_signals():  # (half the files are read in a forked child: stopped with this process)
            try:
                result = load_catalog(content, today=today.date() if today else None, strict=strict, split=split_forked)
            finally:
                raise_if_stopped()  # (also when the stop made the child fail)
    except WorkerFailed as exc:
        click.echo(validation_child_failed(exc), err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        click.echo(say("已停止：校验没有做完", "stopped: validation did not finish"), err=True)
        raise SystemExit(STOPPED) from None
    finally:
        gc.enable()
    mine = [p for p in result.problems if _in_any(p.path, chosen)] if chosen else result.problems
    for problem in sorted(mine):
        click.echo(problem.as_text() if fmt == "text" else problem.as_github())
    errors = sum(p.severity is Severity.ERROR for p in mine)
    warnings = len(mine) - errors
    elsewhere = len(result.errors) - errors
    if chosen:
        _report_chosen(len(chosen), errors, warnings, elsewhere, fmt, content)
        return
    if result.catalog is not None:
        catalog = result.catalog
        summary = say(
            f"通过：{len(catalog.products)} 个商品，{len(catalog.factories)} 家工厂" + (f"，{warnings} 条提醒" if warnings else ""),
            f"ok: {len(catalog.products)} products, {len(catalog.factories)} factories" + (f", {warnings} warning(s)" if warnings else ""),
        )
        click.echo(summary)
        return
    _fail(errors, warnings, fmt, content)


def _is_content_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "products").is_dir() or (path / "factories").is_dir())


def _inside(path: Path, content: Path) -> Path:
    """`path` resolved, or a usage error (exit 2) when it is not inside the content folder."""
    resolved = path.resolve()
    if not resolved.is_relative_to(content.resolve()):
        home = next((folder for folder in resolved.parents if _is_content_folder(folder)), None)
        flag = other_content_flag(home) if home else ""
        click.echo(
            say(
                f"{path} 不在内容文件夹 {content} 里："
                + (
                    f"它在内容文件夹 {home} 里，加上{flag} 再运行"
                    if home
                    else "只能检查内容文件夹里的文件，或用 --content 指定它所在的内容文件夹"
                ),
                f"{path} is not inside the content folder {content}: " + (f"it is inside {home}: add{flag}" if home else "set --content"),
            ),
            err=True,
        )
        raise SystemExit(2)
    return resolved


def _in_any(path: Path, chosen: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(c) for c in chosen)  # the file itself, or a file in a named folder


def _report_chosen(files: int, errors: int, warnings: int, elsewhere: int, fmt: str, content: Path) -> None:
    """The summary when PATHS were named: theirs, then how many errors the rest of the catalog has."""
    others = say(
        f"；其他文件还有 {elsewhere} 个错误（不带文件名运行 plus validate{content_flag(content)} 查看）",
        f"; other files have {elsewhere} error(s)",
    )
    note = others if elsewhere else ""
    if not errors:
        tail = say(f"，{warnings} 条提醒", f", {warnings} warning(s)") if warnings else ""
        click.echo(say(f"通过：所选 {files} 个文件没有问题", f"ok: no problem in the {files} file(s) named") + tail + note)
        return
    _fail(errors, warnings, fmt, content, note)


def _fail(errors: int, warnings: int, fmt: str, content: Path, note: str = "") -> None:
    """The summary of a failed check (to stderr under --format github, after the annotations), exit 1."""
    failed = say(
        f"未通过：{errors} 个错误，{warnings} 条提醒；改好后再运行 plus validate{content_flag(content)}",
        f"failed: {errors} error(s), {warnings} warning(s); fix them and run plus validate{content_flag(content)} again",
    )
    click.echo(failed + note, err=fmt == "github")
    raise SystemExit(1)


for _module in (site_commands, checkout_commands, deploy_commands, curator_commands):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


QUICK_EXIT = ("build", "validate")
"""Commands after which `plus` leaves without the interpreter's teardown (see `main`)."""


def main() -> None:
    """The `plus` program. After `build` or `validate` it leaves at once: freeing a 10,000-product
    catalog object by object took ~1 s, and there is nothing else to clean up (files are closed,
    Pagefind has exited)."""
    try:
        cli.main(prog_name="plus")
    except SystemExit as exc:
        if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT and (exc.code is None or isinstance(exc.code, int)):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code or 0)
        raise
