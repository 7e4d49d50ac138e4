"""`plus --help` in the curator's language: each command and option carries its zh-CN help (`zh=`)
beside the English one, and a help formatter puts click's own words (Usage, Options, …) in zh-CN.

Use `command`, `group` and `option` from here instead of click's: `tests/curator/test_cli_help.py`
walks every command and fails on a help text without its Chinese.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import click

from catalog.messages import language, set_language


def chinese() -> bool:
    return language() == "zh"


class _Bilingual:
    """`.help` is `zh` in zh mode (when there is one), else the English `help`, wherever click reads it."""

    def __init__(self, *args: Any, zh: str = "", **kwargs: Any) -> None:
        self.zh = inspect.cleandoc(zh)
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str | None:
        return self.zh if self.zh and chinese() else self.en

    @help.setter
    def help(self, text: str | None) -> None:
        self.en = text


class Option(_Bilingual, click.Option):
    pass


CLICK_ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示这份帮助并退出。",
    "default: ": "默认：",
    "required": "必填",
}
"""click's own words in a help page, in zh-CN."""


WIDE = "\u2e80-\uffff"
"""Chinese characters and punctuation (a regex range): lines break between them, and join without a space."""


def wrap(paragraph: str, width: int) -> list[str]:
    """A paragraph in lines of at most `width` columns (a Chinese character takes two): its lines joined as
    one, then broken at spaces or between Chinese characters, never after an opening bracket or before
    closing punctuation."""
    text = re.sub(rf"(?<=[{WIDE}])\s*\n\s*|\s*\n\s*(?=[{WIDE}])", "", paragraph.strip())
    lines, line = [], ""
    for token in re.findall(rf"\s+|[（“\[]*(?:[{WIDE}]|[^\s{WIDE}]+)[。，；：、）”！？]*", re.sub(r"\s*\n\s*", " ", text)):
        if line and _columns(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return [*lines, line]


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class HelpFormatter(click.HelpFormatter):
    """click's help page, and in zh mode click's own words in zh-CN and lines wrapped by display width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or (CLICK_ZH["Usage:"] if chinese() else None))

    def write_heading(self, heading: str) -> None:
        if not chinese():
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{CLICK_ZH.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        super().write_text(self._kept(text, self.width - self.current_indent) if chinese() else text)

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if chinese():
            width = max(self.width - min(max(len(first) for first, _ in rows), col_max) - col_spacing - 2, 10)
            rows = [(first, self._kept(_click_zh(second), width) if second else second) for first, second in rows]
        super().write_dl(rows, col_max, col_spacing)

    @staticmethod
    def _kept(text: str, width: int) -> str:
        """`text` wrapped here, each paragraph marked (\\b) for click to leave as it is."""
        return "\n\n".join("\b\n" + "\n".join(wrap(paragraph, width)) for paragraph in text.split("\n\n"))


def _click_zh(help_text: str) -> str:
    """An option's help with click's words in zh-CN: the help of --help, `[default: …; required]`."""
    for en, zh in CLICK_ZH.items():
        help_text = help_text.replace(en, zh)
    return help_text


class Context(click.Context):
    formatter_class = HelpFormatter


class Command(_Bilingual, click.Command):
    context_class = Context

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self) or super().get_short_help_str(limit)


class Group(_Bilingual, click.Group):
    context_class = Context
    command_class = Command
    group_class = type  # its subgroups are Groups too

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self) or super().get_short_help_str(limit)


def _summary(command: Command | Group) -> str:
    """A command's line in its group's list, in zh mode: its Chinese help's first sentence."""
    return re.split("[。\n]", command.zh)[0] if chinese() and not command.short_help else ""


class Root(Group):
    """The `plus` group: `--lang` is read wherever it stands (`plus validate --lang en …`), and before
    anything else, so `plus --help --lang en` is English too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        lang, rest = _take_lang(args)
        set_language(lang)  # None: decided by the environment, afresh on every run
        return super().parse_args(ctx, (["--lang", lang] if lang else []) + rest)


def _take_lang(args: list[str]) -> tuple[str | None, list[str]]:
    """The last `--lang X` / `--lang=X` before any `--`, and the other arguments."""
    lang, rest, i = None, list[str](), 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return lang, rest + args[i:]
        if arg == "--lang" and i + 1 < len(args):
            lang, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang = arg.removeprefix("--lang=")
        else:
            rest.append(arg)
        i += 1
    return lang, rest


command = functools.partial(click.command, cls=Command)
group = functools.partial(click.group, cls=Group)
option = functools.partial(click.option, cls=Option)
