"""What a test of a command's words checks: a Chinese operator reads no stray English, and `--lang en` no stray Chinese.

Data is not words: order and return numbers, emails, product ids, Stripe ids, `plus` commands, setting
names, URLs and paths are the same in both languages, and so are a buyer's name and address, product
titles and what a buyer or an operator typed.
"""

from __future__ import annotations

import re
import unicodedata

IDENTIFIERS = re.compile(
    r"""
      \S+@\S+                                   # an email
    | https?://\S+                              # a URL
    | (?<![\w/])/\S*                            # a path
    | \b(?:PLUS|TH)\d{8}\b                      # an order or return number
    | \b[\w-]+×\d+                              # a product id and how many
    | \b(?:re|cs|pi|sk|whsec)_\w+               # a Stripe id
    | \bplus(?:\ (?:serve|validate|build|mail|send|orders|members|db|upgrade|deploy|cms-serve)\b)*  # a plus command
    | --[\w-]+(?:\ [\w.-]+\b)?                    # an option, and its value
    | \b[\w.-]+/                                # a folder: cms/
    | \./dev\ serve
    | \b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b         # a setting: STRIPE_SECRET_KEY
    | \b(?:Stripe|Ctrl\+C|PLUS|SF\d+|[A-Z]{2,}\d*)\b  # names: Stripe, PLUS, a tracking number, an acronym
    | \b(?:npm\ ci|npm|Node\.js|gzip|brotli|MiB)\b  # tools and units
    | \b\d+(?:\.\d+)?\b                         # a number
    """,
    re.VERBOSE,
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def stray_english(text: str) -> list[str]:
    """English words in `text` a Chinese operator would read (not data: see IDENTIFIERS)."""
    return re.findall(r"[A-Za-z]{2,}", IDENTIFIERS.sub(" ", text))


def stray_chinese(text: str, *data: str) -> list[str]:
    """Chinese in `text` that is none of the `data` (a buyer's name, a title, a reason typed in Chinese…)."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return [line for line in text.splitlines() if CJK.search(line)]


def columns(text: str) -> int:
    """The terminal columns `text` takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def column_of(line: str, cell: str) -> int:
    """The terminal column `cell` starts at in `line` (a Chinese character takes two)."""
    return columns(line[: line.index(cell)])
