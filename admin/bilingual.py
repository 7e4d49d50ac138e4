"""`plus --help` in the curator's language: each command and option carries its zh-CN help (`zh=`)
beside the English one, and a help formatter puts click's own words (Usage, Options, …) in zh-CN.
click's usage errors (no such command, missing argument, …) are in zh-CN too: see `ChineseUsageError`.

Use `command`, `group` and `option` from here instead of click's: `tests/curator/test_cli_help.py`
walks every command and fails on a help text without its Chinese.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import unicodedata
from collections.abc import Container, Iterable, Iterator, Sequence
from typing import IO, Any

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
    def make_metavar(self, ctx: click.Context) -> str:
        """What an option takes (TEXT, DIRECTORY, …), in zh mode in zh-CN (文本, 文件夹, …)."""
        metavar = super().make_metavar(ctx)
        return metavar_zh(metavar) if chinese() else metavar


METAVARS_ZH = {
    "TEXT": "文本",
    "INTEGER": "整数",
    "INTEGER RANGE": "整数",
    "FLOAT": "数字",
    "FLOAT RANGE": "数字",
    "FILE": "文件",
    "DIRECTORY": "文件夹",
    "PATH": "路径",
    "HOST:PORT": "主机:端口",
    "STATUS": "状态",
}
"""What an option takes, as click names it (its types' names) or our options do, in zh-CN."""


def metavar_zh(metavar: str) -> str:
    """An option's metavar in zh-CN: a word of METAVARS_ZH, a date's format as YYYY-MM-DD; choices as they are."""
    base = metavar.removesuffix("...")
    if base in METAVARS_ZH:
        return METAVARS_ZH[base] + metavar[len(base) :]
    return metavar.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")


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
        if line and columns(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return [*lines, line]


def columns(text: str) -> int:
    """How many terminal columns `text` takes: a Chinese character (East Asian wide or full-width) takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def shortened(text: str, width: int) -> str:
    """`text` in at most `width` columns: as it is when it fits, else cut and ended with … (cut at a space
    when that keeps three quarters of the width: `24骨全自动雨伞 加固抗风…`, not `…加固抗风 黑…`)."""
    if columns(text) <= width:
        return text
    cut, used = "", 0
    for char in text:
        used += columns(char)
        if used > width - 1:  # (… takes one column)
            break
        cut += char
    before_space = cut.rstrip().rpartition(" ")[0]
    if before_space and columns(before_space) >= width * 3 // 4:
        cut = before_space
    return cut.rstrip() + "…"


def aligned(rows: Sequence[Sequence[str]], *, right: Container[int] = ()) -> list[str]:
    """A table's lines: each column as wide as its widest cell (in terminal columns, so Chinese cells line
    up too), two spaces apart; the columns numbered in `right` aligned right, the last one not padded."""
    if not rows:
        return []
    widths = [max(columns(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            padding = " " * (width - columns(cell))
            cells.append(padding + cell if i in right else cell + padding)
        lines.append("  ".join(cells).rstrip())
    return lines


class HelpFormatter(click.HelpFormatter):
    """click's help page, and in zh mode click's own words in zh-CN and lines wrapped by display width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or (CLICK_ZH["Usage:"] if chinese() else None))

    def write_heading(self, heading: str) -> None:
        if not chinese():
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{CLICK_ZH.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        super().write_text(self._kept(text, self.width - self.current_indent) if _wide(text) else text)

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """click's list of options or commands; in zh mode, or with Chinese in English help (顺丰), both
        columns measured by display width (a Chinese metavar such as 文件夹 takes two columns a
        character), the second wrapped by `wrap` (click counts a Chinese character as one column)."""
        rows = list(rows)
        if not any(_wide(first + second) for first, second in rows):
            super().write_dl(rows, col_max, col_spacing)
            return
        first_col = min(max(columns(first) for first, _ in rows), col_max) + col_spacing
        width = max(self.width - first_col - 2, 10)
        under = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            fits = columns(first) <= first_col - col_spacing
            self.write(" " * (first_col - columns(first)) if fits else "\n" + under)
            lines: list[str] = []
            for i, paragraph in enumerate((_click_zh(second) if chinese() else second).split("\n\n")):
                lines += ([""] if i else []) + wrap(paragraph, width)  # (paragraphs a blank line apart, as click has them)
            self.write(lines[0] + "\n" + "".join(f"{under}{line}\n" for line in lines[1:]))

    @staticmethod
    def _kept(text: str, width: int) -> str:
        """`text` wrapped here, each paragraph marked (\\b) for click to leave as it is."""
        return "\n\n".join("\b\n" + "\n".join(wrap(paragraph, width)) for paragraph in text.split("\n\n"))


def _wide(text: str) -> bool:
    """Whether `text` holds a character taking two columns (zh mode's help always does)."""
    return chinese() or columns(text) != len(text)


def _click_zh(help_text: str) -> str:
    """An option's help with click's words in zh-CN: the help of --help, `[default: …; required]`."""
    for en, zh in CLICK_ZH.items():
        help_text = help_text.replace(en, zh)
    return help_text


CLICK_ERRORS_ZH = {
    "{message} Did you mean {possibility}?": "{message}是不是想用 {possibility}？",
    "{message} (Did you mean one of: {possibilities}?)": "{message}是不是想用 {possibilities}？",
    "{message} Choose from:\n\t{choices}": "{message}可以写 {choices}。",
    "Invalid value for {name}: {message}": "{name} 的值不对：{message}",
    "Invalid value: {message}": "{message}",
    "No such command {name}.": "没有 {name} 这个命令。",
    "No such option {name}.": "没有 {name} 这个选项。",
    "Missing command.": "缺少命令，请写上要运行的命令。",
    "Missing argument {name}.": "缺少参数 {name}，请补上。",
    "Missing parameter {name}.": "缺少参数 {name}，请补上。",
    "Missing option {name}.": "缺少选项 {name}，请补上。",
    "Option {name} requires an argument.": "选项 {name} 后面要写一个值。",
    "Option {name} requires {nargs} arguments.": "选项 {name} 后面要写 {nargs} 个值。",
    "Option {name} does not take a value.": "选项 {name} 不带值，请去掉等号和后面的值。",
    "Got unexpected extra argument ({args})": "多了参数 {args}，请去掉。",
    "Got unexpected extra arguments ({args})": "多了参数 {args}，请去掉。",
    "{value} is not one of {choices}.": "只能是 {choices}，不能是 {value}。",
    "{value} does not match the format {format}.": "要写有效的日期（{format}），不能是 {value}。",
    "{value} does not match the formats {formats}.": "要写有效的日期（{formats}），不能是 {value}。",
    "{value} is not in the range {range}.": "要在 {range} 范围内，不能是 {value}。",
    "{value} is not a valid {kind}.": "要写{kind}，不能是 {value}。",
    "{kind} {filename} does not exist.": "{kind} {filename} 不存在，请检查路径。",
    "{kind} {filename} is a file.": "{filename} 是文件，这里要写文件夹。",
    "{kind} {filename} is a directory.": "{filename} 是文件夹，这里要写文件。",
    "{kind} {filename} is not readable.": "没有权限读取{kind} {filename}，请检查它的权限。",
}
"""click's usage error messages (its templates, from click's exceptions.py, parser.py, core.py and types.py)
in zh-CN: the first whose template matches a whole message translates it. {message} is itself translated,
{choices}, {possibilities} and {formats} are lists, {kind} is one of click's words below."""

CLICK_WORDS_ZH = {
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "integer": "整数",
    "integer range": "整数",
    "float": "数字",
    "float range": "数字",
}


def click_error_zh(message: str) -> str:
    """A click usage error's message in zh-CN, or as it is when click did not write it."""
    for en, zh in CLICK_ERRORS_ZH.items():
        if match := _template(en).fullmatch(message):
            return zh.format_map({name: _value_zh(name, text) for name, text in match.groupdict().items()})
    return message


@functools.cache
def _template(en: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(en)), re.DOTALL)


def _value_zh(name: str, text: str) -> str:
    """What click put in a message's {name}, as the Chinese message shows it: without click's quotes."""
    if name == "message":
        return click_error_zh(text)
    if name == "kind":
        return CLICK_WORDS_ZH.get(text, text)
    text = re.sub(r"'([^'\s]+)'", r"\1", text).replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    if name in ("choices", "possibilities", "formats"):
        *others, last = re.split(r",\s+", text)
        return f"{'、'.join(others)} 或 {last}" if others else last
    return text


class ChineseUsageError(click.UsageError):
    """click's usage error `error` in zh-CN: its message, and click's hint and "Error:" around it."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(click_error_zh(error.format_message()), error.ctx)

    def show(self, file: IO[Any] | None = None) -> None:
        color = None
        if self.ctx is not None:
            hint, color = "", self.ctx.color
            if self.ctx.command.get_help_option(self.ctx) is not None:
                names = self.ctx.command.get_help_option_names(self.ctx)
                hint = f"运行 {self.ctx.command_path} {max(names, key=len)} 查看用法。\n"
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=True, color=color)
        click.echo(f"错误：{self.message}", file=file, err=True, color=color)


class ChineseError(click.ClickException):
    """A command's own error (its message already in the curator's language) after 错误：, not click's "Error: "."""

    def __init__(self, error: click.ClickException) -> None:
        super().__init__(error.format_message())
        self.exit_code = error.exit_code  # type: ignore[misc]  # (click's is a class attribute: 1)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.message}", file=file, err=True)


@contextlib.contextmanager
def usage_errors_in_chinese() -> Iterator[None]:
    """click's usage errors raised inside, in zh-CN in zh mode (not NoArgsIsHelpError, which shows the help)."""
    try:
        yield
    except click.UsageError as error:
        if chinese() and type(error).show is click.UsageError.show:
            raise ChineseUsageError(error) from error
        raise
    except click.ClickException as error:  # (our own messages: only click's "Error: " before them is translated)
        if chinese() and type(error).show is click.ClickException.show:
            raise ChineseError(error) from error
        raise


class Context(click.Context):
    formatter_class = HelpFormatter


class Command(_Bilingual, click.Command):
    context_class = Context

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self) or super().get_short_help_str(FIRST_SENTENCE)


class Group(_Bilingual, click.Group):
    context_class = Context
    command_class = Command
    group_class = type  # its subgroups are Groups too

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self) or super().get_short_help_str(FIRST_SENTENCE)


FIRST_SENTENCE = 200
"""Characters of a command's English summary in its group's list: its help's whole first sentence,
wrapped there, as the Chinese one is (click cut it at ~50 characters with '...')."""


def _summary(command: Command | Group) -> str:
    """A command's line in its group's list, in zh mode: its Chinese help's first sentence."""
    return re.split("[。\n]", command.zh)[0] if chinese() and not command.short_help else ""


class Root(Group):
    """The `plus` group: `--lang` is read wherever it stands (`plus validate --lang en …`), and before
    anything else, so `plus --help --lang en` is English too. Its usage errors, and its commands', are in
    the curator's language."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        lang, rest = _take_lang(args)
        set_language(lang)  # None: decided by the environment, afresh on every run
        with usage_errors_in_chinese():
            return super().parse_args(ctx, (["--lang", lang] if lang else []) + rest)

    def invoke(self, ctx: click.Context) -> Any:
        with usage_errors_in_chinese():  # (a command's arguments are parsed here, in Group.invoke)
            return super().invoke(ctx)


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
