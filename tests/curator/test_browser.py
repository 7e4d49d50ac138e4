"""The browser editor for real: Decap CMS in headless Chromium, saving through decap-server to disk."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import threading
import time
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from admin.curator import cms
from bench.serving import free_port
from catalog import load_catalog, require_catalog

pytestmark = pytest.mark.browser

DECAP_SERVER = cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js"


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, with the editor's npm packages installed (`./dev test` runs `npm ci` in cms/ first)."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: the browser editor cannot run")
    if not (cms.CMS_DIR / cms.BUNDLE / "decap-cms.js").is_file() or not DECAP_SERVER.is_file():
        pytest.skip("the editor's npm packages are not installed: run `npm ci --prefix cms` (./dev test does)")
    return path


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"decap-server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.fixture
def decap_server(node, seed_copy, tmp_path):
    """decap-server (file-system mode) on a free port, over a scratch repository holding the seed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    seed_copy.rename(repo / "content")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1", "MODE": "fs", "GIT_REPO_DIRECTORY": str(repo), "LOG_LEVEL": "warn"}
    log = (tmp_path / "decap-server.log").open("wb")
    process = subprocess.Popen([node, str(DECAP_SERVER)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield repo / "content", f"http://127.0.0.1:{port}/api/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the built site without logging every request."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".yml": "text/yaml", ".wasm": "application/wasm"}

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def site(decap_server, tmp_path):
    """The /admin/ editor written by `write_admin`, served on a free port."""
    content, backend_url = decap_server
    cms.write_admin(tmp_path / "site", repo="plus/store", local_backend=backend_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield content, f"http://127.0.0.1:{server.server_address[1]}/admin/"
    finally:
        server.shutdown()
        server.server_close()


def wait_for_change(path: Path, before: bytes, timeout: float = 20) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = path.read_bytes()
        if now != before:
            time.sleep(0.2)  # let the write finish
            return path.read_bytes()
        time.sleep(0.1)
    raise TimeoutError(f"{path.name} did not change")


def test_price_edited_in_the_browser_is_saved_and_still_validates(site, browser, today):
    content, url = site
    catalog = require_catalog(content, today=today)
    # The AUX vacuum of SEED-FACTS: compared with Sam's Club at 690.00.
    pid = next(pid for pid, p in catalog.products.items() if any(c.price == Decimal("690.00") for c in p.compare))
    path = content / "products" / f"{pid}.yaml"
    before = path.read_bytes()
    original = catalog.products[pid]
    new_price = original.price - 1

    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.get_by_role("button", name="登录").click()  # decap-server needs no password
        page.goto(f"{url}#/collections/products/entries/{pid}")
        price = page.locator("input[id^='price-field-']").first
        price.fill(f"{new_price}")
        page.locator("input[id^='spec-field-']").first.fill("")  # a cleared optional field
        page.get_by_role("button", name="发布").first.click()
        page.get_by_role("menuitem", name="立即发布").click()
        after = wait_for_change(path, before)
        assert errors == []
    finally:
        context.close()

    assert after != before
    result = load_catalog(content, today=today)
    assert result.errors == [], [p.as_text() for p in result.errors]
    saved = result.catalog.products[pid]
    assert saved.price == new_price
    assert saved.spec is None
    for name in ("title", "compare", "description", "images", "price_history"):
        assert getattr(saved, name) == getattr(original, name), name
