"""`plus validate`: exit codes, one line per problem, text and GitHub formats, summary."""

import shlex
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from admin.cli import cli
from tests.conftest import PRODUCT, STORE, ContentTree


def run(content, *args, today="2026-11-25"):
    return CliRunner().invoke(cli, ["validate", "--content", str(content.root), "--today", today, *args])


def test_valid_content_exits_zero_with_a_summary(content):
    result = run(content)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "通过：1 个商品，1 家工厂"


def test_problems_exit_one_each_on_its_own_line(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    content.product("other", PRODUCT.replace("category: home", "category: x").replace("奥克斯家用大吸尘器", "奥克斯手持吸尘器"))
    content.product("junk", b"\x00\x01binary")
    result = run(content)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 4, lines
    assert lines[-1] == f"未通过：3 个错误，0 条提醒；改好后再运行 plus validate --content {shlex.quote(str(content.root))}"
    assert "Traceback" not in result.output
    assert any(line.endswith("products/aux-vacuum.yaml:5:8: price: 售价必须大于 0（现在是数字 0）") for line in lines)


def test_a_store_file_problem_is_one_located_chinese_line(content):
    bad = STORE.replace("      fee: 8.00", "      fee: -8.00")
    content.write("store.yaml", bad)
    line = next(i for i, text in enumerate(bad.splitlines(), start=1) if "fee: -8.00" in text)
    result = run(content)
    assert result.exit_code == 1
    located = [text for text in result.output.splitlines() if f"store.yaml:{line}:12: delivery.classes.normal.fee: " in text]
    assert len(located) == 1 and located[0].endswith("运费不能为负数：免运费请写 0"), result.output


def test_github_format_prints_annotations(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    result = run(content, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=")
    assert ",line=5,col=8::price: " in result.stdout


def test_warnings_are_marked_and_fatal_only_with_strict(content):
    content.product("aux-vacuum", PRODUCT.replace("observed_on: 2026-11-01", "observed_on: 2025-01-01"))
    relaxed = run(content)
    assert relaxed.exit_code == 0
    assert ": 提醒：compare.0.observed_on:" in relaxed.output
    assert "1 条提醒" in relaxed.output
    strict = run(content, "--strict")
    assert strict.exit_code == 1


def test_seed_content_validates():
    result = CliRunner().invoke(cli, ["validate", "--content", "content", "--today", "2026-11-25", "--strict"])
    assert result.exit_code == 0, result.output


def test_named_files_report_only_their_own_problems(content):
    """A curator checks the file they changed: the whole catalog is checked (rules cross files), their file reported."""
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    other = content.product("other", PRODUCT.replace("category: home", "category: x").replace("奥克斯家用大吸尘器", "奥克斯手持吸尘器"))
    mine = run(content, str(content.root / "products" / "aux-vacuum.yaml"))
    assert mine.exit_code == 1
    assert "aux-vacuum.yaml:5:8: price:" in mine.output and "other.yaml" not in mine.output
    assert "未通过：1 个错误，0 条提醒" in mine.output and "其他文件还有 1 个错误" in mine.output
    assert f"运行 plus validate --content {content.root} 查看" in mine.output  # the command that shows them, folder and all
    theirs = run(content, str(other))
    assert theirs.exit_code == 1 and "aux-vacuum.yaml" not in theirs.output and "other.yaml" in theirs.output


def test_the_command_for_the_other_files_works_when_pasted_for_a_folder_with_a_space(tmp_path, monkeypatch):
    shop = ContentTree(tmp_path / "shop b")
    shop.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    fine = shop.product("fine", PRODUCT.replace("奥克斯家用大吸尘器", "奥克斯手持吸尘器"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--content", "shop b", "--today", "2026-11-25", str(fine.relative_to(tmp_path))])
    assert "其他文件还有 1 个错误（不带文件名运行 plus validate --content 'shop b' 查看）" in result.output, result.output


def test_a_named_file_without_problems_passes_and_says_others_have_some(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    fine = content.product("fine", PRODUCT.replace("奥克斯家用大吸尘器", "奥克斯手持吸尘器"))
    result = run(content, str(fine))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("通过：所选 1 个文件没有问题") and "其他文件还有 1 个错误" in result.output


def test_a_content_folder_given_as_argument_is_the_content(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-25", str(content.root)])
    assert result.exit_code == 1 and "aux-vacuum.yaml:5:8: price:" in result.output


def test_a_file_outside_the_content_folder_is_refused_with_the_fix(content, tmp_path):
    stray = tmp_path / "stray.yaml"
    stray.write_text("title: x\n")
    result = run(content, str(stray))
    assert result.exit_code == 2 and "不在内容文件夹" in result.output and "--content" in result.output


def test_a_missing_content_folder_is_said_once_with_the_fix(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--content", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "内容文件夹" in result.output and "不存在" in result.output, result.output
    assert "缺少" not in result.output  # not one "missing file" per index file


LOADING_SLOWLY = """
import runpy, sys, time

class Slowly:  # the CLI's imports take a while, long enough for a Ctrl-C to land in them
    def find_spec(self, name, path=None, target=None):
        if name == "catalog":
            sys.meta_path.remove(self)
            print("loading", flush=True)
            time.sleep(30)

sys.meta_path.insert(0, Slowly())
plus, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(plus, run_name="__main__")  # the installed `plus` program
"""


def test_ctrl_c_while_plus_loads_ends_it_without_a_traceback(content):
    """The CLI takes ~0.5 s to load (pydantic, Pelican): a Ctrl-C then is a change of mind, not a crash."""
    plus = Path(sys.executable).with_name("plus")
    process = subprocess.Popen(
        [sys.executable, "-c", LOADING_SLOWLY, str(plus), "validate", "--content", str(content.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal starts it
    )
    assert process.stdout is not None and process.stdout.readline() == "loading\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and err in ("已停止：什么都还没做\n", "stopped: nothing was done yet\n") and out == "", err


def test_a_file_of_another_content_folder_gets_its_content_flag(tmp_path, monkeypatch):
    other = ContentTree(tmp_path / "shop b")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(Path("shop b") / "products" / "aux-vacuum.yaml")])
    assert result.exit_code == 2
    assert "它在内容文件夹" in result.output and "加上 --content 'shop b' 再运行" in result.output
    assert "Usage:" not in result.output  # (click's English frame around a Chinese message)
    pasted = CliRunner().invoke(
        cli, ["validate", "--content", "shop b", "--today", "2026-11-25", str(other.root / "products" / "aux-vacuum.yaml")]
    )
    assert pasted.exit_code == 0, pasted.output
