"""The placeholder picture `plus new product` puts where the product's image belongs.

It is a real PNG (so the path exists and editors show it) marked with a text chunk; the
image rule refuses it, so a placeholder can never be published in place of a product photo.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 64
MARK = b"plus-placeholder: replace this file with the product's photo (same name)"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _pixels() -> bytes:
    """A grey square with a darker diagonal cross, so it reads as "picture missing"."""
    rows = []
    for y in range(SIZE):
        row = bytearray([0])  # filter type: none
        for x in range(SIZE):
            on_cross = abs(x - y) <= 1 or abs(x + y - SIZE + 1) <= 1
            row.append(120 if on_cross else 220)
        rows.append(bytes(row))
    return b"".join(rows)


PLACEHOLDER_PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 0, 0, 0, 0))
    + _chunk(b"tEXt", b"Comment\x00" + MARK)
    + _chunk(b"IDAT", zlib.compress(_pixels(), 9))
    + _chunk(b"IEND", b"")
)
"""The placeholder's exact bytes."""


def is_placeholder(path: Path, size: int) -> bool:
    """Whether the file at `path` (of `size` bytes, already known from a stat) is the placeholder."""
    if size != len(PLACEHOLDER_PNG):
        return False
    try:
        return path.read_bytes() == PLACEHOLDER_PNG
    except OSError:
        return False
