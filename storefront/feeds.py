"""Machine-readable outputs: Atom feeds, sitemap.xml, robots.txt and products.json."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from feedgenerator import Atom1Feed

from catalog.money import money, yuan

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
    """Write sitemap.xml listing every public page with its last change."""
    ET.register_namespace("", SITEMAP_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for url, lastmod in urls:
        entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = absolute(siteurl, url)
        if lastmod is not None:
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
    ET.ElementTree(root).write(output / "sitemap.xml", encoding="utf-8", xml_declaration=True)


def write_robots(output: Path, *, siteurl: str) -> None:
    """Write robots.txt: everything may be crawled but the cart and search, here is the sitemap.

    The Sitemap line must be an absolute URL, so a build without a site URL (a local preview) has none.
    """
    lines = ["User-agent: *", "Disallow: /cart/", "Disallow: /search/"]
    if siteurl.startswith(("https://", "http://")):
        lines.append(f"Sitemap: {absolute(siteurl, 'sitemap.xml')}")
    lines.append("")
    (output / "robots.txt").write_text("\n".join(lines), encoding="utf-8")


def products_json(store: Store, *, siteurl: str) -> dict:
    """What the cart page needs to draw its lines; display only, the checkout decides prices."""
    items = []
    for view in store.by_saving:
        p = view.product
        items.append(
            {
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
        )
    return {"currency": "CNY", "revision": store.catalog.revision, "products": items}


def write_products_json(store: Store, output: Path, *, siteurl: str) -> None:
    """Write /products.json."""
    data = products_json(store, siteurl=siteurl)
    (output / "products.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
