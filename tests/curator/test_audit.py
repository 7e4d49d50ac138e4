"""`plus audit`: findings in a catalog that validates, with exit codes a CI can act on."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from admin.cli import cli
from catalog import load_catalog


def audit(runner, content, *extra):
    return runner.invoke(cli, ["audit", "--content", str(content.root), "--today", "2026-11-25", *extra])


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def product(content):
    return content.root / "products" / "aux-vacuum.yaml"


def test_clean_catalog_exits_zero(runner, content):
    result = audit(runner, content)
    assert result.exit_code == 0, result.output
    assert "没有需要复查的内容" in result.output


def test_comparison_older_than_days_is_a_finding_at_its_line(runner, content, product):
    result = audit(runner, content, "--days", "10")
    assert result.exit_code == 1
    lines = product.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "observed_on: 2026-11-01" in text)
    assert f"aux-vacuum.yaml:{line}:" in result.output
    assert "[stale-comparison]" in result.output and "参照价看于 2026-11-01，已超过 10 天" in result.output
    assert audit(runner, content, "--days", "24").exit_code == 0


def test_default_limit_comes_from_the_settings(runner, content, product):
    content.write("settings.yaml", "compare_max_age_days: 20\n")
    result = audit(runner, content)
    assert result.exit_code == 1
    assert "已超过 20 天" in result.output


def test_factory_audit_over_a_year_old_is_due(runner, content):
    edit(content.root / "factories" / "aux.yaml", "audited_on: 2026-09-01", "audited_on: 2025-11-01")
    result = audit(runner, content)
    assert result.exit_code == 1
    assert "[audit-due]" in result.output and "aux.yaml" in result.output


@pytest.mark.parametrize(
    ("stock", "moq", "kind"),
    [(0, 1, "out-of-stock"), (4, 5, "below-moq")],
)
def test_stock_findings(runner, content, product, stock, moq, kind):
    edit(product, "price: 69.00\n", f"price: 69.00\nstock: {stock}\nmoq: {moq}\n")
    result = audit(runner, content)
    assert result.exit_code == 1
    assert f"[{kind}]" in result.output


def test_enough_stock_is_not_a_finding(runner, content, product):
    edit(product, "price: 69.00\n", "price: 69.00\nstock: 5\nmoq: 5\n")
    assert audit(runner, content).exit_code == 0


def test_price_above_its_window_low_is_a_finding_though_it_validates(runner, content, product):
    # 69.00 is within the 5% tolerance of 66.00, so the validator lets it pass; the audit does not.
    edit(product, "price_history:\n", "price_history:\n  - date: 2026-11-10\n    price: 66.00\n")
    result = audit(runner, content)
    assert result.exit_code == 1, result.output
    assert "[above-floor]" in result.output and "售价 69.00 高于截至 2026-11-20 的近 30 天最低价 66.00" in result.output


def test_json_format_counts_findings_by_kind(runner, content):
    result = audit(runner, content, "--format", "json", "--days", "1")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["counts"]["stale-comparison"] == 1
    assert document["findings"][0]["subject"] == "aux-vacuum"
    assert document["findings"][0]["field"] == "compare.0.observed_on"


def test_github_format_is_workflow_annotations(runner, content):
    result = audit(runner, content, "--format", "github", "--days", "1")
    assert result.output.startswith("::warning file=")


def test_catalog_that_does_not_validate_exits_two(runner, content, product):
    edit(product, "category: home", "category: nowhere")
    result = audit(runner, content)
    assert result.exit_code == 2
    assert "内容没有通过校验（1 个错误）：先运行 plus validate 改好" in result.output


def test_with_a_base_only_files_the_change_touches_fail_and_the_rest_is_information(runner, content, git_repo, product):
    # The base already holds a stale comparison (aux-vacuum); the change adds another product with one.
    content.product(
        "hand-vacuum",
        product.read_text(encoding="utf-8")
        .replace("title: 奥克斯家用大吸尘器", "title: 手持吸尘器")
        .replace("price: 69.00", "price: 59.00"),
    )
    result = audit(runner, content, "--days", "10", "--base", "HEAD")
    assert result.exit_code == 1, result.output
    judged, _, elsewhere = result.output.partition("本次未改动的文件中另有 1 条（仅供参考，不影响本次检查）：")
    assert "hand-vacuum.yaml" in judged and "aux-vacuum.yaml" not in judged
    assert "aux-vacuum.yaml" in elsewhere and "[stale-comparison]" in elsewhere


def test_with_a_base_findings_only_in_untouched_files_pass(runner, content, git_repo):
    result = audit(runner, content, "--days", "10", "--base", "HEAD", "--format", "github")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("没有需要复查的内容")
    assert "::notice file=" in result.output and "::warning" not in result.output


def test_with_a_base_a_changed_settings_file_judges_everything(runner, content, git_repo):
    content.write("settings.yaml", "compare_max_age_days: 10\n")
    result = audit(runner, content, "--base", "HEAD")
    assert result.exit_code == 1 and "aux-vacuum.yaml" in result.output


def test_an_unknown_base_is_a_clear_error(runner, content, git_repo):
    result = audit(runner, content, "--base", "no-such-branch")
    assert result.exit_code == 2 and "no-such-branch" in result.output


def test_findings_are_in_english_with_lang_en(runner, content):
    result = runner.invoke(cli, ["--lang", "en", "audit", "--content", str(content.root), "--today", "2026-11-25", "--days", "10"])
    assert result.exit_code == 1
    assert "comparison observed on 2026-11-01 is older than 10 days: check the reference price again" in result.output
    assert result.output.strip().endswith("1 finding(s): stale-comparison 1")


def test_a_comparison_without_a_price_proof_is_listed(runner, content, product):
    text = product.read_text(encoding="utf-8")
    product.write_text("".join(line for line in text.splitlines(keepends=True) if "evidence:" not in line), encoding="utf-8")
    result = audit(runner, content)
    assert result.exit_code == 1
    assert "[evidence-missing]" in result.output and "没有价格凭证" in result.output


def test_an_old_price_proof_is_listed_with_the_settings_limit(runner, content, product):
    edit(product, "}\n    source:", ", captured_on: 2026-11-01}\n    source:")
    content.write("settings.yaml", "evidence_max_age_days: 20\n")
    result = audit(runner, content)
    assert result.exit_code == 1, result.output
    assert "[evidence-stale]" in result.output and "上限 20 天" in result.output


def test_the_audit_lists_what_validate_warns_of_in_the_same_words(runner, content, product):
    # One owner per rule: the audit repeats the rules' findings, it does not compute its own.
    content.write("settings.yaml", "compare_max_age_days: 20\n")
    warned = {p.message for p in load_catalog(content.root, today=dt.date(2026, 11, 25)).warnings}
    listed = json.loads(audit(runner, content, "--format", "json").output)["findings"]
    assert warned and {f["message"] for f in listed} == warned
