"""`plus build`: invalid content or a render failure leaves the previous site untouched and exits 1."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from admin.build import build_site
from admin.cli import cli
from tests.conftest import PRODUCT, TODAY
from tests.site.conftest import settings_with, theme_copy


def plus_build(content, output, *extra):
    return CliRunner().invoke(cli, ["build", "--content", str(content), "--output", str(output), "--today", "2026-11-25", *extra])


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_cli_builds_the_site_and_reports_what_it_did(shop, tmp_path):
    result = plus_build(shop.root, tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert "built 5 products" in result.output
    assert (tmp_path / "site/index.html").is_file() and (tmp_path / "site/pagefind/pagefind.js").is_file()
    assert leftovers(tmp_path) == []


def test_invalid_content_prints_file_line_col_exits_1_and_keeps_the_old_site(shop, tmp_path):
    output = tmp_path / "site"
    assert plus_build(shop.root, output).exit_code == 0
    before = snapshot(output)
    shop.product("aux-vacuum", PRODUCT.replace("price: 69.00", "prise: 69.00"))
    result = plus_build(shop.root, output)
    assert result.exit_code == 1
    assert "products/aux-vacuum.yaml:5:1: prise: 不认识的字段 prise：是不是想写 price？" in result.output
    assert "保持原样" in result.output
    assert snapshot(output) == before
    assert leftovers(tmp_path) == []


def test_a_template_that_fails_to_render_leaves_the_old_site(shop, tmp_path):
    output = tmp_path / "site"
    assert plus_build(shop.root, output).exit_code == 0
    before = snapshot(output)
    theme = theme_copy(tmp_path)
    page = theme / "templates" / "product.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{{ p.title }}", "{{ p.title.no_such.thing }}", 1), encoding="utf-8")
    result = plus_build(shop.root, output, "--settings", str(settings_with(tmp_path, THEME=str(theme))))
    assert result.exit_code == 1
    assert snapshot(output) == before
    assert [p for p in leftovers(tmp_path) if p.startswith(".site")] == []


def test_a_successful_build_replaces_the_old_site_entirely(shop, tmp_path):
    output = tmp_path / "site"
    build_site(shop.root, output, today=TODAY)
    (output / "stale.html").write_text("old", encoding="utf-8")
    (shop.root / "products/towel.yaml").unlink()
    build_site(shop.root, output, today=TODAY)
    assert not (output / "stale.html").exists()
    assert not (output / "p/towel").exists() and (output / "p/umbrella/index.html").is_file()


@pytest.mark.parametrize("env", [{"CI": "true"}, {}])
def test_no_progress_bar_in_ci_or_when_output_is_not_a_terminal(shop, tmp_path, env):
    result = CliRunner(env=env).invoke(
        cli, ["build", "--content", str(shop.root), "--output", str(tmp_path / "o"), "--today", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    assert "渲染页面" not in result.output and "\x1b[" not in result.output
