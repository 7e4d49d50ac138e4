"""What a rebuild's search index can take from the last build, and starting it before validation.

Pagefind cannot update an index, only build one, and at 10,000 products that takes longer than
everything else a rebuild does. The last build's records are saved with the site (SEARCH_STATE),
each with its product file's size and time and the name of the fragment file Pagefind wrote for it.
A rebuild then
- starts the indexer at once, handing it the records of products whose files did not change,
  while the catalog is validated; it goes on with that indexer only if every record it was handed
  is still exactly right, and otherwise starts over;
- hard-links the fragment files of unchanged records into the new index before Pagefind writes it:
  fragment names are hashes of their content, and Pagefind skips compressing and writing a fragment
  whose file is already there (it never opens one for writing, so the old site is not touched).

What it saves, measured (CPU seconds of the whole `plus build`, Pagefind included, 2,000 realistic
products, one title changed, on the shared two-core machine): going on from the last index 18.2 and
15.3 s, indexing anew (`plus build --full`) 16.1 and 16.7 s. No saving shows at that size; the
10,000-product bench rows (rebuild 95% of a full build on the realistic catalog) say the same.
Unless a larger catalog shows one, this is the next machinery to remove.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from catalog.urls import product_url

from .pagefind_service import PagefindService, ServiceError

log = logging.getLogger(__name__)

SEARCH_STATE = ".plus-search.json"
FORMAT = 1
SHARED_FILES = ("settings.yaml", "categories.yaml", "retailers.yaml", "belts.yaml", "search.yaml")
"""Content every record may depend on, besides the product's own file and the factories."""


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def shared_stamp(content: Path, today: dt.date) -> str:
    """Sizes and times of the files all records depend on, and the day (badges change with it)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(today.isoformat().encode())
    factories = content / "factories"
    names = sorted(os.listdir(factories)) if factories.is_dir() else []
    for path in [*(content / name for name in SHARED_FILES), *(factories / name for name in names)]:
        digest.update(f"{path.name}:{_stamp(path)}\0".encode())
    return digest.hexdigest()


@dataclass
class Entry:
    """One product's record in the last build: its file's stamp and the fragment it became."""

    stamp: list[int] | None
    record: str
    fragment: str | None


@dataclass
class SearchState:
    """The last build's records, where it was built (`site`) and what the records depended on."""

    site: Path
    shared: str
    entries: dict[str, Entry]

    @classmethod
    def load(cls, site: Path) -> SearchState | None:
        """The state saved with the site in `site`, or None."""
        try:
            data = json.loads((site / SEARCH_STATE).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return None
            entries = {pid: Entry(stamp, record, fragment) for pid, stamp, record, fragment in data["products"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(site, data["shared"], entries)

    def unchanged_files(self, content: Path, today: dt.date) -> dict[str, str]:
        """The records of products whose files (and every shared file) look as they did last time."""
        if self.shared != shared_stamp(content, today):
            return {}
        return {pid: entry.record for pid, entry in self.entries.items() if _stamp(content / "products" / f"{pid}.yaml") == entry.stamp}

    def fragments_for(self, records: dict[str, str], bundle: str) -> list[Path]:
        """The old fragment files of the records that did not change."""
        found = []
        for pid, record in records.items():
            entry = self.entries.get(pid)
            if entry is not None and entry.fragment and entry.record == record:
                found.append(self.site / bundle / "fragment" / entry.fragment)
        return found


def save_state(site: Path, content: Path, today: dt.date, records: dict[str, str], fragments: dict[str, str]) -> None:
    """Keep this build's records with their files' stamps and fragment names (by URL) for the next build."""
    products = [
        [pid, _stamp(content / "products" / f"{pid}.yaml"), record, fragments.get("/" + product_url(pid))]
        for pid, record in records.items()
    ]
    data = {"format": FORMAT, "shared": shared_stamp(content, today), "products": products}
    (site / SEARCH_STATE).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class EarlyIndex:
    """An indexer already holding the previous records of the products whose files did not change."""

    def __init__(self, service: PagefindService, index_id: int, sent: dict[str, str]):
        self.service = service
        self.index_id = index_id
        self.sent = sent

    @classmethod
    def begin(cls, state: SearchState, content: Path, today: dt.date, timeout: float) -> EarlyIndex | None:
        """Start indexing the records of `state` whose product files did not change, if there are any."""
        sent = state.unchanged_files(content, today)
        if not sent:
            return None
        try:
            service = PagefindService()
        except ServiceError as exc:
            log.warning("storefront: cannot start Pagefind early (%s)", exc)
            return None
        early = cls(service, -1, sent)
        try:
            early.index_id = int(service.request({"type": "NewIndex", "config": None}, timeout)["index_id"])
            head = f'{{"index_id":{early.index_id},'
            for record in sent.values():
                service.send(head + record[1:])
            service.flush()
        except ServiceError as exc:
            log.warning("storefront: early indexing failed (%s)", exc)
            early.abort()
            return None
        return early

    def holds_only(self, records: dict[str, str]) -> bool:
        """True when every record sent early is one of `records`, unchanged."""
        return all(records.get(pid) == record for pid, record in self.sent.items())

    def abort(self) -> None:
        """Stop the indexer; nothing it held is written."""
        self.service.close()
