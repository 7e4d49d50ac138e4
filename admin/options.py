"""Options and messages shared by the `plus` commands."""

from __future__ import annotations

from pathlib import Path

import click

from catalog.messages import say
from storefront.parallel import WorkerFailed

from .bilingual import option

DEFAULT_CONTENT = "content"


def content_option(function):
    """The `--content DIR` option every catalog command takes."""
    return option(
        "--content",
        "content",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_CONTENT,
        show_default=True,
        envvar="PLUS_CONTENT",
        help="The content folder (products/, factories/, categories.yaml, …).",
        zh="内容文件夹（里面有 products/、factories/、categories.yaml 等）。",
    )(function)


def today_option(function):
    """`--today`, so checks of dates can be reproduced."""
    return option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        envvar="PLUS_TODAY",
        help="Judge dates as if today were this day (YYYY-MM-DD).",
        zh="把这一天（YYYY-MM-DD）当作今天来判断日期。",
    )(function)


def validation_child_failed(exc: Exception) -> str:
    """What to say when the child process validating half the catalog failed (see `split_forked`)."""
    return say(
        f"校验没有做完：分担校验的子进程失败了（{exc}）。请再运行一次；反复出现时，看看机器的内存是否够用，或把这条消息报告给维护者",
        f"validation did not finish: the child process validating half the catalog failed ({exc}); run it again, "
        "and if it repeats, check the machine's memory or report this message",
    )


def build_failed(exc: Exception, output: Path) -> str:
    """What `plus build` and `plus serve` say when a build failed after its content passed (an NDA
    name in a file, a template, Pagefind) or its validation child did: nothing was published."""
    reason = validation_child_failed(exc) if isinstance(exc, WorkerFailed) else say(f"生成失败：{exc}", f"build failed: {exc}")
    kept = left_as_it_was(output)
    return reason + "\n" + say(f"{kept}，没有发布半成品", f"{kept}: nothing half-built was published")


def left_as_it_was(output: Path) -> str:
    """What became of the output folder of a build that published nothing: kept, or never made."""
    if output.exists():
        return say(f"{output} 保持原样", f"{output} was left as it was")
    return say(f"没有生成 {output}", f"{output} was not made")
