"""`plus report`: the change report between a git revision and the work tree, on scratch repositories."""

from __future__ import annotations

import datetime as dt

from admin.cli import cli
from admin.curator.markdown import WITHHELD
from admin.curator.report import MARKER
from catalog import require_catalog

from .conftest import GitRepo

UMBRELLA = """\
title: 24骨全自动雨伞
category: home
factory: aux
sourcing: same-craft
price: 8.55
unit: {quantity: 1, measure: piece}
compare:
  - retailer: sams
    name: 全自动雨伞
    price: 42.75
    unit: {quantity: 1, measure: piece}
    observed_on: 2026-11-10
    source: 山姆App 截图
images:
  - src: products/vacuum.png
    alt: 黑色雨伞
added_on: 2026-11-20
"""


def report(runner, content, today, *extra):
    """Run `plus report` against the committed base and return its Markdown."""
    args = ["report", "--base", "main", "--content", str(content.root), "--today", today.isoformat(), *extra]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def edit(path, old, new):
    """Change one piece of text in a content file, as a curator would."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_report_starts_with_the_marker_the_workflow_looks_for(runner, content, git_repo, today):
    text = report(runner, content, today)
    assert text.startswith(MARKER + "\n")
    assert "没有商品或工厂的变化" in text


def test_added_product_shows_the_catalogs_discount(runner, content, git_repo, today):
    content.product("auto-umbrella", UMBRELLA)
    text = report(runner, content, today)
    facts = require_catalog(content.root, today=today).facts["auto-umbrella"]
    assert "新增商品" in text and "`auto-umbrella`" in text
    assert facts.best.zhe_label == "2折"  # the seed fact: 8.55 against Sam's 42.75
    assert f"山姆价 ¥42.75 · {facts.best.zhe_label}" in text
    assert "¥8.55" in text
    for badge in facts.badges:
        assert badge.label in text


def test_price_change_shows_old_and_new_price_and_discount(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    edit(path, "price: 690.00", "price: 460.00")
    git_repo.commit("a cheaper reference")
    before = require_catalog(content.root, today=today).facts["aux-vacuum"].best.zhe_label
    edit(path, "price: 460.00", "price: 690.00")
    edit(path, "price: 69.00", "price: 65.00")
    after = require_catalog(content.root, today=today).facts["aux-vacuum"].best.zhe_label
    text = report(runner, content, today)
    assert (before, after) == ("1.5折", "1折")
    assert "¥69.00 → ¥65.00（-5.8%）" in text
    assert f"山姆价 ¥460.00 · {before} → 山姆价 ¥690.00 · {after}" in text


def test_removed_product_is_listed_with_its_last_price(runner, content, git_repo, today):
    content.product("auto-umbrella", UMBRELLA)
    git_repo.commit("umbrella")
    (content.root / "products" / "auto-umbrella.yaml").unlink()
    text = report(runner, content, today)
    removed = text.split("下架商品")[1].split("###")[0]
    assert "`auto-umbrella`" in removed and "¥8.55" in removed


def test_badges_gained_and_lost(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    edit(path, "price: 69.00\n", "price: 69.00\nmember_price: 65.00\n")
    text = report(runner, content, today)
    badges = text.split("徽章变化")[1].split("###")[0]
    assert "PLUS会员价" in badges
    git_repo.commit("member price")
    edit(path, "member_price: 65.00\n", "")
    badges = report(runner, content, today).split("徽章变化")[1].split("###")[0]
    row = next(line for line in badges.splitlines() if "aux-vacuum" in line)
    assert row.rstrip(" |").endswith("PLUS会员价")  # in the "lost" column


def test_stale_comparisons_of_changed_products_are_listed(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    edit(path, "observed_on: 2026-11-01", "observed_on: 2026-03-01")
    text = report(runner, content, today)
    stale = text.split("对比价过期")[1].split("###")[0]
    assert "2026-03-01" in stale and f"{(today - dt.date(2026, 3, 1)).days} 天" in stale


def test_factory_audit_and_disclosure_changes_never_name_an_nda_brand(runner, content, git_repo, today):
    path = content.root / "factories" / "aux.yaml"
    edit(path, "audited_on: 2026-09-01", "audited_on: 2026-11-20")
    edit(path, "    disclosure: public\n", "    disclosure: public\n  - brand: 秘密名品\n    aliases: [MiMi Brand]\n    disclosure: nda\n")
    text = report(runner, content, today)
    factories = text.split("工厂变化")[1]
    assert "审核日期 2026-09-01 → 2026-11-20" in factories
    assert "新增一个保密代工品牌" in factories
    assert "秘密名品" not in text and "mimi brand" not in text.lower()


def test_nda_names_are_withheld_even_when_the_head_does_not_validate(runner, content, git_repo, today):
    factory = content.root / "factories" / "aux.yaml"
    edit(factory, "    disclosure: public\n", "    disclosure: public\n  - brand: 秘密名品\n    disclosure: nda\n")
    git_repo.commit("nda brand")
    edit(content.root / "products" / "aux-vacuum.yaml", "title: 奥克斯家用大吸尘器", "title: 秘密名品同厂吸尘器")
    edit(content.root / "products" / "aux-vacuum.yaml", "price: 69.00", "price: 59.00")
    text = report(runner, content, today)
    assert "校验未通过" in text
    assert "秘密名品" not in text
    assert WITHHELD in text


def test_base_that_does_not_validate_is_said_and_changes_still_reported(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    edit(path, "category: home", "category: no-such-category")
    git_repo.commit("broken base")
    edit(path, "category: no-such-category", "category: home")
    edit(path, "price: 69.00", "price: 65.00")
    content.product("auto-umbrella", UMBRELLA)
    text = report(runner, content, today)
    assert "基线 base：❌ 校验未通过，1 个错误" in text
    assert "no-such-category" in text
    assert "¥69.00 → ¥65.00" in text  # the broken file still validates on its own
    assert "`auto-umbrella`" in text.split("新增商品")[1].split("###")[0]


def test_curator_text_is_escaped_in_the_markdown(runner, content, git_repo, today):
    content.product("auto-umbrella", UMBRELLA.replace("24骨全自动雨伞", "雨伞 | <script>x</script> @octocat"))
    text = report(runner, content, today)
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "雨伞 \\| " in text
    assert "@octocat" not in text


def test_revision_without_content_counts_everything_as_added(runner, content, today, tmp_path):
    repo = GitRepo(tmp_path)
    repo.run("commit", "--quiet", "--allow-empty", "-m", "nothing yet")
    text = report(runner, content, today)
    assert "没有内容目录" in text
    assert "`aux-vacuum`" in text.split("新增商品")[1]


def test_unknown_revision_is_a_clear_error(runner, content, git_repo):
    result = runner.invoke(cli, ["report", "--base", "origin/nope", "--content", str(content.root)])
    assert result.exit_code == 1
    assert "找不到版本 origin/nope" in result.output


def test_output_option_writes_the_comment_body(runner, content, git_repo, today, tmp_path):
    target = tmp_path / "report.md"
    result = runner.invoke(cli, ["report", "--base", "HEAD", "--content", str(content.root), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith(MARKER)


def test_nda_names_of_a_factory_file_that_does_not_validate_are_withheld(runner, content, git_repo, today):
    path = content.root / "factories" / "aux.yaml"
    edit(path, "    disclosure: public\n", "    disclosure: public\n  - brand: 秘密名品\n    disclosure: nda\n")
    edit(path, "region: 浙江宁波", "region: 浙江宁波\ncolour: red")  # the factory no longer validates
    edit(content.root / "products" / "aux-vacuum.yaml", "title: 奥克斯家用大吸尘器", "title: 秘密名品同厂吸尘器")
    text = report(runner, content, today)
    assert "秘密名品" not in text


TAOBAO = """\
  - retailer: taobao
    name: 同款吸尘器
    price: 99.00
    unit: {quantity: 1, measure: piece}
    observed_on: 2026-11-20
    source: 淘宝截图
images:
"""


def test_every_comparison_added_removed_or_changed_is_listed_not_only_the_best(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    edit(path, "images:\n", TAOBAO)  # a second reference, not the best one
    edit(path, "    price: 690.00", "    price: 650.00")
    text = report(runner, content, today)
    section = text.split("对比参照变化")[1].split("###")[0]
    assert "新增 淘宝价 ¥99.00（同款吸尘器，看于 2026-11-20）" in section
    assert "山姆价 ¥690.00（家用大吸尘器，看于 2026-11-01） → ¥650.00（看于 2026-11-01）" in section
    git_repo.commit("two references")
    edit(path, TAOBAO, "images:\n")
    section = report(runner, content, today).split("对比参照变化")[1].split("###")[0]
    assert "移除 淘宝价 ¥99.00" in section


def test_a_new_factory_counts_its_nda_brands_without_naming_them(runner, content, git_repo, today):
    factory = (content.root / "factories" / "aux.yaml").read_text(encoding="utf-8")
    content.factory(
        "ningbo-new", factory.replace("    disclosure: public\n", "    disclosure: public\n  - brand: 秘密名品\n    disclosure: nda\n")
    )
    text = report(runner, content, today)
    row = next(line for line in text.splitlines() if "`ningbo-new`" in line)
    assert "新增工厂" in row and "公开代工品牌 山姆会员店" in row and "1 个保密代工品牌" in row
    assert "秘密名品" not in text


def test_a_factory_failing_in_the_head_is_not_called_removed(runner, content, git_repo, today):
    edit(content.root / "factories" / "aux.yaml", "region: 浙江宁波", "region: [浙江宁波]")
    row = next(line for line in report(runner, content, today).splitlines() if "`aux`" in line)
    assert "本次文件未通过校验" in row and "删除工厂" not in row


def test_our_own_earlier_price_is_named_by_its_kind(runner, content, git_repo, today):
    path = content.root / "products" / "aux-vacuum.yaml"
    earlier = (
        "  - kind: own-earlier\n    name: 本店降价前\n    price: 79.00\n    unit: {quantity: 1, measure: piece}\n"
        "    observed_on: 2026-11-19\n    source: 本店价格记录\nimages:\n"
    )
    edit(path, "images:\n", earlier)
    edit(path, "price_history:\n", "price_history:\n  - date: 2026-11-01\n    price: 79.00\n")
    section = report(runner, content, today).split("对比参照变化")[1].split("###")[0]
    assert "新增 本店此前价 ¥79.00（本店降价前，看于 2026-11-19）" in section
