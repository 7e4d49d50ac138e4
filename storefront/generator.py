"""The Pelican generator that renders the validated catalog into pages, feeds and data files."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from jinja2 import TemplateError
from markupsafe import Markup
from pelican.generators import Generator

from catalog import Catalog, require_catalog, urls
from catalog.urls import help_url

from . import feeds, seo
from .chart import price_chart
from .help import TOPICS
from .incremental import Fingerprints, Previous, link
from .parallel import WorkerFailed, render_forked, workers_for
from .text import FILTERS
from .views import Group, ProductView, Store

log = logging.getLogger(__name__)

SIBLINGS = 4
"""Cards of the same factory shown under a product."""


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
    """One HTML file to write; `key` (when set) names its inputs, `build` makes its costly values."""

    save_as: str
    template: str
    url: str
    lastmod: dt.date | None = None
    in_sitemap: bool = True
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    build: Callable[[], dict[str, Any]] | None = None


@dataclass
class BuildState:
    """What `plus build` hands the generator and gets back: the store, the old output, the keys."""

    store: Store | None = None
    previous: Previous | None = None
    keys: dict[str, str] = field(default_factory=dict)
    reused: int = 0
    rendered: int = 0


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


def listing_pages(template: str, group: Group, today: dt.date, page_size: int, fingerprints: Fingerprints | None = None) -> list[Page]:
    """A group's products split into pages of `page_size`: `c/x/`, `c/x/page/2/`, …"""
    chunks = [group.products[i : i + page_size] for i in range(0, len(group.products), page_size)] or [[]]
    urls = tuple(group.url if n == 1 else f"{group.url}page/{n}/" for n in range(1, len(chunks) + 1))
    pages = []
    for n, (url, chunk) in enumerate(zip(urls, chunks, strict=True), start=1):
        pager = Pager(n, urls)
        key = fingerprints.listing_page(template, group, chunk, pager) if fingerprints else None
        pages.append(Page(f"{url}index.html", template, url, today, values={"group": group, "items": chunk, "pager": pager}, key=key))
    return pages


def plan_pages(store: Store, siteurl: str, page_size: int = 48, fingerprints: Fingerprints | None = None) -> list[Page]:
    """Every HTML page of the site, in the order they are written."""
    today = store.today
    pages = [Page("index.html", "home", "", today)]
    for template, groups in (("channel", store.channels), ("category", store.categories), ("belt", store.belts)):
        for group in groups:
            pages += listing_pages(template, group, today, page_size, fingerprints)
    pages.append(Page("factories/index.html", "factories", "factories/", today))
    for f in store.factories.values():
        key = fingerprints.factory_page(f) if fingerprints else None
        page = Page(f"{f.url}index.html", "factory", f.url, f.factory.verification.audited_on, key=key)
        page.build = lambda f=f: {"factory": f, "jsonld": seo.factory_ld(f, siteurl)}
        pages.append(page)
    for view in store.by_saving:
        siblings = view.siblings(SIBLINGS)
        key = fingerprints.product_page(view, siblings) if fingerprints else None
        page = Page(f"{view.url}index.html", "product", view.url, view.updated_on, key=key)
        page.build = lambda view=view, siblings=siblings: _product_values(view, siblings, today, siteurl)
        pages.append(page)
    pages += [
        Page("membership/index.html", "membership", "membership/", today),
        Page(f"{help_url()}index.html", "help", help_url(), today),
        *(Page(f"{help_url(topic)}index.html", f"help_{topic}", help_url(topic), today) for topic, _ in TOPICS),
        Page("sourcing/index.html", "sourcing", "sourcing/", today),
        Page("search/index.html", "search", "search/", in_sitemap=False),
        Page("cart/index.html", "cart", "cart/", in_sitemap=False),
        Page("404.html", "404", "404.html", in_sitemap=False),
    ]
    return pages


def _product_values(view: ProductView, siblings: list[ProductView], today: dt.date, siteurl: str) -> dict[str, Any]:
    chart = price_chart(view.product.price_history, today=today, chart_id=f"chart-{view.id}")
    return {"product": view, "siblings": siblings, "chart": chart, "jsonld": seo.product_ld(view, siteurl)}


def asset_version(theme: str) -> str:
    """A short hash of the theme's static files, appended to their URLs to bust caches."""
    digest = hashlib.sha256()
    for path in sorted((Path(theme) / "static").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class CardCache:
    """A product card renders the same on every page: render it once per heading level, reuse it."""

    def __init__(self, card_macro: Callable[..., str]):
        self._macro = card_macro
        self._cards: dict[tuple[str, str], Markup] = {}

    def __call__(self, view: ProductView, heading: str = "h3") -> Markup:
        """The card's HTML."""
        key = (view.id, heading)
        if (html := self._cards.get(key)) is None:
            html = self._cards[key] = Markup(self._macro(view, heading))
        return html


class FragmentCache:
    """`{% call fragment(key) %}…{% endcall %}`: a part of a page rendered once per build, then reused."""

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
        macros = self.env.get_template("_macros.html").make_module(vars=dict(self.context))
        self.context["card_html"] = cards = CardCache(macros.card)
        self.context["fragment"] = FragmentCache()
        fingerprints = Fingerprints(self.store, self.settings, self.theme, card=lambda view: cards(view, "h2"))
        self.pages = plan_pages(self.store, self.settings["SITEURL"], self.settings.get("PLUS_PAGE_SIZE", 48), fingerprints)

    def generate_output(self, writer) -> None:
        """Write every page (linking unchanged ones from the previous output), then feeds and data files."""
        siteurl = self.settings["SITEURL"]
        output = Path(self.output_path)
        self.progress.stage("渲染页面", len(self.pages))
        previous = self.state.previous
        todo = []
        for page in self.pages:
            if page.key is not None:
                self.state.keys[page.save_as] = page.key
                if previous is not None and (old := previous.reusable(page.save_as, page.key)):
                    link(old, output / page.save_as)
                    self.state.reused += 1
                    self.progress.advance()
                    continue
            todo.append(page)
        workers = workers_for(len(todo), self.settings.get("PLUS_RENDER_WORKERS"))
        render = partial(self._write_page, writer)
        if workers > 1:
            try:
                render_forked(todo, render, workers, done=self.progress.advance)
            except WorkerFailed as exc:
                raise RenderError(str(exc)) from exc
        else:
            for page in todo:
                render(page)
                self.progress.advance()
        self.state.rendered += len(todo)
        feeds.write_feeds(self.store, output, siteurl=siteurl, sitename=self.settings["SITENAME"], timezone=self.settings["TIMEZONE"])
        feeds.write_sitemap([(p.url, p.lastmod) for p in self.pages if p.in_sitemap], output, siteurl=siteurl)
        feeds.write_robots(output, siteurl=siteurl)
        feeds.write_products_json(self.store, output, siteurl=siteurl)
        log.info(
            "storefront: %d pages for %d products (%d rendered by %d processes, %d unchanged)",
            len(self.pages),
            len(self.store.products),
            self.state.rendered,
            workers,
            self.state.reused,
        )

    def _write_page(self, writer, page: Page) -> None:
        siteurl = self.settings["SITEURL"]
        absolute = siteurl.startswith(("http://", "https://")) and page.in_sitemap
        try:
            writer.write_file(
                page.save_as,
                self.get_template(page.template),
                self.context,
                relative_urls=False,
                page=page,
                canonical=feeds.absolute(siteurl, page.url) if absolute else None,
                **(page.build() if page.build is not None else page.values),
            )
        except TemplateError as exc:
            raise RenderError(f"{page.save_as}: {type(exc).__name__}: {exc}") from exc
