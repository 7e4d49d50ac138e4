"""The static search index: Pagefind's extended (Chinese-aware) index of every product.

While `plus build` renders the pages, forked children make one record per product from the catalog
(what a shopper searches for, plus the meta, filters and sort keys the search page uses), a shard at
a time, and `pagefind --service` indexes them on the other core (`SearchIndex`). Each
record is a small HTML document (not the product page): weighted fields of search terms (see
`search_text`), and the meta, filters and sort keys. If the service fails, the CLI indexes the same
documents instead.

Pagefind holds every record of an index in memory until it writes it, ~160 KB a product at its
peak (12 GiB at 100,000): so a large catalog is indexed in shards of `SHARD_SIZE` products, one
Pagefind after the other, `pagefind/` and `pagefind/shard-2/`…, which the search page searches
together (theme/static/js/search-query.js merges their answers).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from catalog.messages import say
from catalog.search_terms import normalize_term as normalize

from .nda import NdaGuard
from .pagefind_service import PagefindService, ServiceError
from .parallel import Background, WorkerFailed
from .search_text import Said, field_text, pinyin_terms, word_pinyin
from .text import money, unit_text, yuan
from .views import ProductView, Store

log = logging.getLogger(__name__)

PAGEFIND_TIMEOUT = 900  # seconds; 10,000 products take about 4 s, so this only catches a hang
WRITE_GRACE = 60  # seconds Pagefind's last file writes may take after it answered
BUNDLE = "pagefind"
SHARD_SIZE = 5000
"""Products per index: Pagefind's peak is ~0.8 GiB for 5,000; a shopper's search asks every shard."""


class SearchIndexError(Exception):
    """Pagefind failed: the site must not be published without its search."""


PRICE_BANDS = (30, 50, 100, 200)
"""Edges (yuan) of the price ranges the search page filters by."""
WEIGHTS = {"title": 10, "names": 6, "maker": 3, "pinyin": 2, "text": 1}
"""How much a match in each field counts: title > tags/category/synonyms > factory/belt/region/brand > spec."""
MEMBERS_ONLY, FOR_EVERYONE = "会员专享", "所有人可买"
FILTER_LABELS = {
    "category": "分类",
    "sourcing": "背书",
    "price": "价格",
    "members": "会员",
    "belt": "产业带",
    "factory": "工厂",
    "brand": "对标与代工品牌",
}
"""The search page's filters (the `data-pagefind-filter` names of `search_document`), in the panel's order."""


def price_band(price: Decimal) -> str:
    """The price range a price falls in, as the filter shows it: `30元以下`, `30–50元`, `200元以上`."""
    low = 0
    for high in PRICE_BANDS:
        if price < high:
            return f"{high}元以下" if low == 0 else f"{low}–{high}元"
        low = high
    return f"{low}元以上"


def product_filters(view: ProductView) -> list[tuple[str, str]]:
    """The product's value of each filter of the search page, (filter, value): one brand or none
    per brand it is compared with or made for, no belt when its factory is in none."""
    p, f = view.product, view.factory
    return [
        ("category", view.category.zh),
        ("sourcing", p.sourcing.label),
        ("factory", f.factory.name),
        *(("brand", brand) for brand in view.brand_names),
        *([("belt", f.belt.name)] if f.belt is not None else []),
        ("members", MEMBERS_ONLY if p.members_only else FOR_EVERYONE),
        ("price", price_band(p.price)),
    ]


def filter_panel(views: list[ProductView]) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """The search page's filter panel as the page renders it, before any search: each filter that
    has a value (in FILTER_LABELS' order) as (filter, label, [(value, count)]), each value with the
    whole catalog's count, which is what Pagefind's `filters()` counts over the index of the same
    products. Price ranges from the lowest; other values by `panel_order` (the page's script only
    counts the panel: this is the one place its order is decided)."""
    counts: dict[str, dict[str, int]] = {key: {} for key in FILTER_LABELS}
    for view in views:
        for key, value in product_filters(view):
            counts[key][value] = counts[key].get(value, 0) + 1
    bands = price_bands()

    def ordered(key: str) -> list[tuple[str, int]]:
        if key == "price":
            return sorted(counts[key].items(), key=lambda item: bands.index(item[0]))
        return sorted(counts[key].items(), key=lambda item: panel_order(item[0]))

    return [(key, label, ordered(key)) for key, label in FILTER_LABELS.items() if counts[key]]


DIGITS = re.compile(r"(\d+)")


def panel_order(value: str) -> tuple[list[bytes | int], bytes]:
    """A filter value's place in the panel: by UTF-16 code units (JavaScript's default sort, the
    order the page gave when its script drew the panel), but a run of digits by its number, so
    申江服饰（2厂） comes before 申江服饰（10厂）; values the same but for leading zeros by their text."""
    parts = DIGITS.split(value)  # text, number, text, …: two values' parts compare text with text
    return [int(part) if i % 2 else part.encode("utf-16-be") for i, part in enumerate(parts)], value.encode("utf-16-be")


def price_bands() -> list[str]:
    """Every price range `price_band` gives, the lowest first."""
    return [price_band(Decimal(high) - 1) for high in PRICE_BANDS] + [price_band(Decimal(PRICE_BANDS[-1]))]


def synonyms_for(text: str, groups: list[tuple[str, ...]]) -> list[str]:
    """Every word of each synonym group that `text` (already normalized) names with any of its words."""
    return [word for group in groups if any(word in text for word in group) for word in group]


def search_fields(view: ProductView, groups: list[tuple[str, ...]]) -> dict[str, str]:
    """The product's searchable text by field, as search terms (see `search_text`)."""
    p, f = view.product, view.factory
    belt = f.belt
    names = [*p.tags, view.category.zh]
    maker = [
        f.factory.name,
        f.factory.region,
        belt.name if belt else "",
        belt.region if belt else "",
        *view.brand_names,
        p.sourcing.label,
        *(badge.label for badge in view.facts.badges),
        *(s.comparison.name for s in view.facts.savings),
    ]
    named = normalize(" ".join([p.title, *names, *maker]))
    synonyms = synonyms_for(named, groups)
    said = Said(p.title)
    return {
        "title": field_text([p.title]),
        "names": field_text(said.new([*names, *synonyms])),
        "maker": field_text(said.new(dict.fromkeys(maker))),
        # the title's and category's pinyin from each character (吸尘器: xichenqi, chenqi…), the tags' and
        # synonyms' as whole words (wazi finds the socks tagged 袜子)
        "pinyin": " ".join(dict.fromkeys([*pinyin_terms(f"{p.title} {view.category.zh}"), *word_pinyin([*p.tags, *synonyms])])),
        # The description is left out: a passing mention (the tote's 手机袋) must not make a product
        # an answer to 手机. What a product is, is in its title, tags and category.
        "text": field_text([unit_text(p.unit), p.spec or ""]),
    }


def search_document(view: ProductView, groups: list[tuple[str, ...]], *, siteurl: str, language: str) -> str:
    """One product as the HTML page Pagefind indexes: weighted fields of search terms in the body,
    and the result meta, filters and sort keys outside it (so their text is not searched)."""
    p, f = view.product, view.factory
    best = view.facts.best
    fields = "".join(
        f'<p data-pagefind-weight="{WEIGHTS[name]}">{terms}</p>' for name, terms in search_fields(view, groups).items() if terms
    )
    meta = {
        "title": p.title,
        "price": yuan(p.price),
        "corner": view.corner,
        "factory": f.factory.name,
        "image": f"{siteurl}/{view.image_url}",
        "image_alt": view.image.alt,
    }
    sorts = {"saving": money(best.saving), "price": money(p.price), "discount": str(best.zhe)}
    tail = "".join(
        [
            *(f'<span data-pagefind-meta="{key}">{escape(value)}</span>' for key, value in meta.items()),
            # the sort keys again as meta: the search page merges shards' sorted answers by them
            *(f'<span data-pagefind-meta="sort_{key}">{value}</span>' for key, value in sorts.items()),
            *(f'<span data-pagefind-filter="{key}">{escape(value)}</span>' for key, value in product_filters(view)),
            *(f'<span data-pagefind-sort="{key}">{value}</span>' for key, value in sorts.items()),
        ]
    )
    return f'<!DOCTYPE html><html lang="{language}"><head><title>{escape(p.title)}</title></head><body><main data-pagefind-body>{fields}</main>{tail}</body></html>'


def product_records(store: Store, *, siteurl: str, language: str, views: list[ProductView] | None = None) -> Iterator[tuple[str, str]]:
    """Each product's id and document (all of them in page order, or `views`), the document as the
    JSON of the service's `AddFile` payload (without its index id)."""
    groups = store.catalog.search_terms.groups()
    for view in store.by_saving if views is None else views:
        document = search_document(view, groups, siteurl=siteurl, language=language)
        yield view.id, json.dumps({"type": "AddFile", "url": f"/{view.url}", "file_contents": document}, ensure_ascii=False)


def shard_size(settings: dict[str, Any]) -> int:
    """The build's `PLUS_SEARCH_SHARD` (products a search index holds; None: `SHARD_SIZE`), or
    `SearchIndexError` when it is no whole number of at least 1."""
    size = settings.get("PLUS_SEARCH_SHARD")
    if size is None:
        return SHARD_SIZE
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise SearchIndexError(
            say(
                f"PLUS_SEARCH_SHARD 必须是不小于 1 的整数（每个搜索分片的商品数），现在是 {size!r}；不设置则为 {SHARD_SIZE}",
                f"PLUS_SEARCH_SHARD must be a whole number of at least 1 (products a search index holds), not {size!r}",
            )
        )
    return size


def shard_count(products: int, size: int) -> int:
    """How many indexes `products` products make, `size` a shard."""
    return max(1, -(-products // size))


def shard_bundles(site: Path, products: int, size: int) -> list[Path]:
    """The index folder of each shard: `pagefind/`, `pagefind/shard-2/`, … (the search page's order)."""
    return [site / BUNDLE if n == 1 else site / BUNDLE / f"shard-{n}" for n in range(1, shard_count(products, size) + 1)]


class SearchIndex:
    """The search index, made shard by shard while the pages render. `pump`, called between pages,
    hands Pagefind (`pagefind --service`, on the other core) the next shard's records once it has
    written the shard before, and has a forked child make the shard after meanwhile: its records,
    each checked for NDA names. `finish` waits for the last shard and checks every index.

    The records are made by a child that lives for one shard's records (~0.1 ms a product), not one
    living through the whole render: a forked child holds a copy of every page of the catalog this
    process writes to while it runs (CPython writes reference counts as it reads), and one child
    indexing every shard ended up holding a copy of the whole catalog (1.3 GiB at 100,000 products).
    Each child loads pypinyin's dictionary itself (0.5 s of CPU, while Pagefind indexes the shard
    before): loaded here for them to share, it held 98 MiB through the build's peak."""

    def __init__(self, site: Path, store: Store, guard: NdaGuard, *, siteurl: str, language: str, size: int = SHARD_SIZE):
        self.store, self.guard = store, guard
        self.siteurl, self.language, self.size = siteurl, language, size
        self.bundles = shard_bundles(site, len(store.by_saving), size)
        self.maker: Background | None = None
        self.made: dict[str, bytes] | None = None
        """The next shard's records, once made."""
        self.shard: Shard | None = None
        self.started = self.indexed = 0
        self.leaks: list[list[str]] = []
        """[product, factory] of each record that names a brand under NDA (its shard and those after it
        are not indexed: the build fails)."""
        self.fallbacks: list[str] = []
        """Why a shard was indexed by the CLI instead of the service."""

    @property
    def done(self) -> bool:
        """Every shard is indexed, or a record named a brand under NDA."""
        return self.indexed == len(self.bundles) or bool(self.leaks)

    def pump(self, *, wait: bool = False) -> None:
        """Between pages: start the child for the next shard's records, take them when made, hand them
        to Pagefind once it has written the shard before; each only when it need not wait for it
        (`wait`: waiting, as `finish` does)."""
        if self.maker is None and self.made is None and self.started < len(self.bundles) and not self.leaks:
            number, self.started = self.started, self.started + 1
            self.maker = Background(f"search records {number + 1}", lambda: self._records(number)).start()
        if self.maker is not None and (wait or self.maker.ready()):
            self._take_records()
        if self.shard is not None and self.shard.sent(wait) and (wait or self.shard.written()):
            self._check()  # (waits for the index to be written)
        if self.shard is None and self.made is not None and not self.leaks:
            self.shard, self.made = Shard(self.bundles[self.indexed], self.made), None

    def finish(self) -> None:
        """Wait until every shard is indexed and checked."""
        while not self.done:
            self.pump(wait=True)

    def cancel(self) -> None:
        """Stop the child and Pagefind (the build failed or was stopped)."""
        if self.maker is not None:
            self.maker.cancel()
        if self.shard is not None:
            self.shard.close()

    def _records(self, number: int) -> dict[str, Any]:
        """Shard `number`'s records as UTF-8 (in the child), or none and those that name a brand under NDA."""
        views = self.store.by_saving[number * self.size : (number + 1) * self.size]
        records, leaks = {}, []
        for pid, record in product_records(self.store, siteurl=self.siteurl, language=self.language, views=views):
            records[pid] = data = record.encode("utf-8")  # (as text, Python keeps a record with Chinese in two bytes a character)
            if factory := self.guard.factory_named_in(data):
                leaks.append([pid, factory])
        return {"records": {} if leaks else records, "leaks": leaks}

    def _take_records(self) -> None:
        maker, self.maker = self.maker, None
        assert maker is not None
        try:
            made = maker.result()
        except WorkerFailed as exc:
            raise SearchIndexError(str(exc)) from exc
        self.leaks += made["leaks"]
        self.made = made["records"]

    def _check(self) -> None:
        shard, self.shard = self.shard, None
        assert shard is not None
        self.indexed += 1
        try:
            shard.finish()
        except ServiceError as exc:
            self.fallbacks.append(str(exc))
            shutil.rmtree(shard.bundle, ignore_errors=True)
            index_documents(self._records(self.indexed - 1)["records"], shard.bundle)  # (made again: rare)


class Shard:
    """One index: its records, handed to a `pagefind --service` of its own as fast as it reads them,
    then the request to write the index files. The records are not kept: should the service fail,
    they are made again for the CLI (one shard's took ~40 MiB of the build's peak)."""

    def __init__(self, bundle: Path, records: dict[str, bytes], *, timeout: float = PAGEFIND_TIMEOUT):
        self.bundle = bundle
        self.pages = len(records)
        self.timeout = timeout
        self._service: PagefindService | None = None
        self._written: int | None = None
        self._error: ServiceError | None = None
        try:
            self._service = PagefindService()
            index = int(self._service.request({"type": "NewIndex", "config": None}, timeout)["index_id"])
            for record in records.values():
                self._service.send(b'{"index_id":%d,' % index + record[1:])
            output = str(bundle.resolve())
            self._written = self._service.send({"type": "WriteFiles", "index_id": index, "output_path": output})
            self._service.push()
        except ServiceError as exc:
            self._error = exc

    def sent(self, wait: bool) -> bool:
        """Pagefind has read every record (`wait`: wait until it has), or has failed."""
        try:
            if self._error is None and self._service is not None:
                if not wait:
                    return self._service.push()
                self._service.flush(self.timeout)
        except ServiceError as exc:
            self._error = exc
        return True

    def written(self) -> bool:
        """Pagefind has answered the request for the index files, or has failed (without waiting)."""
        return self._error is not None or self._service is None or self._service.answered(self._written or 0)

    def finish(self) -> None:
        """Wait for the index to be written and check it; raises `ServiceError` on any failure."""
        try:
            if self._error is not None:
                raise self._error
            assert self._service is not None and self._written is not None  # started, and every record sent
            self._service.wait(self._written, self.timeout)
            # Pagefind answers before its last writes land, and exits the moment its input closes:
            # closing early is what leaves truncated files. Wait until every file is there.
            wait_until_written(self.bundle, self.pages, WRITE_GRACE)
        finally:
            self.close()
        check_index(self.bundle, self.pages)

    def close(self) -> None:
        """Stop the process (also when the build failed elsewhere)."""
        if self._service is not None:
            self._service.close()
            self._service = None


def wait_until_written(bundle: Path, pages: int, grace: float) -> None:
    """Wait (up to `grace` seconds) until the index looks complete: no empty file, every page counted."""
    deadline = time.monotonic() + grace
    while True:
        try:
            _check_files(bundle, pages, full=False)
            return
        except ServiceError:
            if time.monotonic() > deadline:
                return  # check_index says what is wrong
            time.sleep(0.02)


def check_index(bundle: Path, pages: int) -> None:
    """Refuse an index folder that does not hold `pages` pages, or any empty or truncated file."""
    _check_files(bundle, pages, full=True)


def _check_files(bundle: Path, pages: int, *, full: bool) -> None:
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        counted = sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"no readable pagefind-entry.json: {exc}") from exc
    fragments = 0
    for folder, subfolders, names in os.walk(bundle):
        subfolders[:] = [name for name in subfolders if not name.startswith("shard-")]  # other indexes
        for name in names:
            path = os.path.join(folder, name)
            fragments += name.endswith(".pf_fragment")
            if os.stat(path).st_size == 0:
                raise ServiceError(f"{name} is empty")
            if full and ".pf_" in name:
                with open(path, "rb") as handle:
                    try:
                        zlib.decompress(handle.read(), 31)  # gzip, checked to its CRC
                    except zlib.error as exc:
                        raise ServiceError(f"{name} is truncated: {exc}") from exc
    if counted != pages or fragments != pages or not (bundle / "pagefind.js").is_file():
        raise ServiceError(f"index holds {counted} pages and {fragments} fragments, expected {pages}")


def index_documents(records: dict[str, str] | dict[str, bytes], bundle: Path) -> None:
    """Write each record's document where its URL says, in a scratch folder, and run the Pagefind CLI
    over them, writing the index to `bundle`."""
    with tempfile.TemporaryDirectory(prefix="plus-search-") as scratch:
        for record in records.values():
            payload = json.loads(record)
            page = Path(scratch, payload["url"].strip("/"), "index.html")
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(payload["file_contents"], encoding="utf-8")
        index_site(Path(scratch), bundle)


def index_site(site: Path, bundle: Path | None = None) -> None:
    """Run the Pagefind CLI over the HTML in `site`, writing `bundle` (default `site/pagefind/`)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    if bundle is not None:
        command += ["--output-path", str(bundle)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise SearchIndexError(
            say(f"Pagefind 在 {PAGEFIND_TIMEOUT} 秒内没有建好搜索索引", f"pagefind did not finish in {PAGEFIND_TIMEOUT} s")
        ) from exc
    if result.returncode != 0 or not ((bundle or site / BUNDLE) / "pagefind-entry.json").is_file():
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise SearchIndexError(
            say(
                f"Pagefind 没能建立搜索索引（退出码 {result.returncode}）：{detail}",
                f"pagefind failed (exit {result.returncode}): {detail}",
            )
        )
    if result.stderr.strip():
        log.warning(say("storefront: Pagefind 提示：%s", "storefront: pagefind: %s"), result.stderr.strip()[-2000:])
