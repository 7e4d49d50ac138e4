"""E-mail addresses as the store stores and compares them: one form per mailbox, look-alikes refused.

The rules (also in checkout/README.md):
- Unicode NFKC first, so full-width `ＥＸＡＭＰＬＥ.ＣＯＭ` is `EXAMPLE.COM` and ligatures are letters.
- Invisible, control and formatting characters (zero-width space U+200B, soft hyphen U+00AD, bidi
  marks, …) are refused, not silently removed: an address that holds one was pasted from somewhere
  odd, and its owner should see it.
- The whole address is lower-cased. The domain is case-insensitive by definition; the local part is
  case-sensitive by the letter of RFC 5321 but no mail provider in use treats it so, and two
  accounts for `Li@` and `li@` are a support problem, never a feature. Dots and `+tags` are kept:
  one provider's rules are not everyone's.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 254
SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# Cc control, Cf format (zero-width, soft hyphen, bidi), Co private use, Cs surrogates, Cn unassigned,
# Zl/Zp line and paragraph separators, Zs spaces other than the ones trimmed at the ends.
REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}


class InvalidEmail(ValueError):
    """An address the store refuses, with the zh-CN message the shopper reads."""


def normalise_email(email: str) -> str:
    """The one stored form of an address (NFKC, lower-cased); raises InvalidEmail for look-alikes or junk."""
    text = unicodedata.normalize("NFKC", str(email)).strip()
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in text):
        raise InvalidEmail("邮箱地址含有不可见字符或控制字符（可能来自复制粘贴），请手动重新输入")
    text = text.lower().rstrip(".")
    if len(text) > MAX_LENGTH or not SHAPE.match(text):
        raise InvalidEmail("请输入有效的电子邮箱地址")
    return text


def lookup_form(email: str) -> str | None:
    """The stored form to search for, or None when no stored address can match (never raises)."""
    try:
        return normalise_email(email)
    except InvalidEmail:
        return None
