"""Fixtures for the storefront: a small shop with the report's figures, built for real into tmp."""

from __future__ import annotations

import json
import runpy
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from admin.build import DEFAULT_SETTINGS, build_site
from tests.conftest import PNG, REPO, TODAY, ContentTree

NDA_BRAND = "ZQXBRAND-7731"
NDA_ALIAS = "Zqx Secret Home"

FACTORIES = {
    "umbrella-works": """\
        name: 上虞晴雨伞业
        region: 浙江绍兴
        oem_for:
          - brand: 山姆会员店
            disclosure: public
        verification:
          audited_on: 2026-08-15
          qualification: true
          oem_contract: true
          supply_chain: true
          production_line: true
          auditor: 验厂组
        description: 专做**全自动雨伞**的工厂。
        """,
    "nda-home": f"""\
        name: 青禾家纺
        region: 江苏南通
        industry_belt: haining-socks
        oem_for:
          - brand: {NDA_BRAND}
            disclosure: nda
            aliases: ["{NDA_ALIAS}"]
          - brand: 宜家家居
            disclosure: public
        verification:
          audited_on: 2026-07-01
          qualification: true
          oem_contract: true
          supply_chain: true
          production_line: true
        certifications: [OEKO-TEX Standard 100]
        description: 为连锁家居品牌代工毛巾和浴巾。
        """,
    "snack-co": """\
        name: 百味食品
        region: 浙江杭州
        oem_for:
          - brand: 山姆会员店
            disclosure: public
        verification:
          audited_on: 2026-10-01
          qualification: true
          oem_contract: true
          supply_chain: true
          production_line: true
        """,
}

PRODUCTS = {
    "umbrella": """\
        title: 24骨全自动雨伞
        category: home
        factory: umbrella-works
        sourcing: same-source
        price: 8.55
        member_price: 7.99
        moq: 2
        tiers:
          - min_qty: 10
            price: 7.90
          - min_qty: 50
            price: 6.80
        stock: 500
        unit: {quantity: 1, measure: piece}
        compare:
          - retailer: sams
            name: 全自动晴雨伞
            price: 42.75
            unit: {quantity: 1, measure: piece}
            observed_on: 2026-11-02
            source: 山姆门店价签
            evidence: {file: umbrella-sams.png, sha256: 36c907715b80d7cdad0e196256966a3353b771387aefb1116d8769dacc81b675}
        price_history:
          - date: 2026-10-01
            price: 9.90
          - date: 2026-11-10
            price: 8.55
        images:
          - src: products/umbrella.png
            alt: 藏青色雨伞
        description: 抗风**24骨**，一键自动开合。
        tags: [晴雨两用, 抗风]
        added_on: 2026-11-20
        """,
    "apricot": """\
        title: 百味杏干 独立小包装
        category: food
        factory: snack-co
        sourcing: same-source
        price: 29.90
        unit: {quantity: 500, measure: g}
        compare:
          - retailer: sams
            name: 杏干
            price: 99.80
            unit: {quantity: 1, measure: kg}
            observed_on: 2026-11-03
            source: 山姆App
        images:
          - src: products/apricot.png
            alt: 一袋杏干
        added_on: 2026-09-01
        """,
    "towel": """\
        title: 纯棉加厚毛巾 三条装
        category: home
        factory: nda-home
        sourcing: same-craft
        price: 39.00
        unit: {quantity: 3, measure: piece}
        compare:
          - retailer: taobao
            name: 品牌纯棉毛巾三条装
            price: 89.00
            unit: {quantity: 3, measure: piece}
            observed_on: 2026-11-05
            source: 淘宝旗舰店
        images:
          - src: products/towel.png
            alt: 叠好的白毛巾
        added_on: 2026-08-01
        """,
    "plus-bra": """\
        title: 无钢圈舒适文胸
        category: home
        factory: nda-home
        sourcing: same-craft
        price: 66.00
        member_price: 59.00
        members_only: true
        unit: {quantity: 1, measure: piece}
        compare:
          - brand: aimer
            name: 无钢圈文胸
            price: 399.00
            unit: {quantity: 1, measure: piece}
            observed_on: 2026-11-06
            source: 爱慕官方旗舰店
        images:
          - src: products/bra.png
            alt: 浅粉色文胸
        added_on: 2026-07-15
        """,
}


def make_shop(root: Path) -> ContentTree:
    """The conftest content (AUX vacuum 69 vs Sam's 690) plus the umbrella, apricots, an NDA factory…"""
    tree = ContentTree(root)
    for fid, text in FACTORIES.items():
        tree.factory(fid, text)
    for pid, text in PRODUCTS.items():
        tree.product(pid, text)
    for name in ("umbrella", "apricot", "towel", "bra"):
        tree.image(f"products/{name}.png")
    tree.write("evidence/umbrella-sams.png", PNG)
    return tree


def build(content: Path, output: Path, **kwargs) -> Path:
    """Build a site the way `plus build` does; returns the output folder."""
    build_site(content, output, today=TODAY, **kwargs)
    return output


@pytest.fixture(scope="session")
def shop_site(tmp_path_factory) -> Path:
    """The shop built once with the local settings (root-relative URLs)."""
    base = tmp_path_factory.mktemp("shop")
    tree = make_shop(base / "content")
    return build(tree.root, base / "output")


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> Path:
    """The shop built with publishconf.py (absolute SITEURL)."""
    base = tmp_path_factory.mktemp("published")
    tree = make_shop(base / "content")
    return build(tree.root, base / "output", settings_file=REPO / "publishconf.py")


@pytest.fixture
def shop(tmp_path) -> ContentTree:
    """A private copy of the shop content, to change."""
    return make_shop(tmp_path / "content")


def theme_copy(tmp_path: Path) -> Path:
    """A copy of the theme a test may break."""
    target = tmp_path / "theme"
    shutil.copytree(REPO / "theme", target)
    return target


def settings_with(tmp_path: Path, **values: str) -> Path:
    """A settings file: pelicanconf.py with some values replaced."""
    lines = [
        "import runpy",
        f"globals().update({{k: v for k, v in runpy.run_path({str(DEFAULT_SETTINGS)!r}).items() if k.isupper()}})",
        *(f"{key} = {value!r}" for key, value in values.items()),
    ]
    path = tmp_path / "testconf.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runpy.run_path(str(path))  # fail here, not inside Pelican, if the file is wrong
    return path


@dataclass
class Element:
    """A start tag with its attributes."""

    tag: str
    attrs: dict[str, str | None]


class ParsedPage(HTMLParser):
    """An HTML file parsed with the standard library: elements, text, and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        """Record the element (and start collecting a script's body)."""
        attributes = dict(attrs)
        self.elements.append(Element(tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_endtag(self, tag):
        """Stop collecting a script."""
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        """Collect text, or a script's body."""
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.texts.append(data)

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed."""
        return " ".join(" ".join(self.texts).split())

    def find(self, tag: str, **attrs: str) -> list[Element]:
        """Elements with this tag whose attributes equal (or, for class, contain) the values."""
        found = []
        for element in self.elements:
            if element.tag != tag:
                continue
            ok = True
            for key, value in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                have = element.attrs.get(key)
                if key == "class":
                    ok = ok and have is not None and value in have.split()
                else:
                    ok = ok and have == value
            if ok:
                found.append(element)
        return found

    def jsonld(self) -> list[dict]:
        """Every JSON-LD block, parsed."""
        return [json.loads(body) for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"]


def parse(path: Path) -> ParsedPage:
    """Parse an output HTML file."""
    page = ParsedPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture
def pagefind_left(monkeypatch) -> Callable[[], list[int]]:
    """Pagefind processes the builds of this test started (and their children) that still run, an
    environment mark telling them apart (they outlive a build that did not stop them, as orphans)."""
    mark = f"plus-test-{uuid.uuid4().hex}".encode()
    monkeypatch.setenv("PLUS_TEST_MARK", mark.decode())

    def running() -> list[int]:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                stat = (proc / "stat").read_text().rsplit(")", 1)
                if "pagefind" in stat[0] and stat[1].split()[0] != "Z" and mark in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
        return found

    return running
