"""Incremental builds: a page whose inputs did not change is hard-linked from the previous output.

Every product and factory page gets a key, a hash of everything it shows: its own data, its
neighbours' cards, the catalog's shared files, the theme, the settings and the code that renders
it. The keys are saved with the site (MANIFEST). The next build renders only the pages whose key
changed and links the others from the live output into its staging folder, which is still swapped
in atomically. No brand held under NDA goes into any key: the manifest is published with the site.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import catalog
from catalog import Factory

from .views import FactoryView, Group, ProductView, Store

log = logging.getLogger(__name__)

MANIFEST = ".plus-build.json"
FORMAT = 1
CODE_DIRS = [Path(__file__).parent, Path(catalog.__file__).parent]
LIBRARIES = ("pelican", "jinja2", "markupsafe", "markdown", "nh3", "pydantic")
VOLATILE_SETTINGS = {"PATH", "OUTPUT_PATH", "PLUS_CATALOG", "PLUS_PROGRESS", "PLUS_STORE", "PLUS_BUILD"}
"""Settings that name where things are, not what pages show."""


def _hash(*parts: str | bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _files_digest(folders: list[Path], pattern: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for path in sorted(folder.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_digest() -> str:
    """The storefront's and the catalog's source, and the versions of the libraries that render."""
    versions = [f"{name}={_version(name)}" for name in LIBRARIES]
    return _hash(_files_digest(CODE_DIRS, "*.py"), sys.version, *versions)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def settings_digest(settings: dict[str, Any]) -> str:
    """The Pelican settings that can change what a page shows."""
    shown = {key: value for key, value in settings.items() if key not in VOLATILE_SETTINGS}
    return _hash(json.dumps(shown, sort_keys=True, ensure_ascii=False, default=_describe))


def _describe(value: Any) -> str:
    return getattr(value, "__qualname__", type(value).__qualname__)


def factory_data(factory: Factory) -> str:
    """A factory as JSON, with every brand under NDA reduced to the fact that there is one."""
    oem = [o.model_dump(mode="json") if o.disclosure.value == "public" else {"disclosure": "nda"} for o in factory.oem_for]
    return factory.model_dump_json(exclude={"oem_for"}) + json.dumps(oem, ensure_ascii=False)


class Fingerprints:
    """Keys of the product and factory pages: equal keys mean byte-identical pages."""

    def __init__(self, store: Store, settings: dict[str, Any], theme: Path | str, card: Callable[[ProductView], str]):
        catalog = store.catalog
        secret = {name.lower() for name in catalog.nda_names()}
        retailers = {
            rid: r.model_dump(mode="json")
            for rid, r in catalog.retailers.items()
            if not secret & {(v or "").lower() for v in (r.name, r.short, r.badge)}
        }
        shared = {
            "today": catalog.today.isoformat(),
            "settings": catalog.settings.model_dump(mode="json"),
            "categories": {k: v.model_dump(mode="json") for k, v in catalog.categories.items()},
            "retailers": retailers,
            "belts": {k: v.model_dump(mode="json") for k, v in catalog.belts.items()},
            "store": catalog.store.model_dump(mode="json"),
            "nav": [[g.id, g.title, g.url] for g in (*store.channels, *store.categories)],
        }
        self.base = _hash(
            str(FORMAT),
            code_digest(),
            _files_digest([Path(theme)], "*"),
            settings_digest(settings),
            json.dumps(shared, sort_keys=True, ensure_ascii=False),
        )
        self._render_card = card
        self._products: dict[str, str] = {}
        self._factories: dict[str, str] = {}
        self._cards: dict[str, str] = {}
        self._groups: dict[tuple[str, str], list[str]] = {}

    def product(self, view: ProductView) -> str:
        """A product's own data (what its facts derive from is in `base`)."""
        if (key := self._products.get(view.id)) is None:
            key = self._products[view.id] = _hash(view.id, view.product.model_dump_json())
        return key

    def factory(self, view: FactoryView) -> str:
        """A factory's own data."""
        if (key := self._factories.get(view.id)) is None:
            key = self._factories[view.id] = _hash(view.id, factory_data(view.factory))
        return key

    def card(self, view: ProductView) -> str:
        """A product card, by its HTML (rendered anyway): a description edit leaves the cards alone."""
        if (key := self._cards.get(view.id)) is None:
            key = self._cards[view.id] = _hash(self._render_card(view))
        return key

    def product_page(self, view: ProductView, siblings: list[ProductView]) -> str:
        """The product, its factory, and the cards of the siblings it shows."""
        return _hash(self.base, "product", self.product(view), self.factory(view.factory), *(self.card(s) for s in siblings))

    def factory_page(self, view: FactoryView) -> str:
        """The factory and the cards of all its products, in order."""
        return _hash(self.base, "factory", self.factory(view), *(self.card(p) for p in view.products))

    def listing_page(self, template: str, group: Group, items: list[ProductView], pager: Any) -> str:
        """A page of a category, channel or belt: the group, where the page stands, its cards."""
        return _hash(self.base, "listing", *self._group(template, group), str(pager.number), *(self.card(v) for v in items))

    def _group(self, template: str, group: Group) -> list[str]:
        """What every page of a group shows: its head, its page links and (for a belt) its factories."""
        if (parts := self._groups.get((template, group.id))) is None:
            factories = group.extra if isinstance(group.extra, list) else []
            parts = [template, group.id, group.title, group.subtitle, group.description, str(len(group.products))]
            parts += [self.factory(f) + str(len(f.products)) for f in factories]
            self._groups[(template, group.id)] = parts
        return parts


class Previous:
    """The live output and the page keys it was built with."""

    def __init__(self, root: Path, pages: dict[str, list], extra: dict[str, Any]):
        self.root = root
        self.pages = pages
        self.extra = extra

    @classmethod
    def load(cls, output: Path) -> Previous | None:
        """The previous build's manifest, or None (no output, another format, unreadable)."""
        try:
            data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return cls(output, data.get("pages", {}), data.get("extra", {}))

    def reusable(self, save_as: str, key: str) -> Path | None:
        """The old file when it was built from the same inputs and is untouched since."""
        entry = self.pages.get(save_as)
        if not entry or entry[0] != key:
            return None
        path = self.root / save_as
        try:
            stat = path.stat()
        except OSError:
            return None
        return path if [stat.st_size, stat.st_mtime_ns] == entry[1:] else None


def link(source: Path, target: Path) -> None:
    """Hard-link `source` at `target` (a copy where links are impossible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def link_tree(source: Path, target: Path) -> None:
    """Hard-link every file below `source` into `target`."""
    shutil.copytree(source, target, copy_function=_link_file)


def _link_file(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def write_manifest(site: Path, keys: dict[str, str], extra: dict[str, Any]) -> None:
    """Save each keyed page's key, size and mtime, so the next build can trust and reuse it."""
    pages = {}
    for save_as, key in keys.items():
        stat = (site / save_as).stat()
        pages[save_as] = [key, stat.st_size, stat.st_mtime_ns]
    data = {"format": FORMAT, "pages": pages, "extra": extra}
    (site / MANIFEST).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
