"""Precompress the built site: `page.html.gz` and `page.html.br` beside each text file.

nginx serves them with `gzip_static` / `brotli_static`, whitenoise (`plus serve`) finds them by
itself, so neither compresses a page per request. A compressed copy carries its source's mtime:
a copy whose source has changed (or gone) is redone (or removed), so a later build never serves
an old page from a stale `.gz`.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from catalog.messages import say

log = logging.getLogger("plus.deploy.compress")

TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".yml", ".wasm", ".map", ".webmanifest"})
"""What is worth compressing (Pagefind's index files are compressed already, images too)."""
ENCODINGS = (".br", ".gz")
MIN_SIZE = 256
"""Below this a compressed copy saves less than the header costs."""
GOOD_ENOUGH = 0.95
"""Keep a compressed copy only when it is at most this fraction of the original."""


@dataclass
class CompressReport:
    """What a run did."""

    files: int = 0
    written: int = 0
    fresh: int = 0
    removed: int = 0
    bytes_in: int = 0
    bytes_gz: int = 0
    bytes_br: int = 0


def gzip_bytes(data: bytes) -> bytes:
    """Gzip at level 9 with no timestamp, so equal input gives equal bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as handle:
        handle.write(data)
    return out.getvalue()


def _brotli():
    try:
        import brotli
    except ImportError:
        return None
    return brotli


def _fresh(source: os.stat_result, copy: Path) -> bool:
    try:
        return copy.stat().st_mtime_ns == source.st_mtime_ns
    except FileNotFoundError:
        return False


def _write(path: Path, data: bytes, source: os.stat_result) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.utime(temporary, ns=(source.st_atime_ns, source.st_mtime_ns))
    temporary.replace(path)  # a reader sees the old copy or the new one, never half of one


def _compress_one(path: Path, use_brotli: bool, quality: int) -> CompressReport:
    """Compress one file; its own report (threads never share a counter)."""
    report = CompressReport(files=1)
    source = path.stat()
    targets = {".gz": path.with_name(path.name + ".gz")}
    brotli = _brotli() if use_brotli else None
    if brotli is not None:
        targets[".br"] = path.with_name(path.name + ".br")
    if all(_fresh(source, target) for target in targets.values()):
        report.fresh = 1
        return report
    data = path.read_bytes()
    report.bytes_in = len(data)
    compressed = {".gz": gzip_bytes(data)}
    if brotli is not None:
        compressed[".br"] = brotli.compress(data, quality=quality)
    for suffix, target in targets.items():
        if len(compressed[suffix]) > GOOD_ENOUGH * len(data):
            target.unlink(missing_ok=True)
            continue
        _write(target, compressed[suffix], source)
        report.written += 1
        if suffix == ".gz":
            report.bytes_gz = len(compressed[suffix])
        else:
            report.bytes_br = len(compressed[suffix])
    return report


def _orphan(path: Path) -> bool:
    """A compressed copy (of a text file) whose source is gone; other .gz files are the site's own."""
    source = path.with_suffix("")
    return source.suffix in TEXT_SUFFIXES and not source.is_file()


def precompress(root: Path, *, use_brotli: bool = True, quality: int = 9, threads: int | None = None) -> CompressReport:
    """Write .gz (and .br, when the brotli module is installed) copies of the text files below `root`."""
    report = CompressReport()
    wanted: list[Path] = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.suffix in ENCODINGS:
                if _orphan(path):
                    path.unlink()
                    report.removed += 1
            elif path.suffix in TEXT_SUFFIXES and path.stat().st_size >= MIN_SIZE:
                wanted.append(path)
    if use_brotli and _brotli() is None:
        log.warning(
            say(
                "没有安装 brotli 模块：只写 .gz 副本（pip install brotli）",
                "the brotli module is not installed: writing .gz copies only (pip install brotli)",
            )
        )
    with ThreadPoolExecutor(threads or os.cpu_count() or 1) as pool:  # zlib and brotli release the GIL
        for one in pool.map(lambda p: _compress_one(p, use_brotli, quality), wanted):
            for name in ("files", "written", "fresh", "bytes_in", "bytes_gz", "bytes_br"):
                setattr(report, name, getattr(report, name) + getattr(one, name))
    log.info(
        say(
            "预压缩了 %d/%d 个文件，在 %s 下（%d 个已是最新，删除了 %d 个过期副本）",
            "precompressed %d of %d files below %s (%d up to date, %d stale copies removed)",
        ),
        report.written,
        report.files,
        root,
        report.fresh,
        report.removed,
    )
    return report
