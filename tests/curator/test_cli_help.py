"""`plus --help` and every command's help: zh-CN by default, today's English with `--lang en` or an
English environment; `--lang` anywhere on the command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata

import pytest
from click.testing import CliRunner

from admin.bilingual import Command, Group, Option
from admin.cli import cli
from tests.conftest import PRODUCT, REPO
from tests.language import columns

LOCALE = ("PLUS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
CJK = re.compile(r"[\u4e00-\u9fff]")


def plus(*args: str, **env: str | None):
    return CliRunner(env=env).invoke(cli, list(args), prog_name="plus")


def commands(command=cli, path=()):
    """Every command and group of `plus`, with the words that call it."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def test_every_command_and_option_has_its_chinese_help():
    untranslated = []
    for path, command in commands():
        where = " ".join(("plus", *path))
        if getattr(command, "en", command.help) and not (isinstance(command, (Command, Group)) and CJK.search(command.zh)):
            untranslated.append(where)
        for param in command.params:
            english = getattr(param, "en", getattr(param, "help", None))
            if english and not (isinstance(param, Option) and CJK.search(param.zh)):
                untranslated.append(f"{where} {param.opts[0]}")
    assert len(list(commands())) >= 38
    assert not untranslated, f"help without its Chinese (zh=...): {untranslated}"


def test_every_help_page_is_chinese_and_fits_the_terminal():
    for path, _ in commands():
        out = plus(*path, "--help").output
        assert out.startswith(f"用法：plus {' '.join(path)}".rstrip()), out
        assert not re.search(r"Usage|Options|Commands|Show this message|default:|\[required", out), out
        assert not re.search(r"[\[（]$|^ *[）。，；：]", out, re.MULTILINE), out  # (never a line ending in "[" or starting with "。")
        for line in filter(CJK.search, out.splitlines()):  # (an option's name and choices may be longer, as in English)
            assert sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line) <= 80, line


def test_every_english_help_page_fits_the_terminal_with_its_chinese_words_and_whole_summaries():
    for path, _ in commands():
        out = plus("--lang", "en", *path, "--help").output
        assert out.startswith(f"Usage: plus {' '.join(path)}".rstrip()), out
        for line in out.splitlines():  # (click wraps by characters: 快递公司 takes eight columns, not four)
            assert sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line) <= 80, line
        assert not re.search(r"\.\.\.$", out.partition("Commands:")[2], re.MULTILINE), out  # (click cut them)


def test_plus_help_is_chinese_without_any_flag_or_locale():
    env = {name: value for name, value in os.environ.items() if name not in LOCALE}
    done = subprocess.run(
        [sys.executable, "-m", "admin", "--help"],
        env={**env, "PYTHONPATH": str(REPO), "COLUMNS": "80"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    assert out.startswith("用法：plus [OPTIONS] COMMAND [ARGS]...\n"), out
    for heading in ("\n选项：\n", "\n命令：\n"):
        assert heading in out
    assert "PLUS 商店：校验商品库、生成网站、运行结账、处理订单。" in out
    assert re.search(r"^  --help +显示这份帮助并退出。$", out, re.MULTILINE), out
    assert re.search(r"^  validate +检查所有内容文件", out, re.MULTILINE), out
    assert not re.search(r"Usage|Options|Commands|Show this message", out), out


def test_a_command_help_is_chinese_with_click_words_too(monkeypatch):
    for name in LOCALE:
        monkeypatch.delenv(name, raising=False)
    out = plus("validate", "--help").output
    assert out.startswith("用法：plus validate [OPTIONS] [PATHS]...\n\n  检查所有内容文件；有必须改的问题时退出码为 1。\n"), out
    assert re.search(r"^  --content 文件夹 +内容文件夹（里面有 products/、factories/、$", out, re.MULTILINE), out
    assert "[默认：content]" in out and "[默认：text]" in out
    assert "default" not in out and "Options" not in out


def test_what_an_option_takes_is_said_in_chinese_and_lined_up_by_display_width():
    untranslated = []
    for path, _ in commands():
        out = plus(*path, "--help").output
        untranslated += re.findall(r"^ +--[\w-]+ (?:TEXT|INTEGER|DIRECTORY|FILE|PATH|FLOAT|STATUS|HOST:PORT|\[%Y)", out, re.MULTILINE)
        options = [match for line in out.splitlines() if (match := re.match(r"^(  --\S+(?: \S+)*?  +)\S", line))]
        assert len({columns(match[1]) for match in options}) <= 1, out  # (each option's help in one column, 文件夹 taking six)
    assert not untranslated
    out = plus("orders", "list", "--help").output
    assert re.search(r"^  --status 状态 +只列出这个状态的订单，写英文或中文都行：$", out, re.MULTILINE), out
    assert re.search(r"^  --since \[YYYY-MM-DD\] +只列出", out, re.MULTILINE), out
    assert re.search(r"^  --limit 整数 +最多", out, re.MULTILINE), out
    english = plus("--lang", "en", "orders", "list", "--help").output
    assert "  --status STATUS  " in english and "--since [%Y-%m-%d]" in english and "--limit INTEGER RANGE" in english
    assert max(map(len, english.splitlines())) <= 80, english  # (click's [awaiting_payment|paid|…] made it 82)


def test_a_long_chinese_help_is_wrapped_by_its_display_width(monkeypatch):
    from admin.bilingual import wrap

    assert wrap("把提醒（如过期的对比价）也当作错误。", 20) == ["把提醒（如过期的对比", "价）也当作错误。"]  # (never a line starting "）")
    assert wrap("不写时设置 PLUS_LANG=en 就用英文。", 13) == ["不写时设置", "PLUS_LANG=en", "就用英文。"]
    assert wrap("一段说明\n  写成两行 and\n  more", 80) == ["一段说明写成两行 and more"]  # (its lines joined, as click does)
    monkeypatch.setenv("PLUS_LANG", "zh")
    for line in (plus("--help").output + plus("validate", "--help").output).splitlines():
        assert sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line) <= 80, line  # (CliRunner: 80 columns)


ENGLISH_HELP = """\
Usage: plus [OPTIONS] COMMAND [ARGS]...

  PLUS Store: validate the catalog, build the site, run the checkout, operate
  orders.

Options:
  --version       Show the version and exit.
  --lang [zh|en]  Language of messages and help: zh (the default) or en; without
                  it, PLUS_LANG or an English locale (LANG=en_*) means en. It
                  may stand anywhere on the command line.
  --help          Show this message and exit.

Commands:
  audit       List what to check again; exit 1 when there are findings (in the
              change, with --base), 2 when the catalog does not validate.
  build       Validate the catalog and build the static store into --output
              (atomically).
  cms-config  Print the browser editor's config.yml, generated from the
              catalog's models.
  cms-serve   Edit the content in the browser: the editor at /admin/, every save
              checked and merged into its file.
  db          The checkout database (DATABASE_URL).
  deploy      Serve the store from many machines: nginx in front, static files
              precompressed.
  evidence    Price proofs (价格凭证) in content/evidence/.
  mail        The mail outbox (order, reset, verification and reminder mails).
  members     PLUS members.
  new         Start a product or factory file from a template with every field.
  orders      List, ship, refund and reconcile orders; buyers' returns and
              invoices.
  report      Markdown report of what changed in the catalog since BASE (for a
              pull request comment).
  schema      Write the JSON Schema of product and factory files, for editors.
  serve       Build the site if needed and serve it with the checkout on one
              port (no keys needed).
  validate    Check every content file; exit 1 when anything must be fixed.
"""

ENGLISH_VALIDATE_HELP = """\
Usage: plus validate [OPTIONS] [PATHS]...

  Check every content file; exit 1 when anything must be fixed.

  PATHS (files or folders inside the content folder) narrow the report to them:
  the whole catalog is still checked, since rules cross files. A content folder
  given as PATHS is the content.

Options:
  --content DIRECTORY     The content folder (products/, factories/,
                          categories.yaml, …).  [default: content]
  --format [text|github]  github prints workflow annotations.  [default: text]
  --strict                Treat warnings (such as stale comparisons) as errors.
  --today [%Y-%m-%d]      Judge dates as if today were this day (YYYY-MM-DD).
  --help                  Show this message and exit.
"""


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--lang", "en"], {}),
        (["--lang=en"], {}),
        ([], {"PLUS_LANG": "en"}),
        ([], {"PLUS_LANG": None, "LANG": "en_US.UTF-8"}),
    ],
)
def test_english_help_is_as_it_was(args, env):  # (but each command's whole first sentence, wrapped: click cut them with ...)
    assert plus(*args, "--help", **env).output == ENGLISH_HELP
    assert plus(*args, "validate", "--help", **env).output == ENGLISH_VALIDATE_HELP


def test_lang_counts_wherever_it_stands():
    assert plus("--help", "--lang", "en").output == ENGLISH_HELP
    assert plus("validate", "--help", "--lang=en").output == ENGLISH_VALIDATE_HELP
    assert plus("validate", "--lang", "en", "--help").output == ENGLISH_VALIDATE_HELP
    assert plus("--lang", "en", "validate", "--lang", "zh", "--help").output.startswith("用法：")  # the last one
    wrong = plus("validate", "--lang", "fr")
    assert wrong.exit_code == 2 and "错误：--lang 的值不对：只能是 zh 或 en，不能是 fr。" in wrong.output  # (fr: not English)


@pytest.mark.parametrize("flag", [["--lang", "en"], ["--lang=en"]])
def test_validate_with_lang_after_the_command(content, flag):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    bad = content.root / "products" / "aux-vacuum.yaml"
    result = plus("validate", *flag, "--content", str(content.root), "--today", "2026-11-25", str(bad))
    assert result.exit_code == 1, result.output
    assert "price: price must be greater than 0 (got the number 0)" in result.output
    assert "failed: 1 error(s), 0 warning(s)" in result.output
    chinese = plus("validate", "--content", str(content.root), "--today", "2026-11-25", str(bad))
    assert "售价必须大于 0" in chinese.output  # (and the choice does not outlive its run)
