"""Image files: only real raster pictures inside content/images/ are published; every refusal is located."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from catalog import load_catalog
from tests.conftest import PRODUCT, ContentTree, line_of


def located(content, today) -> list[str]:
    return content.located(today)


# 3. Image files


def image_problem(content, today, relative: str) -> str:
    content.product("aux-vacuum", PRODUCT.replace("products/vacuum.png", relative))
    problems = located(content, today)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"products/aux-vacuum.yaml:{line_of('  - src:')}:10: images.0.src: 图片 "), problems
    return problems[0].split(f"{relative} ", 1)[1]


def test_a_symlink_to_a_file_of_the_machine_is_refused(content, today, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes((content.root / "images/products/vacuum.png").read_bytes())
    (content.root / "images/products/link.png").symlink_to(secret)
    assert image_problem(content, today, "products/link.png").startswith("是一个符号链接（快捷方式）")


def test_an_unreferenced_symlink_is_refused_too_because_the_whole_folder_is_published(content, today):
    (content.root / "images/passwd.png").symlink_to("/etc/passwd")
    assert located(content, today) == [
        "images/passwd.png:1:1: : 是一个符号链接（快捷方式）：content/images/ 里的一切都会发布，只能放真实的图片文件，请删掉它或复制图片本身"
    ]


def test_a_symlink_message_names_the_images_folder_of_the_content_folder_given(tmp_path, today, monkeypatch):
    """`plus validate --content shop-b`: the pictures are in shop-b/images/, not content/images/."""
    shop = ContentTree(tmp_path / "shop-b")
    picture = shop.root / "images/products/vacuum.png"
    picture.rename(tmp_path / "real.png")
    picture.symlink_to(tmp_path / "real.png")
    monkeypatch.chdir(tmp_path)
    messages = [p.message for p in load_catalog(Path("shop-b"), today=today).problems]
    assert messages == [
        "图片 shop-b/images/products/vacuum.png 是一个符号链接（快捷方式）：只能用放在 shop-b/images/ 里的真实文件，请复制文件本身"
    ]


def test_an_svg_with_a_script_is_refused(content, today):
    content.write("images/products/x.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert image_problem(content, today, "products/x.svg").startswith("是 SVG 矢量图")


def test_an_empty_file_is_refused(content, today):
    content.write("images/products/empty.png", b"")
    assert image_problem(content, today, "products/empty.png") == "是空文件（0 字节）：请放入真实的图片"


def test_an_html_file_renamed_png_is_refused(content, today):
    content.write("images/products/page.png", b"<!DOCTYPE html><html><body>hi</body></html>")
    assert image_problem(content, today, "products/page.png") == "内容是网页（HTML），不是图片：文件名改成 .png 不会让它变成图片"


def test_a_truncated_png_is_refused(content, today):
    whole = (content.root / "images/products/vacuum.png").read_bytes()
    content.write("images/products/cut.png", whole[:40])
    assert image_problem(content, today, "products/cut.png") == "看起来是 PNG 图片，但内容损坏、读不出来：请重新导出这张图"


def test_an_image_over_the_byte_limit_is_refused(content, today):
    content.write("settings.yaml", "image_max_bytes: 2048\n")
    content.write("images/products/big.png", (content.root / "images/products/vacuum.png").read_bytes() + b"\0" * 4096)
    assert image_problem(content, today, "products/big.png").startswith("有 0.0 MB，超过上限 0.0 MB（settings.yaml 的 image_max_bytes）")


def test_an_image_over_the_pixel_limit_is_refused(content, today):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200)).save(buffer, "PNG")
    content.write("settings.yaml", "image_max_pixels: 50000\n")
    content.write("images/products/wide.png", buffer.getvalue())
    assert image_problem(content, today, "products/wide.png") == (
        "有 300×200 像素，超过上限 50000 像素（settings.yaml 的 image_max_pixels）：请缩小后再放"
    )


@pytest.mark.parametrize("kind", ["JPEG", "WEBP"])
def test_real_jpeg_and_webp_pass(content, today, kind):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, kind)
    content.write("images/products/photo.img", buffer.getvalue())
    content.product("aux-vacuum", PRODUCT.replace("products/vacuum.png", "products/photo.jpg"))
    (content.root / "images/products/photo.img").rename(content.root / "images/products/photo.jpg")
    assert located(content, today) == []
