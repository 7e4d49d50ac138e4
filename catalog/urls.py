"""Where the published site puts every page (paths relative to the site's root).

The one definition the storefront's templates, feeds and search records and the checkout share;
templates reach these through the `urls` global, never by typing paths.
"""

from __future__ import annotations

from urllib.parse import quote

from .models import Evidence, Image


def _segment(value: str) -> str:
    # Catalog ids are slugs, which quoting leaves alone; anything else stays one path segment.
    return quote(value, safe="")


def product_url(pid: str) -> str:
    """The site-relative path of a product page."""
    return f"p/{_segment(pid)}/"


def factory_url(fid: str) -> str:
    """The site-relative URL of a factory page."""
    return f"factory/{_segment(fid)}/"


def category_url(cid: str) -> str:
    """The site-relative URL of a category page."""
    return f"c/{_segment(cid)}/"


def belt_url(bid: str) -> str:
    """The site-relative URL of an industrial-belt page."""
    return f"belt/{_segment(bid)}/"


def channel_url(rid: str) -> str:
    """The site-relative URL of a retailer's alternatives channel, e.g. 山姆平替."""
    return f"alt/{_segment(rid)}/"


def image_url(image: Image) -> str:
    """The site-relative URL of a content image."""
    return f"images/{image.src}"


def evidence_url(evidence: Evidence) -> str:
    """The site-relative URL of a comparison's price proof (copied from content/evidence/ by the build)."""
    return f"evidence/{evidence.file}"


def search_url(query: str = "") -> str:
    """The search page, with a query when one is given."""
    return f"search/?q={quote(query, safe='')}" if query else "search/"


def help_url(topic: str = "") -> str:
    """The site-relative URL of a help page (the help index for no topic)."""
    return f"help/{_segment(topic)}/" if topic else "help/"


PAGES = {
    "home": "",
    "cart": "cart/",
    "factories": "factories/",
    "membership": "membership/",
    "sourcing": "sourcing/",
    "feed_new": "feeds/new.atom.xml",
    "feed_price_drops": "feeds/price-drops.atom.xml",
}
"""The site's fixed pages by name."""
