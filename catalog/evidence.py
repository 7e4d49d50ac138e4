"""Price proofs: the screenshot or saved page behind a compared price, in `content/evidence/`.

A proof is published next to the comparison (查看价格凭证), so it passes the same gate as an image
(catalog/images.py): a regular file really inside the folder, no symlink, its type judged by its bytes
(PNG, JPEG, WebP screenshots; HTML or PDF pages; never SVG), within the byte and pixel limits. Its
SHA-256 in the YAML pins it: a proof replaced or edited after the fact no longer matches.
Hashes are kept per (path, size, mtime), so validating again (the editor does, on every save) reads
only the files that changed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .images import ImageCheck, decode, not_an_image, placed_file, sniff, too_large
from .messages import say

FOLDER = "evidence"
"""The folder below content/ that holds the proofs; the site serves them under the same name."""
TEXT_KINDS = ("html",)
"""Proofs whose words are published as they are: the NDA check reads them (see rules.py)."""
HEAD_BYTES = 512

_hashes: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class EvidenceCheck:
    """A proof's state: "ok" (with its kind and hash), "missing", "mismatch", or a refusal with its message."""

    state: str
    detail: str = ""
    kind: str = ""
    sha256: str = ""


def evidence_dir(content: Path) -> Path:
    """`content/evidence/`."""
    return content / FOLDER


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file as 64 lowercase hex digits, read again only when its size or mtime changed."""
    info = path.stat()
    key = (os.path.realpath(path), info.st_size, info.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def kind_of(head: bytes) -> str | None:
    """What a proof's first bytes say it is: an image type, "pdf", "html", or None."""
    if image := sniff(head):
        return image if image != "avif" else None
    if head.startswith(b"%PDF-"):
        return "pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")) and b"<svg" not in text:
        return "html"
    return None


def check_evidence(folder: Path, name: str, sha256: str, *, max_bytes: int, max_pixels: int) -> EvidenceCheck:
    """Check `content/evidence/<name>` against the hash written in the YAML."""
    info = placed_file(folder, name)
    if isinstance(info, ImageCheck):
        return EvidenceCheck(info.state, info.detail)
    path = folder / name
    if info.st_size == 0:
        return EvidenceCheck("empty", say("是空文件（0 字节）：请放入真实的截图或网页", "is an empty file"))
    if info.st_size > max_bytes:
        return EvidenceCheck("large", too_large(info.st_size, max_bytes, "请压缩或只截价格部分"))
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    kind = kind_of(head)
    if kind is None:
        return EvidenceCheck("type", _not_a_proof(head))
    if kind not in ("pdf", "html") and (image := decode(path, kind, max_pixels)).state != "ok":
        return EvidenceCheck(image.state, image.detail)
    actual = file_sha256(path)
    if actual != sha256.lower():
        return EvidenceCheck(
            "mismatch",
            say(
                f"的 SHA-256 是 {actual}，和这里写的不一致：文件在登记后被换过或改过；核对无误后把 sha256 改成这个值（plus evidence hash 可算）",
                f"has SHA-256 {actual}, not the one written here: the file changed after it was recorded",
            ),
            kind,
            actual,
        )
    return EvidenceCheck("ok", kind=kind, sha256=actual)


def _not_a_proof(head: bytes) -> str:
    if sniff(head) == "avif":
        return say("是 AVIF 图片：价格凭证请用 PNG、JPEG 或 WebP 截图", "is AVIF: use a PNG, JPEG or WebP screenshot")
    if b"<svg" in head.lower():
        return not_an_image(head)  # SVG can carry scripts: refused, as for images
    return say(
        "内容不是 PNG、JPEG、WebP 截图，也不是存下的 HTML 或 PDF 网页（按文件内容判断，不看扩展名）",
        "is not a PNG, JPEG or WebP screenshot nor a saved HTML or PDF page (judged by content)",
    )


def read_text(folder: Path, name: str, limit: int = 8 * 1024 * 1024) -> str:
    """The words of a text-based proof as a reader would see them (for the NDA check); "" when unreadable."""
    try:
        return (folder / name).read_bytes()[:limit].decode("utf-8", "replace")
    except OSError:
        return ""
