"""`plus validate`: exit codes, one line per problem, text and GitHub formats, summary."""

from click.testing import CliRunner

from admin.cli import cli
from tests.conftest import PRODUCT


def run(content, *args, today="2026-11-25"):
    return CliRunner().invoke(cli, ["validate", "--content", str(content.root), "--today", today, *args])


def test_valid_content_exits_zero_with_a_summary(content):
    result = run(content)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "通过：1 个商品，1 家工厂"


def test_problems_exit_one_each_on_its_own_line(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    content.product("other", PRODUCT.replace("category: home", "category: x"))
    content.product("junk", b"\x00\x01binary")
    result = run(content)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 4, lines
    assert lines[-1] == "未通过：3 个错误，0 条提醒；改好后再运行 plus validate"
    assert "Traceback" not in result.output
    assert any(line.endswith("products/aux-vacuum.yaml:5:8: price: 售价必须大于 0（现在是数字 0）") for line in lines)


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


def test_missing_content_folder_is_reported(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--content", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "缺少文件夹 products/：请建立它" in result.output


def test_seed_content_validates():
    result = CliRunner().invoke(cli, ["validate", "--content", "content", "--today", "2026-11-25", "--strict"])
    assert result.exit_code == 0, result.output
