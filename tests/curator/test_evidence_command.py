"""`plus evidence hash`: the line a curator adds for a price proof, and the file checked as validate will."""

from __future__ import annotations

import hashlib

from admin.cli import cli
from catalog import load_catalog
from tests.conftest import PNG, PRODUCT


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
