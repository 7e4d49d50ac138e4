"""The static search index: Pagefind's extended (Chinese-aware) index of every product.

While `plus build` renders the pages, forked children write one record per product from the catalog
(what a shopper searches for, plus the meta, filters and sort keys the search page uses), a shard at
a time, and the Pagefind CLI indexes them on the other core (`SearchIndex`). Each record is a small
HTML document (not the product page): weighted fields of search terms (see `search_text`), and the
meta, filters and sort keys.

Pagefind holds every record of an index in memory until it writes it, ~160 KB a product at its
peak (12 GiB at 100,000): so a large catalog is indexed in shards of `SHARD_SIZE` products, one
Pagefind after the other, `pagefind/` and `pagefind/shard-2/`…, which the search page searches
together (theme/static/js/search-query.js merges their answers).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterator
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from catalog.messages import say
from catalog.search_terms import normalize_term as normalize

from .nda import NdaGuard
from .parallel import Background, WorkerFailed
from .search_text import Said, field_text, pinyin_terms, word_pinyin
from .text import money, unit_text, yuan
from .views import ProductView, Store

NICE = 10
"""Pagefind's niceness: the pages' render, one process, keeps a core while Pagefind's threads take
what it leaves. At the same priority they took ~18% of the render's core at 100,000 products, whose
pages then ended last, on one core, after Pagefind (two pairs: 148 and 153 s; niced, 146 and 143 s).
At 10,000 products, where Pagefind ends last anyway, builds take ~0.5 s longer (13.6 s; 14.1 s)."""
PAGEFIND_TIMEOUT = 900  # seconds; 10,000 products take about 4 s, so this only catches a hang
BUNDLE = "pagefind"
SHARD_SIZE = 5000
"""Products per index: Pagefind's peak is ~0.8 GiB for 5,000; a shopper's search asks every shard."""
SCRATCH, SCRATCH_ROOM = Path("/dev/shm"), 1 << 30
"""Where the records are written for Pagefind, when there is such a memory-backed folder with
SCRATCH_ROOM bytes free (Docker gives it 64 MB): 5,000 records took 0.2 s of CPU to write there and
4.4 s to an ext4 /tmp. One shard's records are ~25 MB; two shards' at most are there at once."""


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


def search_document(view: ProductView, groups: list[tuple[str, ...]], *, rank: int, siteurl: str, language: str) -> str:
    """One product as the HTML page Pagefind indexes: weighted fields of search terms in the body,
    and the result meta, filters and sort keys outside it (so their text is not searched). `rank`:
    its place in the catalog's order (`Store.by_saving`), the order of a search with no query."""
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
    sorts = {"saving": money(best.saving), "price": money(p.price), "discount": str(best.zhe), "rank": str(rank)}
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


def product_documents(
    store: Store, views: list[ProductView], *, first: int = 0, siteurl: str, language: str
) -> Iterator[tuple[ProductView, str]]:
    """Each product of `views` (`store.by_saving` from its `first`) with the document Pagefind indexes for it."""
    groups = store.catalog.search_terms.groups()
    for rank, view in enumerate(views, first):
        yield view, search_document(view, groups, rank=rank, siteurl=siteurl, language=language)


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


def scratch_folder() -> str | None:
    """SCRATCH when it can take the records, else None (the system's temporary folder)."""
    try:
        room = os.statvfs(SCRATCH)
    except OSError:
        return None
    return str(SCRATCH) if os.access(SCRATCH, os.W_OK) and room.f_bavail * room.f_frsize >= SCRATCH_ROOM else None


def new_scratch() -> Path:
    """A folder for this build's records, `plus-search-<pid>-…`, made after removing those of builds
    no longer running (killed: nothing else would free their memory)."""
    for place in {SCRATCH, Path(tempfile.gettempdir())}:  # (a killed build may have used either)
        for old in place.glob("plus-search-*-*"):
            try:
                os.kill(int(old.name.split("-")[2]), 0)
            except ProcessLookupError:
                shutil.rmtree(old, ignore_errors=True)
            except (ValueError, OSError):
                pass  # (not ours, or a process of another user: running)
    return Path(tempfile.mkdtemp(prefix=f"plus-search-{os.getpid()}-", dir=scratch_folder()))


class SearchIndex:
    """The search index, made shard by shard while the pages render. `pump`, called between pages,
    has a forked child write the next shard's records as HTML files in a scratch folder (each
    checked for NDA names), and runs the Pagefind CLI over a shard's files once Pagefind has indexed
    the shard before, whose index it then checks. `finish` waits for the last shard.

    The Pagefind CLI over files, not `pagefind --service` fed the same documents: on 5,000 realistic
    records, with one core kept busy as the pages keep it, the service took 9.0-9.2 s of CPU and the
    CLI 7.2-8.2 s (four pairs; idle, 6.0-8.6 s and 4.4-6.2 s), and the records no longer travel to
    this process and on down a pipe (its JSON and base64 ~0.3 s a shard). The CLI reads the files in
    no set order, so an index's own order (a search with no query) says nothing: each record carries
    its place in the catalog's order as the `rank` sort key, which the search page asks for then.

    The records are written by a child that lives for one shard (~0.1 ms a product), not one living
    through the whole render: a forked child holds a copy of every page of the catalog this process
    writes to while it runs (CPython writes reference counts as it reads), and one child indexing
    every shard ended up holding a copy of the whole catalog (1.3 GiB at 100,000 products). Each
    child loads pypinyin's dictionary itself (0.5 s of CPU, while Pagefind indexes the shard before):
    loaded here for them to share, it held 98 MiB through the build's peak."""

    def __init__(self, site: Path, store: Store, guard: NdaGuard, *, siteurl: str, language: str, size: int = SHARD_SIZE):
        self.store, self.guard = store, guard
        self.siteurl, self.language, self.size = siteurl, language, size
        self.bundles = shard_bundles(site, len(store.by_saving), size)
        self.scratch = new_scratch()
        self.maker: Background | None = None
        self.written: int | None = None
        """The shard whose records are written, until Pagefind is given them."""
        self.pagefind: Pagefind | None = None
        self.started = self.indexed = 0
        self.leaks: list[list[str]] = []
        """[product, factory] of each record that names a brand under NDA (its shard and those after it
        are not indexed: the build fails)."""

    @property
    def done(self) -> bool:
        """Every shard is indexed, or a record named a brand under NDA."""
        return self.indexed == len(self.bundles) or bool(self.leaks)

    def pump(self, *, wait: bool = False) -> None:
        """Between pages: start the child for the next shard's records, take its answer when written,
        run Pagefind over them once it has indexed the shard before; each only when it need not wait
        for it (`wait`: waiting, as `finish` does)."""
        if self.maker is None and self.written is None and self.started < len(self.bundles) and not self.leaks:
            number, self.started = self.started, self.started + 1
            self.maker = Background(f"search records {number + 1}", lambda: self._write_records(number))
            self.maker.start()  # (known to `cancel` before it forks: a stop raised as it returns still stops the child)
        if self.maker is not None and (wait or self.maker.ready()):
            self._take_records()
        ended = None
        if self.pagefind is not None and (wait or self.pagefind.ended()):
            self.pagefind.finish()  # (known to `cancel` while it waits)
            ended, self.pagefind = self.pagefind, None
        if self.pagefind is None and self.written is not None and not self.leaks:
            self.pagefind, self.written = Pagefind(self._folder(self.written), self.bundles[self.written]), None
            self.pagefind.start()
        if ended is not None:  # (checked while Pagefind indexes the next shard: ~0.1 s a shard)
            self._check(ended)

    def finish(self) -> None:
        """Wait until every shard is indexed and checked."""
        try:
            while not self.done:
                self.pump(wait=True)
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the child and Pagefind (the build failed or was stopped) and remove the scratch folder."""
        if self.maker is not None:
            self.maker.cancel()
        if self.pagefind is not None:
            self.pagefind.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _shard(self, number: int) -> list[ProductView]:
        return self.store.by_saving[number * self.size : (number + 1) * self.size]

    def _folder(self, number: int) -> Path:
        """Where shard `number`'s records are written."""
        return self.scratch / str(number + 1)

    def _write_records(self, number: int) -> list[list[str]]:
        """Write shard `number`'s records below the scratch folder (in the child), each where its URL
        says; returns those that name a brand under NDA (then none is written)."""
        folder, leaks = self._folder(number), []
        views, first = self._shard(number), number * self.size
        for view, document in product_documents(self.store, views, first=first, siteurl=self.siteurl, language=self.language):
            data = document.encode("utf-8")
            if factory := self.guard.factory_named_in(data):
                leaks.append([view.id, factory])
            elif not leaks:
                page = folder / view.url / "index.html"
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_bytes(data)
        folder.mkdir(exist_ok=True)  # (a catalog without products still gets an index)
        return leaks

    def _take_records(self) -> None:
        assert self.maker is not None
        try:
            self.leaks += self.maker.result()  # (the child stays known to `cancel` while this waits)
        except WorkerFailed as exc:
            raise SearchIndexError(
                say(
                    f"生成搜索记录时出错（{exc}）。若是空间不足（No space left）、内存不足（MemoryError）或被系统终止（killed by SIGKILL，多半也是内存不足），"
                    f"腾出 {self.scratch.parent} 或内存的空间后重新运行 plus build；否则是程序的错误，请把这条信息报告给维护者",
                    f"making the search records failed ({exc}). If space or memory ran out, free some in "
                    f"{self.scratch.parent} and run plus build again; otherwise it is a bug: please report this message",
                )
            ) from exc
        self.maker = None
        self.written = self.started - 1  # (one child at a time: the last one started)

    def _check(self, pagefind: Pagefind) -> None:
        check_index(pagefind.bundle, len(self._shard(self.indexed)))
        shutil.rmtree(pagefind.documents)
        self.indexed += 1


def executable() -> Path:
    """The Pagefind binary the `pagefind` package installed (the extended one, which splits Chinese into words)."""
    from pagefind.service import get_executable

    path = get_executable()
    if path is None:
        raise SearchIndexError(say("找不到 Pagefind：请安装 pagefind[extended]", "no Pagefind binary: install pagefind[extended]"))
    return Path(path).resolve()  # (Pagefind runs in the records' folder: a relative PAGEFIND_BINARY_PATH would not hold)


EMPTY_INDEX = """
import asyncio, sys
from pagefind.index import IndexConfig, PagefindIndex
async def write():
    async with PagefindIndex(IndexConfig(output_path=sys.argv[1])):  # (written as it closes)
        pass
asyncio.run(write())
"""
"""Writes an index of no pages at `sys.argv[1]`, with Pagefind's own Python API."""


class Pagefind:
    """The Pagefind CLI indexing a folder of documents into `bundle`, in the background, from `start`."""

    def __init__(self, documents: Path, bundle: Path):
        self.documents, self.bundle = documents, bundle
        self._output = tempfile.TemporaryFile(prefix="pagefind-output-")
        self._process: subprocess.Popen | None = None
        self._said = ""

    def start(self) -> None:
        """Start it in the documents' folder and without PAGEFIND_* variables: a pagefind.yml where
        `plus build` runs, or the environment, must not change what the index holds."""
        binary = executable()
        command = [str(binary), "--site", str(self.documents), "--output-path", str(self.bundle), "--silent"]
        if not any(self.documents.iterdir()):  # (the CLI refuses a folder without pages: an empty catalog)
            command = [sys.executable, "-c", EMPTY_INDEX, str(self.bundle)]
        if nice := shutil.which("nice"):  # (made absolute, as it runs in the records' folder)
            command = [os.path.abspath(nice), "-n", str(NICE), *command]
        env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
        try:
            if not os.access(binary, os.X_OK):  # (`nice` would start, and only then fail to run it)
                raise FileNotFoundError(f"{binary} is no program that can be run")
            self._process = subprocess.Popen(
                command, cwd=self.documents, env=env, stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT
            )
        except OSError as exc:
            raise SearchIndexError(
                say(
                    f"不能运行 Pagefind（{exc}）：重新安装 plus-store 的依赖（pagefind[extended]）后重新运行 plus build",
                    f"cannot run Pagefind ({exc}): install plus-store's dependencies again (pagefind[extended]) and run plus build again",
                )
            ) from exc

    def ended(self) -> bool:
        """Pagefind has exited (without waiting)."""
        return self._process is None or self._process.poll() is not None

    def finish(self, timeout: float = PAGEFIND_TIMEOUT) -> None:
        """Wait for Pagefind; `SearchIndexError` when it failed or took longer than `timeout` seconds."""
        assert self._process is not None
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise SearchIndexError(
                say(
                    f"Pagefind 在 {timeout} 秒内没有建好搜索索引：机器可能太忙或内存不足，稍后重新运行 plus build",
                    f"pagefind did not finish in {timeout} s: the machine may be too busy or short of memory; run plus build again later",
                )
            ) from None
        finally:
            self.close()
        if code != 0:
            raise SearchIndexError(
                say(
                    f"Pagefind 没能建立搜索索引（退出码 {code}）：{self._said}。按它的提示处理后重新运行 plus build；"
                    "若是找不到或不能运行 Pagefind，重新安装 plus-store 的依赖（pagefind[extended]）",
                    f"pagefind failed (exit {code}): {self._said}. Do what it says and run plus build again; if it cannot "
                    "be found or run, install plus-store's dependencies again (pagefind[extended])",
                )
            )

    def close(self) -> None:
        """Stop Pagefind if it still runs, and keep what it said."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if not self._output.closed:
            self._output.seek(0)
            self._said = self._output.read().decode("utf-8", "replace").strip()[-2000:] or say("没有输出", "no output")
            self._output.close()


def check_index(bundle: Path, pages: int) -> None:
    """Refuse an index folder that does not hold `pages` pages, or any empty or truncated file."""
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        counted = sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _broken(bundle, f"no readable pagefind-entry.json: {exc}") from exc
    fragments = 0
    for folder, subfolders, names in os.walk(bundle):
        subfolders[:] = [name for name in subfolders if not name.startswith("shard-")]  # other indexes
        for name in names:
            path = os.path.join(folder, name)
            fragments += name.endswith(".pf_fragment")
            if os.stat(path).st_size == 0:
                raise _broken(bundle, f"{name} is empty")
            if ".pf_" in name:
                with open(path, "rb") as handle:
                    try:
                        zlib.decompress(handle.read(), 31)  # gzip, checked to its CRC
                    except zlib.error as exc:
                        raise _broken(bundle, f"{name} is truncated: {exc}") from exc
    if counted != pages or fragments != pages or not (bundle / "pagefind.js").is_file():
        raise _broken(bundle, f"index holds {counted} pages and {fragments} fragments, expected {pages}")


def _broken(bundle: Path, detail: str) -> SearchIndexError:
    return SearchIndexError(
        say(
            f"Pagefind 写出的搜索索引 {bundle} 不完整：{detail}。看看输出目录所在的磁盘是否已满，再重新运行 plus build",
            f"the search index {bundle} is incomplete: {detail}. Check that the output's disk is not full and run plus build again",
        )
    )
