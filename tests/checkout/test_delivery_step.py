"""The address step between the cart and Stripe: the address is asked, the fee computed and charged, the order keeps both."""

from __future__ import annotations

from decimal import Decimal

import requests
from sqlalchemy import select

from catalog import require_catalog
from catalog.money import price_label, yuan
from catalog.pricing import to_fen
from checkout.db import get_database
from checkout.delivery import delivery_fee
from checkout.models import CheckoutSession, SavedAddress

from .helpers import ADDRESS, ADMIN_TOKEN, buy, csrf_token, flush, pay, sign_up, spreadsheet
from .test_cancel import cancel_on_pay_page
from .test_shop import stripe_session

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def start(client, items=None) -> str:
    """Start a checkout without an address, as the cart does; returns the address step's path."""
    response = buy(client, items or [{"product": "aux-vacuum", "quantity": 2}], address=None)
    assert response.status_code == 201 and response.get_json()["next"] == "address", response.get_json()
    return response.get_json()["url"].removeprefix("http://shop.test")


def submit(client, step: str, data: dict):
    page = client.get(step)
    return client.post(step, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def expected_fee(app, shop_content, today, items, province="浙江省", member=False):
    catalog = require_catalog(shop_content.root, today=today)
    lines = [{"product": p, "quantity": q, "unit_price": str(catalog.products[p].price)} for p, q in items]
    return delivery_fee(catalog, lines, province=province, member=member)


def checkout_of(app, checkout_id: str) -> CheckoutSession:
    with get_database(app).sessions() as db:
        return db.get(CheckoutSession, checkout_id)


def test_a_guest_gives_the_address_sees_the_fee_and_pays_it(live, client, shop_content, today):
    step = start(client)
    page = client.get(step)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    fee = expected_fee(live.app, shop_content, today, [("aux-vacuum", 2)])
    vacuum = require_catalog(shop_content.root, today=today).products["aux-vacuum"].price
    assert "奥克斯家用大吸尘器 × 2" in html and "选择省份后显示" in html
    assert f"{price_label(vacuum)}</span>" in html and f"¥<span data-subtotal>{yuan(vacuum * 2)}</span>" in html  # catalog/money.py's rule
    # the live fee the page's script asks for
    quoted = client.get(
        step.replace("/checkout/", "/api/checkout/").replace("/delivery", "/delivery-fee"), query_string={"province": "浙江"}
    )
    assert quoted.get_json() == {
        "province": "浙江省",
        "served": True,
        "fee": str(fee.fee),
        "message": fee.message,
        "subtotal": "138.00",
        "total": str(Decimal("138.00") + fee.fee),
    }
    answer = submit(client, step, ADDRESS)
    assert answer.status_code == 303
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    session = stripe_session(live.app, session_id)
    assert session["shipping_cost"]["amount_total"] == to_fen(fee.fee)
    assert session["amount_total"] == to_fen(Decimal("138.00") + fee.fee)
    assert "浙江省" not in requests.get(answer.headers["Location"], timeout=5).text  # Stripe gets no address, only the fee
    assert pay(live.standin, session_id, email="guest@example.com").status_code == 303
    flush(live.standin)
    [order] = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"]
    assert order["delivery_fee"] == str(fee.fee) and order["amount_total"] == str(Decimal("138.00") + fee.fee)
    assert order["shipping_address"] == {
        "name": "张三",
        "mobile": "13800138000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路 100 号 2 幢 301 室",
        "postcode": None,
    }
    exported = spreadsheet(client.get("/api/admin/orders?format=csv", headers=AUTH).get_data(as_text=True))
    assert exported[0]["收货人"] == "张三" and exported[0]["手机"] == '="13800138000"' and exported[0]["区县"] == "西湖区"


def test_a_refused_address_is_shown_on_the_form_and_changes_nothing(app, client):
    step = start(client)
    checkout_id = step.split("/")[2]
    answer = submit(client, step, {**ADDRESS, "mobile": "555-1234"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "请填写11位中国大陆手机号" in html and 'aria-invalid="true"' in html and "张三" in html  # what was typed stays
    record = checkout_of(app, checkout_id)
    assert record.delivery is None and record.stripe_session_id is None and record.status == "pending"


def test_a_double_submit_opens_one_stripe_session_and_the_address_cannot_change_after(live, client):
    step = start(client)
    first = submit(client, step, ADDRESS)
    again = submit(client, step, ADDRESS)
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    moved = submit(client, step, {**ADDRESS, "city": "宁波市", "district": "鄞州区"})
    assert moved.status_code == 409 and "不能再改" in moved.get_data(as_text=True)
    assert checkout_of(live.app, step.split("/")[2]).delivery["city"] == "杭州市"


def test_another_browser_cannot_see_a_members_address_step(app, client):
    sign_up(client, "member@example.com")
    step = start(client)
    assert app.test_client().get(step).status_code == 404
    assert client.get("/checkout/not-a-checkout/delivery").status_code == 404


def test_a_member_saves_the_address_then_picks_it_next_time(live, client):
    sign_up(client, "member@example.com")
    first = submit(client, start(client), {**ADDRESS, "remember": "1"})
    assert first.status_code == 303
    with get_database(live.app).sessions() as db:
        [entry] = db.scalars(select(SavedAddress)).all()
        assert entry.is_default and entry.mobile == "13800138000"
    step = start(client)
    html = client.get(step).get_data(as_text=True)
    assert "138****8000" in html and f'value="{entry.id}" data-province-of="浙江省"' in html
    assert "checked" in html.split(f'value="{entry.id}"')[1].split(">")[0]
    picked = submit(client, step, {"saved": str(entry.id)})
    assert picked.status_code == 303
    assert checkout_of(live.app, step.split("/")[2]).delivery["name"] == "张三"
    # someone else's saved address id is refused
    other = live.app.test_client()
    sign_up(other, "other@example.com")
    refused = submit(other, start(other), {"saved": str(entry.id)})
    assert refused.status_code == 400 and "请选择地址簿中的地址" in refused.get_data(as_text=True)


def test_an_expired_checkout_says_so_on_the_address_step(app, client):
    step = start(client)
    token = csrf_token(client.get(step).get_data(as_text=True))
    with get_database(app).transaction() as db:
        db.get(CheckoutSession, step.split("/")[2]).status = "expired"
    assert client.get(step).status_code == 410
    answer = client.post(step, data={**ADDRESS, "csrf_token": token})
    assert answer.status_code == 410 and "这笔结算已结束" in answer.get_data(as_text=True)


def test_the_json_api_can_skip_the_address_step(app, client):
    answer = buy(client, [{"product": "aux-vacuum", "quantity": 1}])
    assert answer.status_code == 201 and answer.get_json()["next"] == "pay" and "delivery_fee" in answer.get_json()
    session = stripe_session(app, answer.get_json()["id"])
    assert session["amount_total"] == 6900 + to_fen(Decimal(answer.get_json()["delivery_fee"]))


def test_a_region_not_served_is_refused_before_anything_is_stored(app, client):
    hong_kong = {**ADDRESS, "province": "香港", "city": "香港", "district": "中西区", "address": "皇后大道中 1 号"}
    refused = buy(client, [{"product": "aux-vacuum", "quantity": 1}], address=hong_kong)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "region_not_served"
    assert "香港特别行政区 暂不配送" in refused.get_json()["error"]["message"]
    step = start(client)
    on_form = submit(client, step, hong_kong)
    assert on_form.status_code == 400 and "香港特别行政区 暂不配送" in on_form.get_data(as_text=True)
    assert checkout_of(app, step.split("/")[2]).delivery is None


def test_the_fee_follows_the_province_the_order_and_the_member(app, client):
    """The fixture store: normal delivery ¥8, free from ¥99 and for PLUS members; Xinjiang +¥15 even when free."""
    one = [{"product": "aux-vacuum", "quantity": 1}]
    assert buy(client, one).get_json()["delivery_fee"] == "8.00"
    assert buy(client, one, address={**ADDRESS, "province": "新疆"}).get_json()["delivery_fee"] == "23.00"
    assert buy(client, [{"product": "aux-vacuum", "quantity": 2}]).get_json()["delivery_fee"] == "0.00"
    from .test_shop import make_member

    sign_up(client, "plus@example.com")
    make_member(app, "plus@example.com")
    assert buy(client, one).get_json()["delivery_fee"] == "0.00"
    assert buy(client, one, address={**ADDRESS, "province": "新疆维吾尔自治区"}).get_json()["delivery_fee"] == "15.00"


def test_back_from_the_pay_page_the_confirmed_address_is_filled_in(live, client):
    step = start(client)
    submit(client, step, {**ADDRESS, "postcode": "310012"})
    html = client.get(step).get_data(as_text=True)
    assert 'value="文三路 100 号 2 幢 301 室"' in html and 'value="310012"' in html and 'value="浙江省" selected' in html


def test_retrying_after_cancelling_on_the_pay_page_keeps_the_guests_address(live, client):
    first = start(client)
    paying = submit(client, first, {**ADDRESS, "postcode": "310012"})
    assert paying.status_code in (302, 303), paying.get_data(as_text=True)
    stripe_id = checkout_of(live.app, first.split("/")[2]).stripe_session_id
    cancel_on_pay_page(live.standin, client, stripe_id)
    retry = start(client)
    assert retry != first
    html = client.get(retry).get_data(as_text=True)
    for value in (ADDRESS["name"], "13800138000", ADDRESS["address"], "310012"):  # the mobile as the step stored it
        assert f'value="{value}"' in html, value
    assert 'value="浙江省" selected' in html
    elsewhere = live.app.test_client()  # another browser starts with an empty form
    assert ADDRESS["name"] not in elsewhere.get(start(elsewhere)).get_data(as_text=True)


def test_each_line_shows_its_quantity_times_its_unit_price_as_the_server_priced_it(client, shop_content, today):
    step = start(client, [{"product": "umbrella", "quantity": 3}, {"product": "aux-vacuum", "quantity": 1}])
    html = client.get(step).get_data(as_text=True)
    catalog = require_catalog(shop_content.root, today=today)
    umbrella, vacuum = catalog.products["umbrella"].price, catalog.products["aux-vacuum"].price
    assert f'24骨全自动雨伞 × 3 <span class="pc-price">{price_label(umbrella)}</span>' in html
    assert f"小计 {price_label(umbrella * 3)}</span>" in html and price_label(umbrella * 3) == "¥25.65"
    assert f"小计 {price_label(vacuum)}</span>" in html
    assert f"¥<span data-subtotal>{yuan(umbrella * 3 + vacuum)}</span>" in html
