"""Fixtures shared by every test: a small valid content folder written to disk, and the seed."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import shutil
import signal
import textwrap
from pathlib import Path

import blinker
import pytest
from flask import Flask
from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing import Rule

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "content"
TODAY = dt.date(2026, 11, 25)
POLL = 0.005
"""How often a test's HTTP server thread looks for its shutdown (serve_forever's poll_interval): stopping one waits
up to this long, once per test (0.05 s cost the quick loop about 15 s of waiting; the extra wake-ups cost little)."""

CATEGORIES = """\
home:
  zh: 家居百货
  en: Home
food:
  zh: 食品
  en: Food
"""

RETAILERS = """\
sams:
  name: 山姆会员店
  short: 山姆
  badge: 山姆平替
taobao: 淘宝
aimer:
  name: 爱慕
  kind: brand
"""

BELTS = """\
haining-socks:
  name: 海宁袜业
  region: 浙江海宁
"""

FACTORY = """\
name: 奥克斯电器
region: 浙江宁波
industry_belt: haining-socks
oem_for:
  - brand: 山姆会员店
    disclosure: public
verification:
  audited_on: 2026-09-01
  qualification: true
  oem_contract: true
  supply_chain: true
  production_line: true
description: 为山姆供货的家电工厂。
"""

STORE = """\
company:
  name: 测试优选电子商务有限公司
  credit_code: 91350100M000100Y43
  icp: 沪ICP备2026012345号-1
  phone: 400-820-0258
  email: service@shop.example
  hours: 每天 9:00–21:00
delivery:
  classes:
    normal:
      fee: 8.00
      free_threshold: 99.00
      member_free: true
    bulky:
      fee: 25.00
      free_threshold: 299.00
      member_free: true
    cold_chain:
      fee: 18.00
      free_threshold: 199.00
  surcharges:
    新疆维吾尔自治区: 15.00
    西藏自治区: 20.00
  not_served: [香港特别行政区, 澳门特别行政区, 台湾省]
returns:
  policy: 签收后 **7 天内**支持七天无理由退货。
  exclusions:
    - category: food
      reason: 食品拆封后不退换
membership:
  yearly_fee: 258.00
help:
  invoices: 下单后在订单页**申请发票**。
  contact: 请先准备好订单号。
"""

PRODUCT = """\
title: 奥克斯家用大吸尘器
category: home
factory: aux
sourcing: same-source
price: 69.00
compare:
  - retailer: sams
    name: 家用大吸尘器
    price: 690.00
    observed_on: 2026-11-01
    unit: {quantity: 1, measure: piece}
    evidence: {file: vacuum-sams.png, sha256: 36c907715b80d7cdad0e196256966a3353b771387aefb1116d8769dacc81b675}
    source: 山姆App 截图
images:
  - src: products/vacuum.png
    alt: 白色吸尘器
added_on: 2026-10-01
unit: {quantity: 1, measure: piece}
"""
PRODUCT_NO_HISTORY = PRODUCT
ONE_PIECE = "{quantity: 1, measure: piece}"
REFERENCE_UNIT = f"    unit: {ONE_PIECE}\n"
"""The unit line a comparison added to PRODUCT needs (every comparison states its amount)."""


def line_of(start: str, text: str = PRODUCT) -> int:
    """The line (1-based) of `text` that starts with `start`: golden messages name lines derived from the fixture."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def with_units(text: str, ours: str | None = None, theirs: str | None = None) -> str:
    """PRODUCT-shaped `text` with another product `unit` and/or first comparison `unit`, e.g. "{quantity: 3, measure: piece}"."""
    if ours is not None:
        text = text.replace(f"\nunit: {ONE_PIECE}\n", f"\nunit: {ours}\n", 1)
    if theirs is not None:
        text = text.replace(f"\n{REFERENCE_UNIT}", f"\n    unit: {theirs}\n", 1)
    return text


HISTORY = """\
price_history:
  - date: 2026-11-20
    price: 69
"""
PRODUCT = PRODUCT_NO_HISTORY + HISTORY

# A 1x1 PNG: real image bytes for the image-exists rule.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b4944415478da63f80f040009fb03fd68fa1ccc0000000049454e44ae426082"
)


class ContentTree:
    """A content folder in a temporary directory that a test can change file by file."""

    def __init__(self, root: Path):
        self.root = root
        for name, text in (("categories", CATEGORIES), ("retailers", RETAILERS), ("belts", BELTS), ("store", STORE)):
            self.write(f"{name}.yaml", text)
        (root / "products").mkdir(parents=True, exist_ok=True)
        (root / "factories").mkdir(parents=True, exist_ok=True)
        self.image("products/vacuum.png")
        self.write("evidence/vacuum-sams.png", PNG)  # the price proof PRODUCT's comparison names, with its SHA-256
        self.factory("aux", FACTORY)
        self.product("aux-vacuum", PRODUCT)

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write a file below the content root (text is dedented)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def load(self, today: dt.date):
        """The catalog as `plus validate` loads it, run from the folder holding this one: messages that
        name another content file name it as `content/…`, as the curator finds it."""
        from catalog import load_catalog

        with contextlib.chdir(self.root.parent):
            return load_catalog(Path(self.root.name), today=today)

    def located(self, today: dt.date) -> list[str]:
        """Every problem of `load` as `file:line:col: field: message`, the file below this folder."""
        return [f"{p.path.relative_to(self.root.name)}:{p.line}:{p.column}: {p.field}: {p.message}" for p in self.load(today).problems]

    def product(self, pid: str, text: str | bytes) -> Path:
        """Write `products/<pid>.yaml`."""
        return self.write(f"products/{pid}.yaml", text)

    def factory(self, fid: str, text: str | bytes) -> Path:
        """Write `factories/<fid>.yaml`."""
        return self.write(f"factories/{fid}.yaml", text)

    def image(self, relative: str) -> Path:
        """Write a real PNG below `images/`."""
        return self.write(f"images/{relative}", PNG)


@pytest.fixture
def content(tmp_path: Path) -> ContentTree:
    """A small valid content folder: one factory, one product, the index files."""
    return ContentTree(tmp_path / "content")


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the seed content, safe to change."""
    target = tmp_path / "seed"
    shutil.copytree(SEED, target)
    return target


@pytest.fixture
def english(monkeypatch) -> None:
    """Curator messages in English (`--lang en`), for tests written against the English wording."""
    monkeypatch.setenv("PLUS_LANG", "en")


@pytest.fixture(autouse=True)
def chinese_by_default(monkeypatch):
    """Curator messages in zh-CN whatever the machine's locale, as a curator's are by default."""
    from catalog.messages import set_language

    if "PLUS_LANG" not in os.environ:
        monkeypatch.setenv("PLUS_LANG", "zh")
    yield
    set_language(None)  # a `plus --lang en` run in one test does not choose for the next


@pytest.fixture
def today() -> dt.date:
    """The fixed day tests judge dates by."""
    return TODAY


CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Launch flags for this closed network: without the background-networking ones Chromium keeps dialling out."""


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, through Playwright: one per test session, shared by every browser test."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


SLOW_MODULES = {
    "tests/packaging/test_wheel.py",  # builds and installs the wheel
    "tests/checkout/test_serve.py",  # `plus serve` processes
    "tests/checkout/test_openapi.py",  # schemathesis over every operation
    "tests/site/test_parallel.py",  # forked children, each test in an interpreter of its own
    "tests/site/test_incremental.py",  # one build after another
    "tests/site/test_search.py",  # Pagefind's JS in node
    "tests/standin/test_standalone.py",
    "tests/standin/test_concurrency.py",
}
SLOW_TESTS = {  # long scenarios whose behaviour a quicker test keeps in the quick loop
    "test_a_later_guest_order_with_a_verified_email_lands_in_the_account",  # test_guest_orders_join_the_account_only_once_...
    "test_a_partial_then_full_refund_at_stripe_reaches_the_order",  # test_returns' partial refunds
}
SLOW_FOLDERS = ("tests/deploy/", "tests/browser/")
SLOW_WORDS = ("thousand", "two_hundred", "concurrent", "arbitrary_input")


class SharedBuilderRule(Rule):
    """werkzeug's URL rule, whose URL-building function is compiled once per session and shared by every app the
    tests make. werkzeug generates and compiles Python code for each rule of each new app (py-spy: a tenth of the
    quick loop's CPU); the code depends only on the rule's text, its parts and its defaults' names (it reads the
    converters from the rule it is bound to), so apps with the same routes can share it. A rule with a default for
    one of its own variables folds the default in: that one is compiled as werkzeug does."""

    _builders: dict[tuple, object] = {}

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), tuple(defaults), append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the session and shared by every Jinja environment the tests make (each
    checkout app and each Pelican build has its own; compiling the same templates again for each cost more than
    rendering them). Jinja checks each entry against its template's source, so a changed template is compiled
    again; entries are kept apart by the environment options that change the compiled code."""

    def __init__(self):
        self._code: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple:
        env: Environment = bucket.environment
        escape = env.autoescape
        if not isinstance(escape, bool):  # Flask's method is the same for every app; any other function stands alone
            method = getattr(escape, "__func__", None)
            escape = method.__qualname__ if method is not None else id(escape)
        syntax = (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string)
        syntax += (env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix)
        options = (env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized)
        return (bucket.key, escape, syntax, options, env.is_async, tuple(sorted(env.extensions)))

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[self._key(bucket)] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


def _share_compiled_templates(generator) -> None:
    """Pelican's `generator_init` signal: the build's Jinja environment uses the session's compiled templates."""
    generator.env.bytecode_cache = TEMPLATES


MEMORY = Path("/dev/shm")
MEMORY_NEEDED = 2 * 1024**3
"""Room the tests' temporary files need in memory: a run writes a few hundred MB and pytest keeps the last three."""


def _temporary_files_in_memory(config) -> None:
    """tmp_path in memory (/dev/shm, a tmpfs on Linux) when it has room, unless --basetemp or PYTEST_DEBUG_TEMPROOT
    chooses: each SQLite commit syncs its file to disk, and on a disk other work was using the quick loop spent more
    time waiting for that than computing (tests/checkout took twice as long). The files are as real; only the sync
    is free. Pytest keeps its numbered folders there as it does in /tmp (the last three runs)."""
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    try:
        room = os.statvfs(MEMORY)
    except OSError:
        return
    if room.f_bavail * room.f_frsize >= MEMORY_NEEDED and os.access(MEMORY, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY)  # read by pytest when the first test asks for tmp_path


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which turns -n into workers
def pytest_cmdline_main(config):
    """The quick loop uses every core: `pytest -m "not slow"` over the whole tree (no paths, or `tests`) runs on
    pytest-xdist's workers as if `-n auto` were given (about half the time on two cores). The full suite (its servers,
    browsers and PostgreSQL share ports and folders), a run naming files or tests or narrowed by `-k` (two workers
    each collecting every test cost more than they save), and one giving `-n` or `--dist` itself (`-n 0`: one
    process), `--pdb`, `--collect-only`, `--lf`, `--ff` or `--sw` run as asked."""
    if os.environ.get("PYTEST_XDIST_WORKER") or hasattr(config, "workerinput"):
        return  # a worker: its controller decided
    option = config.option
    if getattr(option, "numprocesses", "missing") is not None or getattr(option, "dist", "no") != "no":
        return  # pytest-xdist is not installed, or -n/--dist was given
    whole_tree = config.args_source is pytest.Config.ArgsSource.TESTPATHS or all(
        Path(config.invocation_params.dir, arg).resolve() == REPO / "tests" for arg in config.args
    )
    if not whole_tree or "not slow" not in (option.markexpr or "") or option.keyword:
        return
    one_process = ("usepdb", "trace", "collectonly", "lf", "failedfirst", "stepwise", "stepwise_skip")  # some from plugins
    if any(getattr(option, name, False) for name in one_process):
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores > 1:
        option.numprocesses = "auto"


def _ctrl_c_as_from_a_terminal() -> None:
    """Run as a terminal runs it, also when started in the background (`cmd &` in a script, `nohup`): there SIGINT
    comes ignored, and every process a test starts would inherit that, so a `plus serve` stopped with Ctrl-C
    (SIGINT) by a test would go on running. A handled signal is not inherited: the children start with the default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_configure(config):
    """Temporary files in memory where there is room (see _temporary_files_in_memory); every Flask app the tests
    make shares its URL builders (see SharedBuilderRule), every Pelican build made in this process its compiled
    templates (see CompiledTemplates; connected by the signal's name, so Pelican is imported only by the tests that build)."""
    _temporary_files_in_memory(config)
    _ctrl_c_as_from_a_terminal()
    Flask.url_rule_class = SharedBuilderRule
    blinker.signal("generator_init").connect(_share_compiled_templates)


def pytest_collection_finish(session):
    """Freeze what collection built (modules, the app's code, Hypothesis): the garbage collector's full passes
    then walk only what the tests make, not every long-lived object again (py-spy: about a seventh of a checkout run's busy samples)."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """Markers from where a test is and what it uses, so `-m "not slow"` gives a quick loop (see CONTRIBUTING.md)."""
    for item in items:
        path = Path(str(item.fspath)).relative_to(REPO).as_posix()
        if (
            path in SLOW_MODULES
            or path.startswith(SLOW_FOLDERS)
            or any(word in item.name for word in SLOW_WORDS)
            or getattr(item, "originalname", "") in SLOW_TESTS
        ):
            item.add_marker(pytest.mark.slow)
        if "browser" in getattr(item, "fixturenames", ()) or path.startswith("tests/browser/") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # Chromium and a server for each test: seconds, not milliseconds
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.id:
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)  # the quick loop runs each database test once, on SQLite; CI runs both
