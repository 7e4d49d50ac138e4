"""Where the published site puts catalog pages (paths relative to the site's root)."""

from __future__ import annotations

from urllib.parse import quote


def product_url(pid: str) -> str:
    """The site-relative path of a product page: the one definition the site and the checkout share."""
    # Catalog ids are slugs, which quoting leaves alone; anything else stays one path segment.
    return f"p/{quote(pid, safe='')}/"
