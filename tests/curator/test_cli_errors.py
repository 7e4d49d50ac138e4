"""click's usage errors (`plus valdate`, a missing argument, a bad choice, …): zh-CN by default, with the
usage line, the hint and click's suggestion; exactly click's English with `--lang en` or an English
environment; exit code 2 either way."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from admin.bilingual import Root
from admin.cli import cli
from tests.conftest import REPO

LOCALE = ("PLUS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
ENGLISH = re.compile(r"Error|Try |for help|No such|Did you mean|Missing|Invalid value|is not|requires|does not|Got unexpected")


def plus(*args: str, **env: str | None):
    return CliRunner(env={name: None for name in LOCALE} | env).invoke(cli, list(args), prog_name="plus")


def usage(command: str, options: str = "[OPTIONS]") -> str:
    return f"用法：plus {command} {options}\n运行 plus {command} --help 查看用法。\n\n".replace("plus  ", "plus ")


CHINESE = [
    (["valdate"], usage("", "[OPTIONS] COMMAND [ARGS]...") + "错误：没有 valdate 这个命令。是不是想用 validate？\n"),
    (["orders", "show"], usage("orders", "[OPTIONS] COMMAND [ARGS]...") + "错误：没有 show 这个命令。\n"),
    (["cms-sere"], usage("", "[OPTIONS] COMMAND [ARGS]...") + "错误：没有 cms-sere 这个命令。是不是想用 cms-serve 或 serve？\n"),
    (["validate", "--foo"], usage("validate", "[OPTIONS] [PATHS]...") + "错误：没有 --foo 这个选项。是不是想用 --format？\n"),
    (["-x"], usage("", "[OPTIONS] COMMAND [ARGS]...") + "错误：没有 -x 这个选项。\n"),
    (["new", "product"], usage("new product", "[OPTIONS] ID") + "错误：缺少参数 ID，请补上。\n"),
    (["report"], usage("report") + "错误：缺少选项 --base，请补上。\n"),
    (["--lang", "zh"], usage("", "[OPTIONS] COMMAND [ARGS]...") + "错误：缺少命令，请写上要运行的命令。\n"),
    (
        ["validate", "--format", "xml"],
        usage("validate", "[OPTIONS] [PATHS]...") + "错误：--format 的值不对：只能是 text 或 github，不能是 xml。\n",
    ),
    (
        ["validate", "--today", "tomorrow"],
        usage("validate", "[OPTIONS] [PATHS]...") + "错误：--today 的值不对：要写有效的日期（YYYY-MM-DD），不能是 tomorrow。\n",
    ),
    (
        ["validate", "--today", "2026-13-01"],  # written as YYYY-MM-DD, but no date
        usage("validate", "[OPTIONS] [PATHS]...") + "错误：--today 的值不对：要写有效的日期（YYYY-MM-DD），不能是 2026-13-01。\n",
    ),
    (
        ["validate", "no-such-file.yaml"],
        usage("validate", "[OPTIONS] [PATHS]...") + "错误：[PATHS]... 的值不对：路径 no-such-file.yaml 不存在，请检查路径。\n",
    ),
    (["serve", "--port", "0"], usage("serve") + "错误：--port 的值不对：要在 1<=x<=65535 范围内，不能是 0。\n"),
    (["orders", "list", "--limit", "x"], usage("orders list") + "错误：--limit 的值不对：要写整数，不能是 x。\n"),
    (["schema", "a", "b"], usage("schema") + "错误：多了参数 a b，请去掉。\n"),
    (["validate", "--format"], "错误：选项 --format 后面要写一个值。\n"),
    (["validate", "--strict=yes"], "错误：选项 --strict 不带值，请去掉等号和后面的值。\n"),
    (
        ["orders", "refund", "xyz"],
        usage("orders refund", "[OPTIONS] ORDER") + "错误：xyz 不是订单号：订单号写成 PLUS00000012 或 12。\n",
    ),
    (
        ["orders", "returns", "approve", "abc"],
        usage("orders returns approve", "[OPTIONS] NUMBER") + "错误：abc 不是退货单号：退货单号写成 TH00000003 或 3。\n",
    ),
]


@pytest.mark.parametrize(("args", "shown"), CHINESE, ids=[" ".join(args) for args, _ in CHINESE])
def test_a_usage_error_is_chinese(args, shown):
    result = plus(*args)
    assert result.exit_code == 2, result.output
    assert result.output == shown
    assert not ENGLISH.search(result.output), result.output


@pytest.mark.parametrize(("args", "shown"), CHINESE[-2:], ids=[" ".join(args) for args, _ in CHINESE[-2:]])
def test_a_mistyped_number_is_said_before_connecting_to_a_running_store(args, shown, tmp_path):
    from checkout.config import record_served

    record_served(str(tmp_path), {"PUBLIC_URL": "http://127.0.0.1:8123"})  # as a `plus serve` beside it writes
    result = plus(*args, PLUS_INSTANCE=str(tmp_path))
    assert result.exit_code == 2 and result.output == shown  # not "连接本机正在运行的商店…" first


ENGLISH_ERRORS = {
    "valdate": """\
Usage: plus [OPTIONS] COMMAND [ARGS]...
Try 'plus --help' for help.

Error: No such command 'valdate'. Did you mean 'validate'?
""",
    "validate --foo": """\
Usage: plus validate [OPTIONS] [PATHS]...
Try 'plus validate --help' for help.

Error: No such option '--foo'. Did you mean '--format'?
""",
    "new product": """\
Usage: plus new product [OPTIONS] ID
Try 'plus new product --help' for help.

Error: Missing argument 'ID'.
""",
    "report": """\
Usage: plus report [OPTIONS]
Try 'plus report --help' for help.

Error: Missing option '--base'.
""",
    "validate --format xml": """\
Usage: plus validate [OPTIONS] [PATHS]...
Try 'plus validate --help' for help.

Error: Invalid value for '--format': 'xml' is not one of 'text', 'github'.
""",
    "validate no-such-file.yaml": """\
Usage: plus validate [OPTIONS] [PATHS]...
Try 'plus validate --help' for help.

Error: Invalid value for '[PATHS]...': Path 'no-such-file.yaml' does not exist.
""",
    "schema a b": """\
Usage: plus schema [OPTIONS]
Try 'plus schema --help' for help.

Error: Got unexpected extra arguments (a b)
""",
    "validate --format": "Error: Option '--format' requires an argument.\n",
    "validate --strict=yes": "Error: Option '--strict' does not take a value.\n",
}


@pytest.mark.parametrize("env", [{"PLUS_LANG": "en"}, {"LANG": "en_US.UTF-8"}, {}], ids=["PLUS_LANG", "LANG", "--lang"])
@pytest.mark.parametrize("args", ENGLISH_ERRORS)
def test_an_english_usage_error_is_click_s(args, env):
    result = plus(*args.split(), *([] if env else ["--lang", "en"]), **env)
    assert result.exit_code == 2
    assert result.output == ENGLISH_ERRORS[args]


def test_the_program_shows_it_on_stderr():
    env = {name: value for name, value in os.environ.items() if name not in LOCALE}
    done = subprocess.run(
        [sys.executable, "-m", "admin", "valdate"], env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.endswith("\n错误：没有 valdate 这个命令。是不是想用 validate？\n"), done.stderr


def test_other_messages_are_left_as_they_are(tmp_path):
    missing = tmp_path / "nowhere"
    ours = plus("report", "--base", "main", "--content", str(missing))
    assert (ours.exit_code, ours.output) == (1, f"错误：{missing} 不是内容文件夹\n")  # (our ClickException: 错误：, not Error:)
    assert plus("db").output.startswith("用法：plus db [OPTIONS] COMMAND [ARGS]...\n\n  结账数据库")  # (a group's help, not an error)

    @click.group(cls=Root)
    def tool() -> None:
        pass

    @tool.command()
    def stop() -> None:
        raise click.Abort

    @tool.command()
    def wrong() -> None:
        raise click.UsageError("内容文件夹 x 里没有 products/")

    runner = CliRunner(env={name: None for name in LOCALE})
    assert runner.invoke(tool, ["stop"], prog_name="tool").output == "Aborted!\n"
    assert runner.invoke(tool, ["wrong"], prog_name="tool").output == (
        "用法：tool wrong [OPTIONS]\n运行 tool wrong --help 查看用法。\n\n错误：内容文件夹 x 里没有 products/\n"
    )


def test_click_s_other_templates():
    from admin.bilingual import click_error_zh

    assert (
        click_error_zh("Missing argument 'KIND'. Choose from:\n\tproduct,\n\tfactory")
        == "缺少参数 KIND，请补上。可以写 product 或 factory。"
    )
    assert click_error_zh("No such command 'x'. (Did you mean one of: 'a', 'b', 'c'?)") == "没有 x 这个命令。是不是想用 a、b 或 c？"
    assert click_error_zh("Invalid value for '--out': Directory 'a b' is a file.") == "--out 的值不对：'a b' 是文件，这里要写文件夹。"
    assert click_error_zh("Option '--pair' requires 2 arguments.") == "选项 --pair 后面要写 2 个值。"
    for ours in ("内容文件夹 x 不存在", "'x' is not an order number such as PLUS00000012 or 12"):
        assert click_error_zh(ours) == ours
