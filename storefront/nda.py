"""The last gate before publishing: no byte of the output may name a brand held under NDA."""

from __future__ import annotations

import gzip
import html
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Leak:
    """An NDA brand found in an output file (reported by factory, so logs never repeat the name)."""

    path: Path
    factory: str

    def source(self, root: Path) -> str | None:
        """The content file the page was made from, when its URL tells (p/<id>/, factory/<id>/, images/…)."""
        parts = self.path.relative_to(root).parts
        if len(parts) >= 2 and parts[0] in _SOURCES:
            return _SOURCES[parts[0]].format(id=parts[1]) if parts[0] != "images" else "content/" + "/".join(parts)
        return None


class NdaLeak(Exception):
    """The output names a brand under NDA: it must not be published."""

    def __init__(self, leaks: list[Leak], root: Path):
        self.leaks = leaks
        shown = ", ".join(_describe(leak, root) for leak in leaks[:10])
        more = f" and {len(leaks) - 10} more" if len(leaks) > 10 else ""
        super().__init__(f"{len(leaks)} output file(s) name a brand under NDA: {shown}{more}")


_SOURCES = {
    "p": "content/products/{id}.yaml",
    "factory": "content/factories/{id}.yaml",
    "images": "",
}
"""Output folders whose pages come from one content file (see catalog/urls.py)."""


def _describe(leak: Leak, root: Path) -> str:
    source = leak.source(root)
    made_from = f", made from {source}" if source else ", made by a template or a site-wide file"
    return f"{leak.path.relative_to(root)} (factory {leak.factory}{made_from})"


def needles(name: str) -> set[bytes]:
    """The byte forms a name can take in HTML, JSON, URLs or plain text, lowercased for ASCII."""
    forms = {
        name,
        html.escape(name),
        json.dumps(name)[1:-1],  # \uXXXX escapes
        quote(name, safe=""),
    }
    return {form.encode("utf-8").lower() for form in forms if form.strip()}


def file_texts(path: Path) -> list[bytes]:
    """A file's bytes, and its decompressed bytes too when it is gzip (Pagefind's .pf_* files)."""
    data = path.read_bytes()
    texts = [data]
    if data.startswith(GZIP_MAGIC):
        try:
            texts.append(gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            pass  # not really gzip: the raw bytes are still scanned
    return texts


def scan_output(root: Path, names_by_factory: dict[str, list[str]]) -> list[Leak]:
    """Every file below `root` that contains any NDA name, case-insensitively for ASCII."""
    patterns = [(fid, needle) for fid, names in sorted(names_by_factory.items()) for name in names for needle in needles(name)]
    if not patterns:
        return []
    leaks = []
    for path in sorted(_files(root)):
        haystacks = [text.lower() for text in file_texts(path)]
        for fid, needle in patterns:
            if any(needle in haystack for haystack in haystacks):
                leaks.append(Leak(path, fid))
                break
    return leaks


def _files(root: Path) -> list[Path]:
    # os.walk: a third of the time rglob + is_file take over 20,000 files.
    return [Path(folder, name) for folder, _, names in os.walk(root) for name in names]
