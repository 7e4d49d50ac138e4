"""The Pelican generator that renders the validated catalog into pages, feeds and data files."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pelican.generators import Generator

from admin.catalog import Catalog, require_catalog

from . import feeds, seo
from .chart import price_chart
from .text import FILTERS
from .views import Group, Store

log = logging.getLogger(__name__)


class Progress(Protocol):
    """What the build reports its progress to."""

    def stage(self, label: str, total: int | None = None) -> None:
        """Start a named step of `total` units."""

    def advance(self, amount: int = 1) -> None:
        """Count units done in the current step."""


class NoProgress:
    """Progress that shows nothing (CI, tests, pipes)."""

    def stage(self, label: str, total: int | None = None) -> None:
        """Ignore."""

    def advance(self, amount: int = 1) -> None:
        """Ignore."""


@dataclass
class Page:
    """One HTML file to write."""

    save_as: str
    template: str
    url: str
    lastmod: dt.date | None = None
    in_sitemap: bool = True
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pager:
    """Where one listing page stands among its siblings."""

    number: int
    urls: tuple[str, ...]

    @property
    def previous(self) -> str | None:
        """The URL of the page before, if any."""
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        """The URL of the page after, if any."""
        return self.urls[self.number] if self.number < len(self.urls) else None


def listing_pages(template: str, group: Group, today: dt.date, page_size: int) -> list[Page]:
    """A group's products split into pages of `page_size`: `c/x/`, `c/x/page/2/`, …"""
    chunks = [group.products[i : i + page_size] for i in range(0, len(group.products), page_size)] or [[]]
    urls = tuple(group.url if n == 1 else f"{group.url}page/{n}/" for n in range(1, len(chunks) + 1))
    return [
        Page(f"{url}index.html", template, url, today, values={"group": group, "items": chunk, "pager": Pager(n, urls)})
        for n, (url, chunk) in enumerate(zip(urls, chunks), start=1)
    ]


def plan_pages(store: Store, siteurl: str, page_size: int = 48) -> list[Page]:
    """Every HTML page of the site, in the order they are written."""
    today = store.today
    pages = [Page("index.html", "home", "", today)]
    for template, groups in (("channel", store.channels), ("category", store.categories), ("belt", store.belts)):
        for group in groups:
            pages += listing_pages(template, group, today, page_size)
    pages.append(Page("factories/index.html", "factories", "factories/", today))
    for f in store.factories.values():
        values = {"factory": f, "jsonld": seo.factory_ld(f, siteurl)}
        pages.append(Page(f"{f.url}index.html", "factory", f.url, f.factory.verification.audited_on, values=values))
    for view in store.by_saving:
        chart = price_chart(view.product.price_history, today=today, chart_id=f"chart-{view.id}")
        values = {"product": view, "chart": chart, "jsonld": seo.product_ld(view, siteurl)}
        pages.append(Page(f"{view.url}index.html", "product", view.url, view.updated_on, values=values))
    pages += [
        Page("membership/index.html", "membership", "membership/", today),
        Page("sourcing/index.html", "sourcing", "sourcing/", today),
        Page("search/index.html", "search", "search/", in_sitemap=False),
        Page("cart/index.html", "cart", "cart/", in_sitemap=False),
        Page("404.html", "404", "404.html", in_sitemap=False),
    ]
    return pages


def asset_version(theme: str) -> str:
    """A short hash of the theme's static files, appended to their URLs to bust caches."""
    digest = hashlib.sha256()
    for path in sorted((Path(theme) / "static").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class StoreGenerator(Generator):
    """Feeds the catalog to the theme: pages, Atom feeds, sitemap, robots.txt and products.json."""

    def generate_context(self) -> None:
        """Load (or take) the validated catalog and arrange it for the templates."""
        catalog: Catalog | None = self.settings.get("PLUS_CATALOG")
        if catalog is None:  # run by plain `pelican`: validate here, with the date the settings give
            today = self.settings.get("PLUS_TODAY")
            catalog = require_catalog(self.path, today=dt.date.fromisoformat(today) if today else None)
        self.store = Store(catalog)
        self.progress: Progress = self.settings.get("PLUS_PROGRESS") or NoProgress()
        self.env.filters.update(FILTERS)
        self.context["store"] = self.store
        self.context["ASSET_VERSION"] = asset_version(self.theme)
        self.pages = plan_pages(self.store, self.settings["SITEURL"], self.settings.get("PLUS_PAGE_SIZE", 48))

    def generate_output(self, writer) -> None:
        """Write every page, then the feeds and data files."""
        siteurl = self.settings["SITEURL"]
        canonical_base = siteurl if siteurl.startswith(("http://", "https://")) else ""
        self.progress.stage("渲染页面", len(self.pages))
        for page in self.pages:
            writer.write_file(
                page.save_as,
                self.get_template(page.template),
                self.context,
                relative_urls=False,
                page=page,
                canonical=feeds.absolute(canonical_base, page.url) if canonical_base and page.in_sitemap else None,
                **page.values,
            )
            self.progress.advance()
        output = Path(self.output_path)
        feeds.write_feeds(
            self.store, output, siteurl=siteurl, sitename=self.settings["SITENAME"], timezone=self.settings["TIMEZONE"]
        )
        feeds.write_sitemap([(p.url, p.lastmod) for p in self.pages if p.in_sitemap], output, siteurl=siteurl)
        feeds.write_robots(output, siteurl=siteurl)
        feeds.write_products_json(self.store, output, siteurl=siteurl)
        log.info("storefront: wrote %d pages for %d products", len(self.pages), len(self.store.products))
