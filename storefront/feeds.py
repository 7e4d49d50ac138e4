"""Machine-readable outputs: Atom feeds, sitemap.xml, robots.txt and products.json."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from feedgenerator import Atom1Feed

from catalog.money import money, yuan

from .nda import NdaGuard
from .views import ProductView, Store

log = logging.getLogger(__name__)

FEED_NEW = "feeds/new.atom.xml"
FEED_DROPS = "feeds/price-drops.atom.xml"
FEED_LIMIT = 50
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def absolute(siteurl: str, url: str) -> str:
    """A site-relative URL joined to SITEURL (root-relative when SITEURL is empty)."""
    return f"{siteurl.rstrip('/')}/{url.lstrip('/')}"


def write_feeds(store: Store, output: Path, *, siteurl: str, sitename: str, timezone: str) -> list[str]:
    """Write the new-products and price-drop Atom feeds; return their paths."""
    tz = ZoneInfo(timezone)

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tz)

    def feed(title: str, path: str, description: str) -> Atom1Feed:
        return Atom1Feed(
            title=f"{sitename} · {title}",
            link=absolute(siteurl, ""),
            description=description,
            language="zh-cn",
            feed_url=absolute(siteurl, path),
        )

    new = feed("新品上架", FEED_NEW, "工厂直供的新品，附对标价格")
    for view in store.newest[:FEED_LIMIT]:
        new.add_item(
            title=view.product.title,
            link=absolute(siteurl, view.url),
            unique_id=absolute(siteurl, view.url),
            description=_summary(view),
            pubdate=at(view.product.added_on),
            updateddate=at(view.updated_on),
        )
    drops = feed("降价提醒", FEED_DROPS, "本店价格下调的商品")
    for view in store.price_drops[:FEED_LIMIT]:
        assert view.facts.last_drop is not None  # price_drops holds only products that have one
        before, after = view.facts.last_drop
        drops.add_item(
            title=f"{view.product.title} 降价：¥{yuan(before.price)} → ¥{yuan(after.price)}",
            link=absolute(siteurl, view.url),
            unique_id=f"{absolute(siteurl, view.url)}#drop-{after.date.isoformat()}",
            description=_summary(view),
            pubdate=at(after.date),
            updateddate=at(after.date),
        )
    written = []
    for path, document in ((FEED_NEW, new), (FEED_DROPS, drops)):
        target = output / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as handle:
            document.write(handle, "utf-8")
        written.append(path)
    return written


def _summary(view: ProductView) -> str:
    saving = view.card_saving
    return (
        f"¥{yuan(view.product.price)}，{saving.price_label} ¥{yuan(saving.comparison.price)}，"
        f"{saving.zhe_label}。{view.factory.factory.name}出品。"
    )


def write_sitemap(urls: list[tuple[str, dt.date | None]], output: Path, *, siteurl: str) -> None:
    """Write sitemap.xml listing every public page with its last change, a line of XML at a time (as
    ElementTree writes it, but without a tree of 300,000 elements for 100,000 products)."""
    with open(output / "sitemap.xml", "w", encoding="utf-8") as file:
        file.write(f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\">")
        for url, lastmod in urls:
            day = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod is not None else ""
            file.write(f"<url><loc>{xml_escape(absolute(siteurl, url))}</loc>{day}</url>")
        file.write("</urlset>")


def write_robots(output: Path, *, siteurl: str) -> None:
    """Write robots.txt: everything may be crawled but the cart and search, here is the sitemap.

    The Sitemap line must be an absolute URL, so a build without a site URL (a local preview) has none.
    """
    lines = ["User-agent: *", "Disallow: /cart/", "Disallow: /search/"]
    if siteurl.startswith(("https://", "http://")):
        lines.append(f"Sitemap: {absolute(siteurl, 'sitemap.xml')}")
    lines.append("")
    (output / "robots.txt").write_text("\n".join(lines), encoding="utf-8")


def product_items(store: Store, *, siteurl: str) -> Iterator[dict]:
    """What the cart page needs to draw each product's lines; display only, the checkout decides prices."""
    for view in store.by_saving:
        p = view.product
        yield {
            "id": view.id,
            "title": p.title,
            "price": money(p.price),
            "member_price": money(p.member_price) if p.member_price is not None else None,
            "moq": p.moq,
            "tiers": [{"min_qty": t.min_qty, "price": money(t.price)} for t in p.tiers],
            "members_only": p.members_only,
            "in_stock": view.in_stock,
            "url": absolute(siteurl, view.url),
            "image": absolute(siteurl, view.image_url),
            "image_alt": view.image.alt,
            "delivery_class": p.delivery_class.value,
            "delivery": view.delivery,
        }


def write_products_json(store: Store, output: Path, *, siteurl: str, guard: NdaGuard | None = None) -> str | None:
    """Write /products.json a product at a time, and return the factory whose NDA brand it names (or
    None), checked as it is written: the whole document in memory took ~0.3 GiB at 100,000 products,
    while the last search shard was being written, and the 55 MB file read back for the last scan
    ~0.16 GiB more at the build's peak, the last shard's Pagefind beside it."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    head = encode({"currency": "CNY", "revision": store.catalog.revision})[:-1] + ',"products":['
    items = (("," if number else "") + encode(item) for number, item in enumerate(product_items(store, siteurl=siteurl)))
    named = None
    with open(output / "products.json", "wb") as file:
        for piece in itertools.chain([head], items, ["]}"]):
            data = piece.encode("utf-8")
            if guard is not None and named is None:
                named = guard.factory_named_in(data, folded=True)  # (as the last scan reads every file but code)
            file.write(data)
    return named
