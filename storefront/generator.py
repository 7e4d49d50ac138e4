"""The Pelican generator that renders the validated catalog into pages, feeds and data files."""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jinja2 import TemplateError
from markupsafe import Markup
from pelican.generators import Generator

from catalog import Catalog, require_catalog, urls
from catalog.messages import say
from catalog.urls import help_url

from . import feeds, seo
from .chart import price_chart
from .evidence import copy_evidence
from .help import TOPICS
from .nda import NdaGuard
from .search import SearchIndex, filter_panel, shard_count, shard_size
from .text import FILTERS, prepare
from .views import Group, ProductView, Store

log = logging.getLogger(__name__)

MACROS = ("card", "grid", "badges", "checks", "crumbs")
"""The macros of _macros.html that templates call (given to them in the context)."""
SIBLINGS = 4
"""Cards of the same factory shown under a product."""
TEXT_BATCH = 256
"""Product pages whose descriptions `text.prepare` makes at once."""
TRIM_EVERY = 2000
"""Pages rendered between two `malloc_trim`s."""


def memory_trim() -> Callable[[int], object]:
    """glibc's `malloc_trim`, or nothing elsewhere. glibc keeps the heap pages that rendered pages'
    text left free: the build's process grew 166 MiB over 10,000 products, and a trim of 8 ms gave
    81 MiB of it back."""
    return getattr(ctypes.CDLL(None), "malloc_trim", lambda pad: None)


class RenderError(Exception):
    """A page failed to render, or rendering logged errors: the output is not trustworthy."""


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
    """One HTML file to write; `build` makes its costly values when the page is rendered."""

    save_as: str
    template: str
    url: str
    lastmod: dt.date | None = None
    in_sitemap: bool = True
    values: dict[str, Any] = field(default_factory=dict)
    build: Callable[[], dict[str, Any]] | None = None


@dataclass
class BuildState:
    """What `plus build` hands the generator and gets back: the store, pages rendered, NDA leaks."""

    store: Store | None = None
    search: SearchIndex | None = None
    """Moved on between pages (Pagefind indexes while they render); `plus build` finishes it."""
    guard: NdaGuard | None = None
    """The catalog's NDA brands, checked in every page, search record and other output file."""
    pages: list[Page] = field(default_factory=list)
    rendered: int = 0
    leaks: list[list[str]] = field(default_factory=list)
    """(page, factory) for each page or other file that names a brand under NDA."""
    checked: list[str] = field(default_factory=list)
    """Files besides the pages checked for NDA names as they were written (site-relative), which the
    last scan need not read again."""


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
    pages = []
    for n, (url, chunk) in enumerate(zip(urls, chunks, strict=True), start=1):
        values = {"group": group, "items": chunk, "pager": Pager(n, urls)}
        pages.append(Page(f"{url}index.html", template, url, today, values=values))
    return pages


def plan_pages(store: Store, siteurl: str, page_size: int = 48) -> list[Page]:
    """Every HTML page of the site, in the order they are written."""
    today = store.today
    pages = [Page("index.html", "home", "", today)]
    for template, groups in (("channel", store.channels), ("category", store.categories), ("belt", store.belts)):
        for group in groups:
            pages += listing_pages(template, group, today, page_size)
    pages.append(Page("factories/index.html", "factories", "factories/", today))
    for f in store.factories.values():
        page = Page(f"{f.url}index.html", "factory", f.url, f.factory.verification.audited_on)
        page.build = lambda f=f: {"factory": f, "jsonld": seo.factory_ld(f, siteurl)}
        pages.append(page)
    views = store.by_saving
    for number, view in enumerate(views):
        siblings = view.siblings(SIBLINGS)
        batch = views[number : number + TEXT_BATCH] if number % TEXT_BATCH == 0 else []
        page = Page(f"{view.url}index.html", "product", view.url, view.updated_on)
        page.build = lambda view=view, siblings=siblings, batch=batch: _product_values(view, siblings, today, siteurl, batch)
        pages.append(page)
    pages += [
        Page("membership/index.html", "membership", "membership/", today),
        Page(f"{help_url()}index.html", "help", help_url(), today),
        *(Page(f"{help_url(topic)}index.html", f"help_{topic}", help_url(topic), today) for topic, _ in TOPICS),
        Page("sourcing/index.html", "sourcing", "sourcing/", today),
        Page("search/index.html", "search", "search/", in_sitemap=False, build=lambda: {"filter_panel": filter_panel(store.by_saving)}),
        Page("cart/index.html", "cart", "cart/", in_sitemap=False),
        Page("404.html", "404", "404.html", in_sitemap=False),
    ]
    return pages


def _product_values(
    view: ProductView, siblings: list[ProductView], today: dt.date, siteurl: str, batch: list[ProductView]
) -> dict[str, Any]:
    if batch:  # the first of `TEXT_BATCH` product pages: their descriptions are made together
        prepare(v.product.description for v in batch)
    chart = price_chart(view.product.price_history, today=today, chart_id=f"chart-{view.id}")
    return {"product": view, "siblings": siblings, "chart": chart, "jsonld": seo.product_ld(view, siteurl)}


def asset_version(theme: str) -> str:
    """A short hash of the theme's static files, appended to their URLs to bust caches."""
    digest = hashlib.sha256()
    for path in sorted((Path(theme) / "static").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


CARD_LEVEL = Markup("<level>")
"""Stands in a card's heading level while it renders: unescaped, so no escaped text can hold it."""


class CardCache:
    """A product card renders the same on every page but for its heading level: render it once, with
    `CARD_LEVEL` for the level, and fill the level in where it is shown.

    Saves 4,856 of 6,856 card renders in a 1,000-product realistic build (cards appear on the home,
    category, factory, belt and channel pages), and half of the rest (listing pages show cards
    under h2, the others under h3)."""

    def __init__(self) -> None:
        self.macro: Callable[..., str] = lambda view, heading: ""
        self._cards: dict[str, bytes] = {}
        """UTF-8: a card's text holds Chinese, so Python would keep every character of it in two bytes."""

    def __call__(self, view: ProductView, heading: str = "h3") -> Markup:
        """The card's HTML."""
        if (html := self._cards.get(view.id)) is None:
            html = self._cards[view.id] = str(self.macro(view, CARD_LEVEL)).encode()
        return Markup(html.decode().replace(CARD_LEVEL, heading))

    def clear(self) -> None:
        """Forget every card: 84 MiB at 100,000 products, which the build otherwise held through the
        product pages (each shows the cards of a few of its factory's best products) and while it
        waited for the last search shard."""
        self._cards.clear()


class FragmentCache:
    """`{% call fragment(key) %}…{% endcall %}`: a part of a page rendered once per build, then reused.

    Saves 3,388 of 3,552 renders of headers, footers and factory cards in a 1,000-product realistic
    build (1,272 pages)."""

    def __init__(self) -> None:
        self._parts: dict[str, Markup] = {}

    def __call__(self, key: str, caller: Callable[[], str]) -> Markup:
        """The part's HTML, rendering it the first time its key is seen."""
        if (html := self._parts.get(key)) is None:
            html = self._parts[key] = Markup(caller())
        return html


class StoreGenerator(Generator):
    """Feeds the catalog to the theme: pages, Atom feeds, sitemap, robots.txt and products.json."""

    def generate_context(self) -> None:
        """Take (or load) the validated catalog and arrange it for the templates."""
        self.state: BuildState = self.settings.get("PLUS_BUILD") or BuildState()
        if self.state.store is None:
            catalog: Catalog | None = self.settings.get("PLUS_CATALOG")
            if catalog is None:  # run by plain `pelican`: validate here, with the date the settings give
                today = self.settings.get("PLUS_TODAY")
                catalog = require_catalog(self.path, today=dt.date.fromisoformat(today) if today else None)
            self.state.store = Store(catalog)
        self.store = self.state.store
        self.progress: Progress = self.settings.get("PLUS_PROGRESS") or NoProgress()
        self.env.filters.update(FILTERS)
        self.env.globals["urls"] = urls  # templates build links only through catalog.urls
        self.context["store"] = self.store
        self.context["HELP_TOPICS"] = TOPICS
        self.context["ASSET_VERSION"] = asset_version(self.theme)
        self.context["SEARCH_SHARDS"] = shard_count(len(self.store.products), shard_size(self.settings))
        # The macros are made once with the build's context and handed to every page (an import
        # `with context` would build the module again for each page).
        self.context["card_html"] = self.cards = CardCache()
        macros = self.env.get_template("_macros.html").make_module(vars=dict(self.context))
        self.cards.macro = macros.card
        self.context.update({name: getattr(macros, name) for name in MACROS})
        self.context["fragment"] = FragmentCache()
        self.pages = self.state.pages = plan_pages(self.store, self.settings["SITEURL"], self.settings.get("PLUS_PAGE_SIZE", 48))
        if self.state.guard is None:  # (run by plain `pelican`)
            self.state.guard = NdaGuard.of(self.store.catalog)
        self.guard = self.state.guard

    def generate_output(self, writer) -> None:
        """Write every page (checked for NDA names on the way), then feeds and data files."""
        siteurl = self.settings["SITEURL"]
        output = Path(self.output_path)
        self.progress.stage("渲染页面", len(self.pages))
        search = self.state.search
        trim = memory_trim()
        products_from = next((n for n, page in enumerate(self.pages, 1) if page.template == "product"), 0)
        for number, page in enumerate(self.pages, 1):
            if number == products_from:  # (the listings are written: a product page shows 4 cards of its factory's)
                self.cards.clear()
            self._write_page(page)
            self.progress.advance(1)
            if search is not None:
                search.pump()
            if number % TRIM_EVERY == 0:
                trim(0)
        self.state.rendered += len(self.pages)
        self.cards.clear()
        feeds.write_feeds(self.store, output, siteurl=siteurl, sitename=self.settings["SITENAME"], timezone=self.settings["TIMEZONE"])
        feeds.write_sitemap([(p.url, p.lastmod) for p in self.pages if p.in_sitemap], output, siteurl=siteurl)
        feeds.write_robots(output, siteurl=siteurl)
        if (factory := feeds.write_products_json(self.store, output, siteurl=siteurl, guard=self.guard)) is not None:
            self.state.leaks.append(["products.json", factory])
        if self.guard is not None:
            self.state.checked.append("products.json")
        copy_evidence(self.store.catalog, output)
        trim(0)  # (the cards, and the feeds' text)
        log.info(say("storefront: %d 个页面，%d 件商品", "storefront: %d pages for %d products"), len(self.pages), len(self.store.products))

    def _write_page(self, page: Page) -> None:
        """Render a page and write it straight to its file (Pelican's writer copied the context,
        made every parent folder and logged each file); note it if it names an NDA brand."""
        siteurl = self.settings["SITEURL"]
        absolute = siteurl.startswith(("http://", "https://")) and page.in_sitemap
        values = page.build() if page.build is not None else page.values
        page.build, page.values = None, {}  # (only what the sitemap and the NDA check read stays: 4 MiB less at 10,000)
        local = {**self.context, "page": page, "canonical": feeds.absolute(siteurl, page.url) if absolute else None, **values}
        try:
            html = self.get_template(page.template).render(local)
        except TemplateError as exc:
            raise RenderError(f"{page.save_as}: {type(exc).__name__}: {exc}") from exc
        data = html.encode("utf-8")
        if (factory := self.guard.factory_named_in(data)) is not None:
            self.state.leaks.append([page.save_as, factory])
        path = os.path.join(self.output_path, page.save_as)
        try:
            os.mkdir(os.path.dirname(path))  # a page's own folder: its parent is (nearly) always there
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)
