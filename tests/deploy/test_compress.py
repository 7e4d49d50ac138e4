"""`plus deploy compress`: .gz/.br copies equal to their page, redone when it changes, gone with it."""

from __future__ import annotations

import gzip
import os

import brotli
from click.testing import CliRunner

from admin.cli import cli
from admin.deploy.compress import precompress
from tests.language import stray_english

PAGE = "<!doctype html><title>PLUS会员店</title>" + "<p>山姆价 ¥690 → ¥69 · 1折</p>" * 200


def test_copies_decompress_to_the_page(tmp_path):
    (tmp_path / "p").mkdir()
    page = tmp_path / "p" / "index.html"
    page.write_text(PAGE, encoding="utf-8")
    report = precompress(tmp_path)
    assert (report.files, report.written) == (1, 2)
    assert gzip.decompress((tmp_path / "p" / "index.html.gz").read_bytes()) == page.read_bytes()
    assert brotli.decompress((tmp_path / "p" / "index.html.br").read_bytes()) == page.read_bytes()


def test_a_changed_page_gets_new_copies_and_an_unchanged_one_is_left(tmp_path):
    page, other = tmp_path / "a.html", tmp_path / "b.html"
    page.write_text(PAGE, encoding="utf-8")
    other.write_text(PAGE, encoding="utf-8")
    precompress(tmp_path)
    page.write_text(PAGE.replace("¥69", "¥59"), encoding="utf-8")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    report = precompress(tmp_path)
    assert report.fresh == 1 and report.written == 2
    assert "¥59" in gzip.decompress((tmp_path / "a.html.gz").read_bytes()).decode("utf-8")


def test_copies_of_a_removed_page_are_removed_but_the_sites_own_archives_stay(tmp_path):
    page = tmp_path / "gone.html"
    page.write_text(PAGE, encoding="utf-8")
    precompress(tmp_path)
    page.unlink()
    (tmp_path / "catalog.tar.gz").write_bytes(b"\x1f\x8b not ours")
    report = precompress(tmp_path)
    assert report.removed == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.tar.gz"]


def test_images_small_files_and_incompressible_text_get_no_copy(tmp_path):
    (tmp_path / "p.png").write_bytes(os.urandom(4096))
    (tmp_path / "tiny.css").write_text("a{}", encoding="utf-8")
    (tmp_path / "noise.js").write_text(os.urandom(4096).hex(), encoding="utf-8")  # hex: compresses to ~50%
    (tmp_path / "random.json").write_bytes(os.urandom(4096))
    precompress(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "p.png.gz" not in names and "tiny.css.gz" not in names and "random.json.gz" not in names
    assert "noise.js.gz" in names


def test_plus_deploy_compress_reports_what_it_did(tmp_path):
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--lang", "en", "deploy", "compress", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("compressed 1 of 1 files")
    assert CliRunner().invoke(cli, ["--lang", "en", "deploy", "compress", str(tmp_path)]).output.startswith("compressed 0 of 1 files")
    said = CliRunner().invoke(cli, ["deploy", "compress", str(tmp_path)]).output
    assert said.startswith("压缩了 1 个文件中的 0 个") and "1 个已是最新" in said, said
    assert not stray_english(said), said
