"""A shopper's whole journey through the real store in Chromium: search, compare, cart, sign up, pay."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

from playwright.sync_api import Page, expect

from catalog import require_catalog
from catalog.delivery import quote_delivery
from catalog.money import price_label
from tests.browser.conftest import MAILBOXES, screenshot
from tests.checkout.helpers import link_from_mailbox
from tests.conftest import SEED, TODAY

PASSWORD = "correct horse battery"


def two_vacuums_delivered(province: str) -> tuple[str, str]:
    """The delivery fee and the total of two vacuums to `province`, as the catalog prices them and shoppers read them."""
    seed = require_catalog(SEED, today=TODAY)
    vacuum = seed.products["aux-vacuum"]
    subtotal = vacuum.price * 2
    fee = quote_delivery(seed, [(vacuum, 2)], subtotal, province=province, member=False).fee
    return price_label(fee), price_label(subtotal + fee)


def search_and_open(page: Page, store: str, query: str, title_fragment: str) -> None:
    """Search from the header box, as a shopper types, and open the first matching result."""
    page.goto(store + "/")
    box = page.get_by_role("searchbox").first
    box.fill(query)
    box.press("Enter")
    result = page.get_by_role("link", name=re.compile(title_fragment)).first
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title_fragment)


def sign_up(page: Page, store: str) -> str:
    """Create an account through the sign-up form; returns its email."""
    email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(store + "/auth/signup")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码（至少10个字符）").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("请查收邮件")
    page.goto(store + link_from_mailbox(MAILBOXES[store], email))  # the link of the confirmation mail
    page.get_by_role("button", name="确认并登录").click()
    expect(page).to_have_url(re.compile(r"/account/"))
    return email


def fill_address(page: Page, **changes: str) -> None:
    """Type a delivery address on the address step, as a shopper on a phone does."""
    fields = {
        "收件人": "王小明",
        "手机号": "+86 139-1234-5678",
        "城市": "杭州市",
        "区县": "西湖区",
        "详细地址": "文三路 100 号 2 幢 301 室",
        **changes,
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("省份").select_option(changes.get("省份", "浙江省"))


def add_to_cart(page: Page, quantity: int) -> None:
    """Set the quantity on a product page and add it to the cart."""
    page.get_by_label("数量").fill(str(quantity))
    page.get_by_role("button", name="加入购物车").click()
    expect(page.get_by_role("status")).to_contain_text("已加入购物车")


def test_shopper_searches_compares_signs_up_pays_and_sees_the_order(phone: Page, store: str):
    search_and_open(phone, store, "吸尘器", "奥克斯家用大吸尘器")
    price_panel = phone.locator(".price-panel")
    expect(price_panel).to_contain_text("1折")
    expect(price_panel).to_contain_text("¥690")
    screenshot(phone, "journey-product-phone")
    add_to_cart(phone, 2)

    email = sign_up(phone, store)
    phone.goto(store + "/cart/")
    expect(phone.locator("[data-cart-lines]")).to_contain_text("奥克斯家用大吸尘器")
    expect(phone.locator("[data-cart-total]")).to_have_text("138")
    screenshot(phone, "journey-cart-phone")
    phone.get_by_role("button", name="去结算").click()

    # Our address step: the member saves the address; the bulky vacuum's delivery fee is shown.
    expect(phone.get_by_role("heading", level=1)).to_contain_text("收货地址")
    fill_address(phone)
    fee, _ = two_vacuums_delivered("浙江省")
    expect(phone.locator("[data-fee]")).to_have_text(fee, timeout=15_000)
    phone.get_by_role("button", name="去支付").click()

    # The local Stripe stand-in's hosted page: the server-side total with the fee, in TEST MODE.
    expect(phone.get_by_text("TEST MODE")).to_be_visible()
    expect(phone.locator("#total")).to_have_text("¥163")
    phone.get_by_role("button", name=re.compile("^支付")).click()

    expect(phone).to_have_url(re.compile(r"/checkout/success"))
    phone.goto(store + "/account/")
    order = phone.locator("main")
    for _ in range(20):  # the webhook is delivered asynchronously, as at Stripe
        if "奥克斯家用大吸尘器" in order.inner_text():
            break
        phone.wait_for_timeout(250)
        phone.reload()
    expect(order).to_contain_text("奥克斯家用大吸尘器")
    expect(order).to_contain_text("163")
    screenshot(phone, "journey-account-with-order-phone")

    # The operators see the same order, at the catalog price, in the admin API.
    request = urllib.request.Request(f"{store}/api/admin/orders?email={email}", headers={"Authorization": "Bearer browser-test-token"})
    orders = json.load(urllib.request.urlopen(request, timeout=10))["orders"]
    assert [(o["status"], o["amount_total"], o["delivery_fee"]) for o in orders] == [("paid", "163.00", "25.00")]
    assert orders[0]["shipping_address"]["mobile"] == "13912345678" and orders[0]["shipping_address"]["district"] == "西湖区"
    assert [(line["product"], line["quantity"]) for line in orders[0]["lines"]] == [("aux-vacuum", 2)]


def test_guest_is_refused_a_members_only_product_with_a_clear_message(phone: Page, store: str):
    search_and_open(phone, store, "凤爪", "凤爪")
    expect(phone.locator(".badges, .chips, .price-panel, .pd-info").first).to_contain_text("会员专享")
    add_to_cart(phone, 1)
    phone.goto(store + "/cart/")
    phone.get_by_role("button", name="去结算").click()
    expect(phone.get_by_role("alert")).to_contain_text("会员专享")
    expect(phone).to_have_url(re.compile(r"/cart/"))


def test_small_b_buyer_meets_the_minimum_order_and_the_tier_price(phone: Page, store: str):
    phone.goto(store + "/p/shenjiang-wireless-bra/")
    expect(phone.locator(".moq")).to_contain_text("5件起批")
    tiers = phone.locator("table.tiers")
    expect(tiers).to_contain_text("64")
    quantity = phone.get_by_label("数量")
    quantity.fill("3")
    phone.get_by_role("button", name="加入购物车").click()
    # the browser's own form validation stops it: nothing reaches the cart
    assert quantity.evaluate("input => input.validity.rangeUnderflow") is True
    assert quantity.evaluate("input => input.validationMessage") != ""
    assert phone.evaluate("() => localStorage.getItem('plus-cart')") is None

    add_to_cart(phone, 10)
    phone.goto(store + "/cart/")
    expect(phone.locator("[data-cart-total]")).to_have_text("640")
    phone.get_by_role("button", name="去结算").click()
    fill_address(phone)
    phone.get_by_role("button", name="去支付").click()
    expect(phone.get_by_text("TEST MODE")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("¥640")  # the server applied the tier, too


def test_the_server_refuses_a_quantity_below_the_minimum_order(phone: Page, store: str):
    phone.goto(store + "/")
    answer = phone.evaluate(
        """async () => {
            const r = await fetch('/api/checkout', {method: 'POST', headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({items: [{product: 'shenjiang-wireless-bra', quantity: 3, price: '0.01'}]})});
            return {status: r.status, body: await r.json()};
        }"""
    )
    assert answer["status"] == 422, answer
    assert answer["body"]["error"]["code"] == "below_moq"


def test_cart_survives_a_reload(phone: Page, store: str):
    phone.goto(store + "/p/auto-umbrella-24-rib/")
    expect(phone.locator(".price-panel")).to_contain_text("2折")
    add_to_cart(phone, 3)
    phone.reload()
    expect(phone.locator("[data-cart-count]").first).to_have_text("3")  # the badge counts units, not lines
    phone.goto(store + "/p/aux-vacuum/")
    add_to_cart(phone, 1)
    expect(phone.locator("[data-cart-count]").first).to_have_text("4")
    phone.goto(store + "/auth/login")  # the checkout's pages wear the site's header, badge included
    expect(phone.locator("[data-cart-count]")).to_have_text("4")
    expect(phone.get_by_role("link", name="PLUS会员店 首页")).to_have_attribute("href", "/")
    phone.goto(store + "/cart/")
    quantity = phone.locator("[data-cart-lines] input[type=number]")
    expect(quantity.first).to_have_value("3")


def test_member_prices_follow_the_login(phone: Page, store: str):
    """/api/me tells the static pages who is logged in (no membership yet: list prices)."""
    sign_up(phone, store)
    me = phone.evaluate("async () => (await fetch('/api/me')).json()")
    assert me["authenticated"] is True and me["member"] is False


def test_guest_on_a_phone_gives_an_address_sees_the_fee_pays_and_opens_the_order_from_the_mail(phone: Page, store: str, mailbox):
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    phone.goto(store + "/p/aux-vacuum/")
    add_to_cart(phone, 2)
    phone.goto(store + "/cart/")
    expect(phone.locator("[data-cart-total]")).to_have_text("138")
    phone.get_by_role("button", name="去结算").click()

    # The address step: a wrong mobile is refused in the shopper's words, what was typed stays.
    expect(phone.get_by_role("heading", level=1)).to_contain_text("收货地址")
    fill_address(phone, 手机号="12345")
    phone.get_by_role("button", name="去支付").click()
    expect(phone.get_by_role("alert")).to_contain_text("请填写11位中国大陆手机号")
    expect(phone.get_by_label("详细地址")).to_have_value("文三路 100 号 2 幢 301 室")
    phone.get_by_label("手机号", exact=True).fill("139 1234 5678")
    phone.get_by_label("省份").select_option("新疆维吾尔自治区")  # a remote region: the surcharge shows at once
    remote_fee, _ = two_vacuums_delivered("新疆维吾尔自治区")
    expect(phone.locator("[data-fee]")).to_have_text(remote_fee, timeout=15_000)  # one fetch; slow on a loaded machine
    phone.get_by_label("省份").select_option("浙江省")
    fee, total = two_vacuums_delivered("浙江省")
    expect(phone.locator("[data-fee]")).to_have_text(fee, timeout=15_000)
    expect(phone.locator("[data-total]")).to_have_text(total)
    screenshot(phone, "delivery-address-step-phone")
    phone.get_by_role("button", name="去支付").click()

    # Stripe's page (the stand-in) charges the same fee.
    expect(phone.get_by_text("TEST MODE")).to_be_visible()
    expect(phone.locator("#shipping")).to_have_text("¥25")
    expect(phone.locator("#total")).to_have_text("¥163")
    screenshot(phone, "delivery-pay-page-phone")
    phone.get_by_label("邮箱 Email").fill(email)
    phone.get_by_role("button", name=re.compile("^支付")).click()
    expect(phone).to_have_url(re.compile(r"/checkout/success"))
    expect(phone.locator("main")).not_to_contain_text("我的账户中")  # a guest has no account: the mail is where the order is

    # The confirmation mail reaches a real SMTP server, sent by plus serve's outbox worker.
    for _ in range(80):
        mails = [m for m in mailbox.messages if m["To"] == email]
        if mails:
            break
        phone.wait_for_timeout(250)
    assert len(mails) == 1, "no confirmation mail"
    body = mails[0].get_content()
    assert fee in body and total in body and "王小明" in body and "139****5678" in body
    link = re.search(r"查看订单：(\S+)", body).group(1)
    assert link.startswith(store + "/account/orders/PLUS") and "?t=" in link

    # The link opens the order for the guest: address, fee, timeline, how it was paid.
    phone.goto(link)
    main = phone.locator("main")
    expect(main).to_contain_text("浙江省杭州市西湖区文三路 100 号 2 幢 301 室")
    expect(main).to_contain_text("王小明 139****5678")  # masked as in the mail: the link may be forwarded
    expect(main).not_to_contain_text("13912345678")
    expect(main).to_contain_text(fee)
    expect(main).to_contain_text("已付款")
    expect(main).to_contain_text("银行卡")
    screenshot(phone, "order-page-from-mail-phone")


def admin_api(store: str, path: str, body: dict | None = None) -> dict:
    """The operators' admin API of the running store (GET, or POST with a JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer browser-test-token", "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(store + path, data=data, headers=headers), timeout=20) as answer:
        return json.load(answer)


def test_guest_cancels_retries_pays_returns_part_and_asks_for_an_invoice(phone: Page, store: str, mailbox):
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    phone.goto(store + "/p/beach-socks/")  # 10 pairs in stock
    add_to_cart(phone, 6)
    phone.goto(store + "/cart/")
    phone.get_by_role("button", name="去结算").click()
    fill_address(phone)
    phone.get_by_role("button", name="去支付").click()
    expect(phone.get_by_text("TEST MODE")).to_be_visible()

    # 取消 on the pay page: back to an intact cart, the 6 pairs no longer held.
    phone.get_by_role("button", name="取消").click()
    expect(phone).to_have_url(re.compile(r"/cart/"))
    expect(phone.locator("[data-cart-lines] input[type=number]")).to_have_value("6")
    phone.get_by_role("button", name="去结算").click()
    fill_address(phone)
    phone.get_by_role("button", name="去支付").click()  # 6 more of 10: refused if the first 6 were still held
    expect(phone.locator("#total")).to_contain_text("155.40")
    phone.get_by_label("邮箱 Email").fill(email)
    phone.get_by_role("button", name=re.compile("^支付")).click()
    expect(phone).to_have_url(re.compile(r"/checkout/success"))
    # the page refreshes itself until the payment is confirmed, then links to the order
    expect(phone.get_by_role("link", name="查看订单")).to_be_visible(timeout=20_000)

    link = None
    for _ in range(80):
        bodies = [m.get_content() for m in mailbox.messages if m["To"] == email]
        if bodies and (found := re.search(r"查看订单：(\S+)", bodies[0])):
            link = found.group(1)
            break
        phone.wait_for_timeout(250)
    assert link, "no confirmation mail"

    # The parcel leaves; then a return of 2 of the 6 pairs, from the order page the mail links to.
    shipped = admin_api(store, f"/api/admin/orders?email={email}")["orders"][0]
    admin_api(store, f"/api/admin/orders/{shipped['id']}/ship", {"carrier": "顺丰", "tracking": "SF1000000001"})
    phone.goto(link)
    phone.get_by_label(re.compile(r"黑科技沙滩袜.*可退 6 件")).fill("2")
    phone.get_by_label("退货原因").select_option("no_reason")
    phone.get_by_role("button", name="申请退货").click()
    expect(phone.get_by_role("status")).to_contain_text("退货申请")
    expect(phone.locator("#after-sale")).to_contain_text("待审核")
    screenshot(phone, "order-return-requested-phone")

    # The operator approves it: ¥51.80 goes back at Stripe, the buyer sees it.
    number = re.search(r"PLUS\d{8}", link).group(0)
    [waiting] = [r for r in admin_api(store, "/api/admin/returns?status=requested")["returns"] if r["order_number"] == number]
    approved = admin_api(store, f"/api/admin/returns/{waiting['id']}/approve", {"restock": True})
    assert (approved["status"], approved["amount"], approved["restocked"]) == ("refunded", "51.80", True)
    phone.reload()
    expect(phone.locator("#after-sale")).to_contain_text("已原路退款 ¥51.80")

    # A company invoice, its credit code checked.
    phone.get_by_label("企业", exact=True).check()
    phone.get_by_label(re.compile("^发票抬头")).fill("杭州某某科技有限公司")
    phone.get_by_label("统一社会信用代码（税号）").fill("91350100M000100Y40")
    phone.get_by_role("button", name="申请发票").click()
    expect(phone.get_by_role("alert")).to_contain_text("校验位不符")
    phone.get_by_label("统一社会信用代码（税号）").fill("91350100M000100Y43")
    phone.get_by_role("button", name="申请发票").click()
    expect(phone.locator("#invoice")).to_contain_text("待开具")
    expect(phone.locator("#invoice")).to_contain_text("杭州某某科技有限公司")
    screenshot(phone, "order-invoice-requested-phone")
    order = admin_api(store, f"/api/admin/orders?email={email}")["orders"][0]
    assert order["refunded_amount"] == "51.80" and order["invoice"]["tax_id"] == "91350100M000100Y43"
