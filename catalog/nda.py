"""Brand names under NDA, matched on text as a reader sees it, not as it is spelled in bytes.

A name written with full-width letters (ＭＩＮＩＳＯ), another case, or with a zero-width space,
soft hyphen or bidi control inside still reads as the name: text and names are both folded
(NFKC, case-folded, those invisible characters removed) before they are compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .messages import say

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
"""Zero-width characters, the soft hyphen, bidi controls and variation selectors: invisible inside a word."""


_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
"""Full-width ASCII (，：（Ａ１): NFKC makes each the ASCII character. Done first, Chinese text passes
NFKC's quick check and skips its costly composition pass (7x faster on product texts, same result)."""


def fold(text: str) -> str:
    """`text` as it reads: NFKC, case-folded, invisible characters removed."""
    if text.isascii():
        return text.lower()  # the common case, and much faster
    plain = _FULL_WIDTH.sub(_half_width, _INVISIBLE.sub("", text))
    return unicodedata.normalize("NFKC", plain).casefold()


def _half_width(match: re.Match[str]) -> str:
    return chr(ord(match.group(0)) - 0xFEE0)


@dataclass(frozen=True)
class NdaMatch:
    """A brand under NDA found in a text: the name as written there and the words around it."""

    written: str
    context: str
    raw: str = ""
    """The name exactly as it stands in the text (invisible characters and all): found again in the file."""

    def message(self) -> str:
        """The curator's message, quoting the words around the name."""
        return say(
            f"出现了保密品牌“{self.written}”（在“{self.context}”中）：保密品牌不能出现在任何公开内容里，请删掉或改写",
            f"names {self.written!r} (in {self.context!r}), a brand under NDA: it may not be published anywhere",
        )


class NdaNames:
    """Every name under NDA, folded into one pattern."""

    def __init__(self, names: Iterable[str]):
        folded = sorted({f for n in names if (f := fold(n).strip())}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in folded)) if folded else None

    def __bool__(self) -> bool:
        return self.pattern is not None

    def folded_hit(self, text: str) -> str | None:
        """The folded name `text` names, or None (no quoting: for the build's scan of output files)."""
        if self.pattern is None or (match := self.pattern.search(fold(text))) is None:
            return None
        return match.group(0)

    def in_any(self, texts: Iterable[str]) -> bool:
        """Whether an NDA name may be in one of `texts`: one search over them all, so the many texts
        that name none are folded and searched once (a True is then narrowed down with `search`)."""
        return self.pattern is not None and self.pattern.search(fold("\n".join(texts))) is not None

    def search(self, text: str) -> NdaMatch | None:
        """The first NDA name in `text`, however it is spelled, or None."""
        if self.pattern is None or not self.pattern.search(fold(text)):
            return None
        return _locate(text, self.pattern)


def _locate(text: str, pattern: re.Pattern[str]) -> NdaMatch:
    """Map a match on folded text back onto the text as written (only run once a name is found)."""
    folded, origin = [], []
    for i, char in enumerate(text):
        for piece in fold(char):
            folded.append(piece)
            origin.append(i)
    match = pattern.search("".join(folded))
    if match is None:  # folding across characters (rare compositions): quote the whole text
        return NdaMatch(text[:40], text[:60])
    start, end = origin[match.start()], origin[match.end() - 1] + 1
    before, after = max(0, start - 8), min(len(text), end + 8)
    context = ("…" if before else "") + text[before:after] + ("…" if after < len(text) else "")
    written = text[start:end]
    return NdaMatch(visible(written), " ".join(visible(context).split()), written)  # one line, even from a block of text


def visible(text: str) -> str:
    """`text` with invisible characters shown as <U+200B>, so the curator sees what to delete."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)
