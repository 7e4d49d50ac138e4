"""`plus evidence hash`: the line a curator adds for a price proof, and the file checked as validate will."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

from admin.cli import cli
from catalog import load_catalog
from tests.conftest import PNG, PRODUCT, ContentTree


def test_the_printed_line_makes_the_comparison_validate(runner, content, today):
    shot = PNG + b"\0"  # still a PNG Pillow reads; another hash
    content.write("evidence/new-shot.png", shot)
    result = runner.invoke(cli, ["evidence", "hash", "--content", str(content.root), str(content.root / "evidence" / "new-shot.png")])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert line == f"evidence: {{file: new-shot.png, sha256: {hashlib.sha256(shot).hexdigest()}}}"
    start = PRODUCT.index("    evidence:")
    content.product("aux-vacuum", PRODUCT[:start] + "    " + line + PRODUCT[PRODUCT.index("\n", start) :])
    assert load_catalog(content.root, today=today).problems == []


def test_a_file_outside_the_folder_or_not_a_proof_is_refused(runner, content):
    outside = content.root / "images" / "products" / "vacuum.png"
    result = runner.invoke(cli, ["evidence", "hash", "--content", str(content.root), str(outside)])
    assert result.exit_code == 1 and "content/evidence" in result.output.replace(str(content.root), "content")
    content.write("evidence/fake.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    result = runner.invoke(cli, ["evidence", "hash", "--content", str(content.root), str(content.root / "evidence" / "fake.png")])
    assert result.exit_code == 1 and "SVG" in result.output


def test_the_missing_proof_hint_works_when_pasted_for_a_folder_with_a_space(runner, tmp_path, today):
    content = ContentTree(tmp_path / "shop b")
    start = PRODUCT.index("    evidence:")
    content.product("aux-vacuum", PRODUCT[:start] + PRODUCT[PRODUCT.index("\n", start) + 1 :])
    content.write("evidence/new-shot.png", PNG)
    result = runner.invoke(cli, ["validate", "--content", str(content.root), "--today", today.isoformat()])
    hint = next(line for line in result.output.splitlines() if "plus evidence hash" in line)
    command = hint.split("运行 ", 1)[1].split("，", 1)[0].replace("文件名", "new-shot.png")
    assert shlex.split(command)[:3] == ["plus", "evidence", "hash"]
    pasted = runner.invoke(cli, shlex.split(command)[1:])
    assert pasted.exit_code == 0, pasted.output
    assert pasted.output.strip() == f"evidence: {{file: new-shot.png, sha256: {hashlib.sha256(PNG).hexdigest()}}}"


def test_a_name_validate_would_refuse_gets_a_rename_not_a_line(runner, content):
    for name, better in (("山姆 截图.png", "shan-mu-jie-tu.png"), ("sams, 11-02.PNG", "sams-11-02.png")):
        content.write(f"evidence/{name}", PNG)
        result = runner.invoke(cli, ["evidence", "hash", "--content", str(content.root), name])
        assert result.exit_code == 1, result.output
        assert "evidence:" not in result.output and f"如 {better}" in result.output and "不能有空格、中文或逗号" in result.output
    content.write("evidence/sams-11-02.png", PNG)  # renamed as told: its line validates
    result = runner.invoke(cli, ["evidence", "hash", "--content", str(content.root), "sams-11-02.png"])
    assert result.exit_code == 0 and result.output.startswith("evidence: {file: sams-11-02.png,")


def test_a_proof_of_another_content_folder_is_pointed_at_it(runner, tmp_path, monkeypatch):
    other = ContentTree(tmp_path / "shop b")
    other.write("evidence/new-shot.png", PNG)
    monkeypatch.chdir(tmp_path)  # no --content: the default content/ is not this folder
    result = runner.invoke(cli, ["evidence", "hash", str(other.root / "evidence" / "new-shot.png")])
    assert result.exit_code == 1
    assert "加上 --content 'shop b'" in result.output  # as validate writes it: relative to where the command runs


def test_a_proof_in_dot_content_while_another_folder_is_named_says_content(runner, tmp_path, monkeypatch):
    here = ContentTree(tmp_path / "content")
    here.write("evidence/new-shot.png", PNG)
    ContentTree(tmp_path / "shop b")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["evidence", "hash", "--content", "shop b", str(Path("content") / "evidence" / "new-shot.png")])
    assert result.exit_code == 1 and "加上 --content content" in result.output  # not an empty "加上"
