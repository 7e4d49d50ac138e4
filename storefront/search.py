"""The static search index: Pagefind's extended (Chinese-aware) index of every product.

`plus build` hands Pagefind one record per product, made from the catalog (what a shopper searches
for, plus the meta, filters and sort keys the search page uses), through `pagefind --service` on a
second process, so the index is written while Python renders the pages. If that fails, the CLI
indexes the rendered product pages instead (their `data-pagefind-*` attributes say the same
things): a test keeps the two indexes answering alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from .early_index import EarlyIndex
from .pagefind_service import PagefindService, ServiceError
from .text import money, plain_text, unit_text, yuan
from .views import ProductView, Store

log = logging.getLogger(__name__)

PAGEFIND_TIMEOUT = 900  # seconds; 10,000 products take about 4 s, so this only catches a hang
WRITE_GRACE = 60  # seconds Pagefind's last file writes may take after it answered
BUNDLE = "pagefind"
_FRAGMENT_URL = re.compile(rb'^pagefind_dcd\{"url":"([^"]+)"')


class SearchIndexError(Exception):
    """Pagefind failed: the site must not be published without its search."""


def product_record(view: ProductView, *, siteurl: str, language: str) -> dict[str, Any]:
    """One product as a Pagefind record: searchable text, result meta, filters and sort keys."""
    p, f = view.product, view.factory
    best = view.facts.best
    brands = view.brand_names
    filters = {
        "category": [view.category.zh],
        "sourcing": [p.sourcing.label],
        "factory": [f.factory.name],
        "brand": brands,
    }
    if f.belt is not None:
        filters["belt"] = [f.belt.name]
    words = [
        p.title,
        *(badge.label for badge in view.facts.badges),
        view.category.zh,
        p.sourcing.label,
        f.factory.name,
        f.belt.name if f.belt else "",
        *brands,
        *(s.comparison.name for s in view.facts.savings),
        unit_text(p.unit),
        p.spec or "",
        plain_text(p.description),
        *p.tags,
    ]
    return {
        "url": f"/{view.url}",
        "content": "\n".join(w for w in words if w),
        "language": language,
        "meta": {
            "title": p.title,
            "price": yuan(p.price),
            "corner": view.corner,
            "factory": f.factory.name,
            "image": f"{siteurl}/{view.image_url}",
            "image_alt": view.image.alt,
        },
        "filters": filters,
        "sort": {"saving": money(best.saving), "price": money(p.price), "discount": str(best.zhe)},
    }


def product_records(store: Store, *, siteurl: str, language: str) -> dict[str, str]:
    """Every product's record, by id in page order, as the JSON of the service's `AddRecord` payload
    (without its index id)."""
    return {
        view.id: json.dumps({"type": "AddRecord", **product_record(view, siteurl=siteurl, language=language)}, ensure_ascii=False)
        for view in store.by_saving
    }


def records_digest(records: dict[str, str]) -> str:
    """A fingerprint of the records: the same records give the same index."""
    digest = hashlib.blake2b(digest_size=16)
    for record in records.values():
        digest.update(record.encode("utf-8") + b"\0")
    return digest.hexdigest()


class RecordIndexer:
    """Sends the records to `pagefind --service` and has it write `site/pagefind/` in the background."""

    def __init__(self, site: Path, records: dict[str, str], *, timeout: float = PAGEFIND_TIMEOUT):
        self.site = site
        self.records = records
        self.timeout = timeout
        self.continued = False
        self.fragments: dict[str, str] = {}
        """The fragment file of each page URL, once written."""
        self._service: PagefindService | None = None
        self._written: int | None = None
        self._error: ServiceError | None = None

    def start(self, early: EarlyIndex | None = None, fragments: list[Path] = ()) -> RecordIndexer:
        """Hand the indexer every record (about 0.2 s for 10,000), going on with `early` when all it
        holds is still right, and the old `fragments` files of unchanged records, which Pagefind then
        does not write again; returns at once, failures show in `finish`."""
        try:
            if early is not None and early.holds_only(self.records):
                self._service, index_id, done = early.service, early.index_id, early.sent
                self.continued = True
            else:
                if early is not None:
                    early.abort()
                self._service = PagefindService()
                index_id = int(self._service.request({"type": "NewIndex", "config": None}, self.timeout)["index_id"])
                done = {}
            service = self._service
            head = f'{{"index_id":{index_id},'
            for pid, record in self.records.items():
                if pid not in done:
                    service.send(head + record[1:])
            _link_fragments(fragments, self.site / BUNDLE / "fragment")
            output = str((self.site / BUNDLE).resolve())
            self._written = service.send({"type": "WriteFiles", "index_id": index_id, "output_path": output})
            service.flush()
        except ServiceError as exc:
            self._error = exc
        return self

    def finish(self) -> None:
        """Wait for the index to be written and check it; raises `ServiceError` on any failure."""
        try:
            if self._error is not None:
                raise self._error
            self._service.wait(self._written, self.timeout)
            # Pagefind answers before its last writes land, and exits the moment its input closes:
            # closing early is what leaves truncated files. Wait until every file is there.
            wait_until_written(self.site / BUNDLE, len(self.records), WRITE_GRACE)
        finally:
            self.close()
        self.fragments = check_index(self.site, len(self.records))

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


def check_index(site: Path, pages: int) -> dict[str, str]:
    """Refuse an index that does not hold `pages` pages, or any empty or truncated file; returns the
    fragment file of each page URL."""
    return _check_files(site / BUNDLE, pages, full=True)


def _link_fragments(files: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        try:
            os.link(path, folder / path.name)
        except OSError:  # gone, or another file system: Pagefind writes it as usual
            continue


def _check_files(bundle: Path, pages: int, *, full: bool) -> dict[str, str]:
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        counted = sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"no readable pagefind-entry.json: {exc}") from exc
    fragments = 0
    urls: dict[str, str] = {}
    for folder, _, names in os.walk(bundle):
        for name in names:
            path = os.path.join(folder, name)
            fragments += name.endswith(".pf_fragment")
            if os.stat(path).st_size == 0:
                raise ServiceError(f"{name} is empty")
            if full and ".pf_" in name:
                with open(path, "rb") as handle:
                    try:
                        data = zlib.decompress(handle.read(), 31)  # gzip, checked to its CRC
                    except zlib.error as exc:
                        raise ServiceError(f"{name} is truncated: {exc}") from exc
                if name.endswith(".pf_fragment") and (url := _FRAGMENT_URL.match(data)):
                    urls[url.group(1).decode("utf-8")] = name
    if counted != pages or fragments != pages or not (bundle / "pagefind.js").is_file():
        raise ServiceError(f"index holds {counted} pages and {fragments} fragments, expected {pages}")
    return urls


def fall_back_to_cli(site: Path, reason: Exception) -> None:
    """The service failed: log why and index the rendered pages with the CLI instead."""
    log.warning("storefront: Pagefind service failed (%s); indexing the rendered pages with the CLI", reason)
    shutil.rmtree(site / BUNDLE, ignore_errors=True)
    index_site(site)


def index_site(site: Path) -> None:
    """Run the Pagefind CLI over the rendered `site`, writing `site/pagefind/`."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise SearchIndexError(f"pagefind did not finish in {PAGEFIND_TIMEOUT} s") from exc
    if result.returncode != 0 or not (site / BUNDLE / "pagefind-entry.json").is_file():
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise SearchIndexError(f"pagefind failed (exit {result.returncode}): {detail}")
    if result.stderr.strip():
        log.warning("storefront: pagefind: %s", result.stderr.strip()[-2000:])
