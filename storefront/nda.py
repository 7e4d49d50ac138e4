"""The gate before publishing: no byte of the output may name a brand held under NDA.

`NdaGuard` checks each page and search record in memory as the build makes it (reading the output
back cost 2-3 s at 10,000 products); `scan_output` reads the files nothing checked on their way out.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from catalog import Catalog
from catalog.messages import say
from catalog.nda import NdaNames, fold

GZIP_MAGIC = b"\x1f\x8b"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
"""A JSON \\uXXXX escape."""
CODE_SUFFIXES = (".js", ".mjs", ".css", ".wasm", ".map")
"""Files of the theme, the search and the editor: scanned byte for byte, not folded (a 5 MB bundle takes 2 s)."""


@dataclass(frozen=True)
class Leak:
    """An NDA brand found in an output file (reported by factory, so logs never repeat the name)."""

    path: Path
    factory: str

    def source(self, root: Path, content: Path) -> Path | None:
        """The content file the page was made from, when its URL tells (p/<id>/, factory/<id>/, images/…, evidence/…)."""
        parts = self.path.relative_to(root).parts
        if len(parts) < 2 or parts[0] not in _SOURCES:
            return None
        return content.joinpath(*parts) if parts[0] in ("images", "evidence") else content / _SOURCES[parts[0]] / f"{parts[1]}.yaml"


class NdaLeak(Exception):
    """The output names a brand under NDA: it must not be published."""

    def __init__(self, leaks: list[Leak], root: Path, content: Path):
        self.leaks = leaks
        shown = [(leak.path.relative_to(root), leak.factory, leak.source(root, content)) for leak in leaks[:10]]
        zh = "；".join(f"{page}（工厂 {fid}，{f'来自 {src}' if src else '由模板或全站文件生成'}）" for page, fid, src in shown)
        en = ", ".join(
            f"{page} (factory {fid}, {f'made from {src}' if src else 'made by a template or a site-wide file'})" for page, fid, src in shown
        )
        more = len(leaks) - len(shown)
        super().__init__(
            say(
                f"{len(leaks)} 个输出文件写出了保密（NDA）品牌，所以没有发布：{zh}{f'，另有 {more} 个' if more else ''}。"
                "请从所列文件里删去这个品牌（图片和凭证里嵌入的文字也算）；是模板打印出来的，就改模板；改好后重新生成",
                f"{len(leaks)} output file(s) name a brand under NDA, so nothing was published: {en}{f' and {more} more' if more else ''}. "
                "Remove the brand from the files named (text embedded in pictures and proofs counts too), or fix the template "
                "that prints it; then build again",
            )
        )


_SOURCES = {"p": "products", "factory": "factories", "images": "", "evidence": ""}
"""Output folders whose pages come from one content file (see catalog/urls.py), and its folder."""


def needles(name: str) -> set[bytes]:
    """The byte forms a name can take in HTML, JSON, URLs or plain text, lowercased for ASCII."""
    forms = {
        name,
        html.escape(name),
        json.dumps(name)[1:-1],  # \uXXXX escapes
        quote(name, safe=""),
    }
    return {form.encode("utf-8").lower() for form in forms if form.strip()}


class NdaGuard:
    """Finds every form (see `needles`) of every NDA name in bytes, case-insensitively for ASCII."""

    def __init__(self, names_by_factory: dict[str, list[str]]):
        found: dict[bytes, str] = {}  # factories cloned from one another share names: each once
        for fid, names in sorted(names_by_factory.items()):
            for name in names:
                for needle in needles(name):
                    found.setdefault(needle, fid)
        # A needle that holds a shorter one adds nothing (名创优品 after 名创): fewer passes per page.
        self._needles = [(n, fid) for n, fid in found.items() if not any(other in n for other in found if other != n)]
        # The same names as a reader sees them (catalog/nda.py): ＭＩＮＩＳＯ or 名\u200b创优品 still name the brand.
        self._folded = {fold(name).strip(): fid for fid, names in sorted(names_by_factory.items()) for name in names}
        self._names = NdaNames(self._folded)

    @classmethod
    def of(cls, catalog: Catalog) -> NdaGuard:
        """The guard of every brand the catalog's factories hold under NDA (made once a build)."""
        return cls({fid: f.nda_names for fid, f in catalog.factories.items() if f.nda_names})

    def __bool__(self) -> bool:
        return bool(self._needles)

    def factory_named_in(self, data: bytes, *, folded: bool = False) -> str | None:
        """The factory whose NDA brand `data` names, or None. `folded`: also read the bytes as text and
        match folded names (catalog/nda.py): ＭＩＮＩＳＯ, 名\u200b创优品. About 2 ms for a 60 KB page, so the
        last scan of the output does it; the pages checked in memory as they are rendered rely on
        `validate`, which refuses such spellings at their source line."""
        if not self._needles:
            return None
        lowered = data.lower()
        if found := next((fid for needle, fid in self._needles if needle in lowered), None):
            return found
        return self._disguised(data) if folded else None

    def _disguised(self, data: bytes) -> str | None:
        """The factory whose NDA brand `data` names once read as text: entities, escapes and URL quoting
        undone, then folded (catalog/nda.py): ＭＩＮＩＳＯ, 名\u200b创优品, ÉCLAT, MINI&shy;SO."""
        if b"\0" in data[:8192]:
            return None  # binary (images, the search index): its bytes were scanned, it holds no text to fold
        text = data.decode("utf-8", "replace")
        if "&" in text or "\\u" in text or "%" in text:
            text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), unquote(html.unescape(text)))
        elif text.isascii():
            return None  # (ASCII as written folds by case alone, which the bytes' scan covered)
        hit = self._names.folded_hit(text)
        return self._folded.get(hit, next(iter(self._folded.values()))) if hit else None


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


def scan_output(root: Path, guard: NdaGuard, checked: Callable[[str], bool] = lambda relative: False) -> list[Leak]:
    """Every file below `root` that names an NDA brand of `guard`, folded names too (but in code);
    files whose `/`-separated path below `root` is `checked` (in memory, as they were made) are not
    read again."""
    if not guard:
        return []
    leaks = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        below = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in sorted(names):
            if checked(name if below == "." else f"{below}/{name}"):
                continue
            path = Path(folder, name)
            words = not name.endswith(CODE_SUFFIXES)  # the theme's and editor's code holds no curator text to fold
            if factory := next((f for data in file_texts(path) if (f := guard.factory_named_in(data, folded=words))), None):
                leaks.append(Leak(path, factory))
    return leaks
