"""Price proofs (issue 13 item 8): every compared price has its screenshot or saved page in content/evidence/,
pinned by its SHA-256 and held to the same rules as images before it is published."""

from __future__ import annotations

import hashlib
import os

import pytest

from catalog import Severity, load_catalog
from tests.conftest import FACTORY, PNG, PRODUCT

pytestmark = pytest.mark.usefixtures("english")

RECORDED = "{file: vacuum-sams.png, sha256: " + hashlib.sha256(PNG).hexdigest() + "}"


def problems(content, today) -> list[tuple[str, str, Severity]]:
    result = load_catalog(content.root, today=today)
    return [(p.field, p.message, p.severity) for p in result.problems]


def with_evidence(content, line: str) -> None:
    content.product("aux-vacuum", PRODUCT.replace(f"evidence: {RECORDED}", f"evidence: {line}"))


def test_the_fixture_proof_matches(content, today):
    assert problems(content, today) == []


def test_a_comparison_without_proof_is_a_warning_and_an_error_with_strict(content, today):
    content.product("aux-vacuum", PRODUCT.replace(f"    evidence: {RECORDED}\n", ""))
    ((field, message, severity),) = problems(content, today)
    assert (field, severity) == ("compare.0", Severity.WARNING) and "no price proof" in message
    strict = load_catalog(content.root, today=today, strict=True)
    assert strict.catalog is None


def test_a_changed_proof_no_longer_matches_its_hash(content, today):
    content.write("evidence/vacuum-sams.png", PNG + b"edited")
    ((field, message, severity),) = problems(content, today)
    assert field == "compare.0.evidence.sha256" and severity is Severity.ERROR
    assert hashlib.sha256(PNG + b"edited").hexdigest() in message  # the value to write once checked


def test_a_missing_proof_file_is_located(content, today):
    with_evidence(content, RECORDED.replace("vacuum-sams.png", "elsewhere.png"))
    ((field, message, _),) = problems(content, today)
    assert field == "compare.0.evidence.file" and "content/evidence/elsewhere.png" in message


def test_a_symlinked_proof_is_refused_even_with_the_right_hash(content, today, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    (content.root / "evidence" / "vacuum-sams.png").unlink()
    os.symlink(secret, content.root / "evidence" / "vacuum-sams.png")
    ((field, message, _),) = problems(content, today)
    assert field == "compare.0.evidence.file" and "symlink" in message


def test_a_path_out_of_the_folder_is_refused(content, today):
    with_evidence(content, RECORDED.replace("vacuum-sams.png", "../images/products/vacuum.png"))
    ((_, message, _),) = problems(content, today)
    assert ".." in message


def test_an_svg_proof_is_refused(content, today):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    content.write("evidence/price.png", svg)
    with_evidence(content, "{file: price.png, sha256: " + hashlib.sha256(svg).hexdigest() + "}")
    ((_, message, _),) = problems(content, today)
    assert "SVG" in message


def test_a_saved_page_is_a_proof_and_is_checked_for_nda_brands(content, today):
    page = "<!DOCTYPE html><html><body>山姆 ¥690 家用大吸尘器</body></html>".encode()
    content.write("evidence/sams.html", page)
    with_evidence(content, "{file: sams.html, sha256: " + hashlib.sha256(page).hexdigest() + "}")
    assert problems(content, today) == []
    content.factory(
        "aux", FACTORY.replace("    disclosure: public\n", "    disclosure: public\n  - brand: 名创优品\n    disclosure: nda\n")
    )
    leaked = "<!DOCTYPE html><html><body>名\u200b创优品 同厂 ¥690</body></html>".encode()
    content.write("evidence/sams.html", leaked)
    with_evidence(content, "{file: sams.html, sha256: " + hashlib.sha256(leaked).hexdigest() + "}")
    found = problems(content, today)
    assert any(f == "compare.0.evidence.file" and "NDA" in m for f, m, _ in found), found


def test_a_proof_of_another_day_is_a_warning(content, today):
    with_evidence(content, RECORDED.replace("}", ", captured_on: 2026-10-01}"))
    ((field, message, severity),) = problems(content, today)
    assert field == "compare.0.evidence.captured_on" and severity is Severity.WARNING and "2026-10-01" in message


def test_a_proof_whose_file_name_spells_an_nda_brand_is_refused(content, today):
    # the file name becomes a URL of the site
    content.factory("aux", FACTORY.replace("    disclosure: public\n", "    disclosure: public\n  - brand: MINISO\n    disclosure: nda\n"))
    content.write("evidence/Miniso-price.png", PNG)
    with_evidence(content, RECORDED.replace("vacuum-sams.png", "Miniso-price.png"))
    found = problems(content, today)
    assert any(f.startswith("compare.0.evidence.file") and "NDA" in m for f, m, _ in found), found
