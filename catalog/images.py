"""What an image file may be before it is copied into the public site.

Only a regular file inside `content/images/` (a symlink could publish any file of the machine),
of a raster type recognised by its bytes, not its name (PNG, JPEG, WebP, AVIF), that Pillow can
read, within the byte and pixel limits of settings.yaml. SVG can carry scripts and is refused.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .messages import say
from .placeholder import is_placeholder

HEAD_BYTES = 64


@dataclass(frozen=True)
class ImageCheck:
    """The state of one image file: "ok", "missing", "placeholder", or a refusal with its message."""

    state: str
    detail: str = ""


OK = ImageCheck("ok")
MISSING = ImageCheck("missing")


def sniff(head: bytes) -> str | None:
    """The image type the first bytes announce, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "avif"
    return None


def placed_file(folder: Path, src: str) -> ImageCheck | os.stat_result:
    """The file `folder/<src>` when it is a regular file really inside `folder` (its stat), else why not.
    Shared by images and price proofs (catalog/evidence.py): anything copied into the public site."""
    where = f"{folder}/"  # (the content folder as the curator gave it: content/images/, shop-b/evidence/…)
    if ".." in Path(src).parts:
        return ImageCheck("outside", say(f"路径里不能有 ..：文件必须放在 {where} 里", "the path may not hold .."))
    path = folder / src
    try:
        info = path.lstat()
    except OSError:
        return MISSING
    if stat.S_ISLNK(info.st_mode):
        return ImageCheck(
            "symlink",
            say(
                f"是一个符号链接（快捷方式）：只能用放在 {where} 里的真实文件，请复制文件本身",
                "is a symlink: copy the file itself",
            ),
        )
    if not stat.S_ISREG(info.st_mode):
        return MISSING
    if not _inside(folder, path):  # a symlinked folder on the way
        return ImageCheck("outside", say(f"实际位置在 {where} 之外（路径经过了符号链接）", f"resolves outside {where}"))
    return info


def check_image(images_dir: Path, src: str, *, max_bytes: int, max_pixels: int) -> ImageCheck:
    """Check `images/<src>`: where it is, what its bytes are, and whether it can be read."""
    path = images_dir / src
    info = placed_file(images_dir, src)
    if isinstance(info, ImageCheck):
        return info
    if is_placeholder(path, info.st_size):
        return ImageCheck("placeholder")
    if info.st_size == 0:
        return ImageCheck("empty", say("是空文件（0 字节）：请放入真实的图片", "is an empty file"))
    if info.st_size > max_bytes:
        return ImageCheck("large", too_large(info.st_size, max_bytes, "请压缩后再放"))
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return MISSING
    kind = sniff(head)
    if kind is None:
        return ImageCheck("type", not_an_image(head))
    return decode(path, kind, max_pixels)


def too_large(size: int, max_bytes: int, fix: str) -> str:
    """The message for a file over settings.yaml's `image_max_bytes` (images and evidence share the limit)."""
    return say(
        f"有 {size / 1_048_576:.1f} MB，超过上限 {max_bytes / 1_048_576:.1f} MB（settings.yaml 的 image_max_bytes）：{fix}",
        f"is {size} bytes, over the limit of {max_bytes} (image_max_bytes)",
    )


def not_an_image(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) or b"<svg" in text:
        return say(
            "是 SVG 矢量图：SVG 里可以藏脚本，商品和工厂图片只收 PNG、JPEG、WebP 或 AVIF，请导出为 PNG",
            "is an SVG: SVG can carry scripts; use PNG, JPEG, WebP or AVIF",
        )
    if text.startswith((b"<!doctype", b"<html", b"<")):
        return say("内容是网页（HTML），不是图片：文件名改成 .png 不会让它变成图片", "holds HTML, not an image")
    return say(
        "内容不是 PNG、JPEG、WebP 或 AVIF 图片（按文件内容判断，不看扩展名）", "is not a PNG, JPEG, WebP or AVIF image (judged by content)"
    )


def decode(path: Path, kind: str, max_pixels: int) -> ImageCheck:
    """Open the file with Pillow: its size from the header, then a check that the data is whole."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow is a dependency
        return OK
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                return ImageCheck(
                    "pixels",
                    say(
                        f"有 {width}×{height} 像素，超过上限 {max_pixels} 像素（settings.yaml 的 image_max_pixels）：请缩小后再放",
                        f"is {width}x{height} pixels, over the limit of {max_pixels} (image_max_pixels)",
                    ),
                )
            image.verify()
    except UnidentifiedImageError:
        if kind == "avif":  # Pillow builds without AVIF support cannot say more than the bytes did
            return OK
        return ImageCheck("broken", _broken(kind))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return ImageCheck("broken", _broken(kind))
    return OK


def _broken(kind: str) -> str:
    return say(
        f"看起来是 {kind.upper()} 图片，但内容损坏、读不出来：请重新导出这张图",
        f"looks like {kind.upper()} but cannot be read: export it again",
    )


def _inside(folder: Path, path: Path) -> bool:
    real = os.path.realpath(path)
    return real.startswith(os.path.realpath(folder) + os.sep)
