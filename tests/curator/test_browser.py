"""The browser editor for real: Decap CMS in headless Chromium, saving through `plus cms-serve` to disk."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from admin.curator import cms
from admin.curator.cms_serve import make_server
from admin.curator.cms_store import ContentStore
from catalog import load_catalog, require_catalog
from tests.conftest import POLL

from .conftest import GitRepo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def bundle() -> None:
    """The editor's npm packages (`./dev test` runs `npm ci` in cms/ first)."""
    if not (cms.CMS_DIR / cms.BUNDLE / "decap-cms.js").is_file():
        pytest.skip("the editor's npm packages are not installed: run `npm ci --prefix cms` (./dev test does)")


@pytest.fixture
def editor(bundle, seed_copy, tmp_path, today):
    """`plus cms-serve` over a scratch git repository holding the seed: (repo, content, /admin/ url)."""
    root = tmp_path / "repo"
    root.mkdir()
    content = root / "content"
    seed_copy.rename(content)
    repo = GitRepo(root)
    repo.commit("seed")
    server = make_server(ContentStore(content, today=today), port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True)
    thread.start()
    try:
        yield repo, content, f"http://127.0.0.1:{server.server_address[1]}/admin/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser, editor):
    """A signed-in editor page; fails the test on any script error."""
    _, _, url = editor
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.get_by_role("button", name="登录").click()  # the local backend needs no password
    page.script_errors = errors
    yield page
    context.close()


def no_script_errors(page) -> None:
    """A save that succeeds leaves no error on the page (a refused one does: Decap rethrows it)."""
    assert page.script_errors == []


def wait_for(check, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            time.sleep(0.2)  # let the write finish
            return value
        time.sleep(0.1)
    raise TimeoutError("nothing changed")


def publish(page) -> None:
    page.get_by_role("button", name="发布").first.click()
    page.get_by_role("menuitem", name="立即发布").click()


def the_vacuum(content: Path, today) -> str:
    """The AUX vacuum of SEED-FACTS: compared with Sam's Club at 690.00."""
    catalog = require_catalog(content, today=today)
    return next(pid for pid, p in catalog.products.items() if any(c.price == Decimal("690.00") for c in p.compare))


def test_a_two_field_edit_is_a_two_line_diff(editor, page, today):
    repo, content, url = editor
    pid = the_vacuum(content, today)
    path = content / "products" / f"{pid}.yaml"
    before = path.read_bytes()

    page.goto(f"{url}#/collections/products/entries/{pid}")
    page.locator("input[id^='price-field-']").first.fill("68")
    page.locator("input[id^='spec-field-']").first.fill("卧式有线款")
    publish(page)
    wait_for(lambda: path.read_bytes() != before)
    no_script_errors(page)

    numstat = repo.run("diff", "--numstat", "--", f"content/products/{pid}.yaml")
    assert numstat.split()[:2] == ["2", "2"], repo.run("diff")
    diff = repo.run("diff", "-U0", "--", f"content/products/{pid}.yaml")
    assert "+price: 68.00" in diff and "+spec: 卧式有线款" in diff
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    result = load_catalog(content, today=today)
    assert result.errors == [], [p.as_text() for p in result.errors]
    assert result.catalog.products[pid].price == Decimal("68.00")


def test_a_cleared_optional_field_and_an_empty_optional_unit_save(editor, page, today):
    repo, content, url = editor
    pid = the_vacuum(content, today)
    path = content / "products" / f"{pid}.yaml"
    before = path.read_bytes()

    page.goto(f"{url}#/collections/products/entries/{pid}")
    page.locator("input[id^='spec-field-']").first.fill("")
    publish(page)
    wait_for(lambda: path.read_bytes() != before)
    no_script_errors(page)

    assert repo.run("diff", "--numstat").split()[:2] == ["0", "1"]
    saved = require_catalog(content, today=today).products[pid]
    assert saved.spec is None


def choose(page, field: str, typed: str) -> None:
    """Pick the first option a select or relation offers for what was typed."""
    box = page.locator(f"input[id^='{field}-field-']").last
    box.fill(typed)
    page.get_by_role("option").first.wait_for()
    box.press("Enter")


def test_a_new_product_is_created_in_the_form_under_the_id_asked_first(editor, page, today):
    repo, content, url = editor
    page.goto(f"{url}#/collections/products/new")
    page.locator("input[id^='id-field-']").fill("handheld-vacuum")
    page.locator("input[id^='title-field-']").fill("迷你手持吸尘器")
    choose(page, "category", "small")
    choose(page, "factory", "慈溪")
    choose(page, "sourcing", "same-craft")
    page.locator("input[id^='price-field-']").first.fill("59")
    page.locator("input[id^='quantity-field-']").first.fill("1")  # the unit is required on both sides
    choose(page, "measure", "piece")
    page.get_by_role("button", name="新增对比参照 · compare").click()
    choose(page, "retailer", "sams")
    page.locator("input[id^='name-field-']").last.fill("手持吸尘器（山姆款）")
    page.locator("input[id^='price-field-']").last.fill("199")
    page.locator("input[id^='quantity-field-']").last.fill("1")
    choose(page, "measure", "piece")
    page.locator("input[id^='observed_on-field-']").last.fill("2026-11-20")
    page.locator("input[id^='source-field-']").last.fill("山姆App 截图")
    page.get_by_role("button", name="新增商品图片 · images").click()
    page.get_by_role("button", name="选择图片").click()
    page.get_by_text("aux-vacuum.png", exact=True).click()
    page.get_by_role("button", name="选用已选中项目").click()
    page.locator("input[id^='alt-field-']").last.fill("手持吸尘器插画")
    page.locator("input[id^='added_on-field-']").fill("2026-11-20")
    publish(page)
    target = content / "products" / "handheld-vacuum.yaml"
    wait_for(target.exists)
    no_script_errors(page)

    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/product.schema.json\n")
    assert "price: 59.00\n" in text and "price: 199.00\n" in text and "id:" not in text
    product = require_catalog(content, today=today).products["handheld-vacuum"]
    assert product.factory == "cixi-jieyu-appliance" and product.compare[0].price == Decimal("199.00")


def test_renaming_a_product_moves_its_file_unchanged(editor, page, today):
    repo, content, url = editor
    pid = the_vacuum(content, today)
    old = content / "products" / f"{pid}.yaml"
    source = old.read_text(encoding="utf-8")

    page.goto(f"{url}#/collections/products/entries/{pid}")
    page.locator("input[id^='id-field-']").first.fill("aux-vacuum-classic")
    publish(page)
    target = content / "products" / "aux-vacuum-classic.yaml"
    wait_for(target.exists)
    no_script_errors(page)

    assert not old.exists()
    assert target.read_text(encoding="utf-8") == source  # the id is the file name, not a key in it
    page.wait_for_url("**/entries/aux-vacuum-classic")  # the page follows the file to its new name
    page.locator("input[id^='spec-field-']").first.fill("卧式有线款")
    publish(page)
    wait_for(lambda: "卧式有线款\n" in target.read_text(encoding="utf-8"))
    catalog = require_catalog(content, today=today)
    assert "aux-vacuum-classic" in catalog.products and pid not in catalog.products


def new_factory(page, url: str, fid: str) -> None:
    page.goto(f"{url}#/collections/factories/new")
    page.locator("input[id^='id-field-']").fill(fid)
    page.locator("input[id^='name-field-']").fill("宁波示例电器厂")
    page.locator("input[id^='region-field-']").fill("浙江省宁波市")
    page.locator("input[id^='audited_on-field-']").fill("2026-11-20")
    for check in ("qualification", "oem_contract", "supply_chain", "production_line"):
        page.locator(f"button[id^='{check}-field-']").click()
    publish(page)


def test_a_new_factory_is_created_under_the_id_asked_first(editor, page, today):
    repo, content, url = editor
    target = content / "factories" / "ningbo-demo-appliance.yaml"
    new_factory(page, url, "ningbo-demo-appliance")
    wait_for(target.exists)
    no_script_errors(page)

    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/factory.schema.json\n")
    assert "id:" not in text
    factory = require_catalog(content, today=today).factories["ningbo-demo-appliance"]
    assert factory.name == "宁波示例电器厂" and factory.verification.complete


def refused(page, repo: GitRepo, words: str) -> None:
    """The editor shows the backend's zh-CN refusal and nothing in the work tree changed."""
    page.get_by_text(words).first.wait_for(timeout=20_000)
    time.sleep(0.5)  # a write after the refusal would show up now
    assert repo.run("status", "--porcelain") == ""


def test_an_id_spelling_an_nda_brand_is_refused(editor, page):
    repo, content, url = editor
    new_factory(page, url, "miniso-towel-works")  # MINISO is under NDA in the seed
    refused(page, repo, "含有保密品牌")


def test_an_nda_brand_in_a_title_is_refused(editor, page, today):
    repo, content, url = editor
    pid = the_vacuum(content, today)
    page.goto(f"{url}#/collections/products/entries/{pid}")
    page.locator("input[id^='title-field-']").first.fill("名创优品同厂吸尘器")
    publish(page)
    refused(page, repo, "没有保存")


def test_a_price_with_three_decimals_is_refused(editor, page, today):
    repo, content, url = editor
    pid = the_vacuum(content, today)
    page.goto(f"{url}#/collections/products/entries/{pid}")
    page.locator("input[id^='price-field-']").first.fill("99.999")
    publish(page)
    refused(page, repo, "没有保存")


def test_a_file_that_is_not_a_picture_is_refused(editor, page, tmp_path, today):
    repo, content, url = editor
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"GIF89a" + b"\0" * 64)  # a GIF named .png
    page.get_by_role("link", name="媒体").or_(page.get_by_role("button", name="媒体")).first.click()
    page.locator("input[type=file]").set_input_files(str(fake))
    refused(page, repo, "不是 PNG、JPEG 或 WebP")


def test_a_category_is_added_in_the_index_form(editor, page, today):
    repo, content, url = editor
    page.goto(f"{url}#/collections/settings/entries/categories")
    page.get_by_role("button", name="新增品类").click()
    page.locator("input[id^='id-field-']").last.fill("pet-supplies")
    page.locator("input[id^='zh-field-']").last.fill("宠物用品")
    page.locator("input[id^='en-field-']").last.fill("Pet supplies")
    publish(page)
    path = content / "categories.yaml"
    wait_for(lambda: "pet-supplies" in path.read_text(encoding="utf-8"))
    no_script_errors(page)

    diff = repo.run("diff", "-U0", "--", "content/categories.yaml")
    assert [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")] == []
    assert require_catalog(content, today=today).categories["pet-supplies"].zh == "宠物用品"


def test_a_setting_is_changed_on_its_own_line_with_its_comment(editor, page, today):
    repo, content, url = editor
    path = content / "settings.yaml"
    before = path.read_bytes()
    page.goto(f"{url}#/collections/settings/entries/settings")
    page.locator("input[id^='compare_max_age_days-field-']").fill("120")
    publish(page)
    wait_for(lambda: path.read_bytes() != before)
    no_script_errors(page)

    diff = repo.run("diff", "-U0", "--", "content/settings.yaml")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-compare_max_age_days: 180  # 对比价多少天后过期", "+compare_max_age_days: 120  # 对比价多少天后过期"]
    assert require_catalog(content, today=today).settings.compare_max_age_days == 120
