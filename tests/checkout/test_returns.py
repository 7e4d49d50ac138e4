"""Returns: a buyer asks from the order page, the operator approves (a partial refund at Stripe, once) or refuses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from admin.cli import cli
from catalog.money import price_label
from checkout import links
from checkout.db import get_database
from checkout.models import Order, ReturnRequest, StockCounter
from checkout.stripe_api import as_dict

from .helpers import ADMIN_TOKEN, UMBRELLA, buy, csrf_token, flush, other_shopper, outbox, pay, sign_up, spreadsheet, wait_for
from .test_charges import order_of, reread, stripe_client
from .test_commands import env  # noqa: F401 - the fixture pointing `plus` at the test app

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
APRICOT = UMBRELLA.replace("title: 24骨全自动雨伞", "title: 杏干").replace("category: home", "category: food").replace("stock: 10\n", "")


def paid_order(live, client, items: list[dict]) -> Order:
    """A guest's order paid by card at the stand-in, its events delivered."""
    session_id = buy(client, items).get_json()["id"]
    pay(live.standin, session_id)
    flush(live.standin)
    return wait_for(lambda: order_of(live.app, session_id))


def order_page(app, order: Order) -> str:
    """The order's signed guest link, as the confirmation mail gives it."""
    with app.app_context():
        return f"/account/orders/{order.number}?t=" + links.order_token(order.id, order.email)


def ask_return(client, order: Order, quantities: dict[str, int], reason: str = "no_reason", note: str = ""):
    """Fill in the return form of the order page and send it."""
    page = order_page(client.application, order)
    html = client.get(page).get_data(as_text=True)
    lines = {line.product_id: line.id for line in order.lines}
    form = {f"qty-{lines[product]}": str(quantity) for product, quantity in quantities.items()}
    action = page.replace(f"/{order.number}?", f"/{order.number}/return?")
    return client.post(action, data={**form, "reason": reason, "note": note, "csrf_token": csrf_token(html)})


def returns_of(app, order: Order) -> list[ReturnRequest]:
    with get_database(app).sessions() as db:
        return list(db.scalars(select(ReturnRequest).where(ReturnRequest.order_id == order.id).order_by(ReturnRequest.id)))


def refunds_at_stripe(app, order: Order) -> list[dict]:
    listed = stripe_client(app).v1.refunds.list({"payment_intent": order.stripe_payment_intent})
    return [as_dict(refund) for refund in listed.auto_paging_iter()]


def committed(app, product: str) -> int:
    with get_database(app).sessions() as db:
        return db.scalar(select(StockCounter.committed).where(StockCounter.product_id == product)) or 0


@pytest.fixture
def order(live, client) -> Order:
    """Three umbrellas (¥8.55 each, 10 in stock) and a vacuum (¥69.00), paid."""
    return paid_order(live, client, [{"product": "umbrella", "quantity": 3}, {"product": "aux-vacuum", "quantity": 1}])


def test_an_approved_return_refunds_exactly_its_lines_once_and_restocks(live, client, order):
    assert committed(live.app, "umbrella") == 3
    asked = ask_return(client, order, {"umbrella": 2}, note="颜色不喜欢")
    assert asked.status_code == 302, asked.get_data(as_text=True)
    [request] = returns_of(live.app, order)
    assert request.status == "requested" and str(request.amount) == "17.10"
    assert "¥17.10" in outbox(live.app, "return_requested")[0].body
    approved = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={"restock": True})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "refunded" and approved.get_json()["restocked"] is True
    again = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={"restock": True})
    assert again.status_code == 200 and again.get_json()["stripe_refund_id"] == approved.get_json()["stripe_refund_id"]
    flush(live.standin)  # Stripe's charge.refunded of the same refund arrives: nothing counted twice
    [refund] = refunds_at_stripe(live.app, order)
    assert refund["amount"] == 1710
    after = reread(live.app, order)
    assert str(after.refunded_amount) == "17.10" and after.status == "paid"
    assert committed(live.app, "umbrella") == 1
    mails = outbox(live.app, "return_approved")
    assert len(mails) == 1 and "¥17.10" in mails[0].subject
    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    assert "已退款" in page and "¥17.10" in page


def test_more_than_bought_minus_asked_for_is_refused(live, client, order):
    assert ask_return(client, order, {"umbrella": 2}).status_code == 302
    refused = ask_return(client, order, {"umbrella": 2})
    assert refused.status_code == 409
    assert "最多还能退 1 件（购买 3 件，已申请退 2 件）" in refused.get_data(as_text=True)
    assert ask_return(client, order, {"umbrella": 1, "aux-vacuum": 1}).status_code == 302
    nothing = ask_return(client, order, {"umbrella": 0})
    assert nothing.status_code == 400 and "请至少为一件商品填写退货数量" in nothing.get_data(as_text=True)


def ship(client, order: Order) -> None:
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF1"})
    assert shipped.status_code == 200, shipped.get_json()


def test_an_excluded_category_is_refused_without_reason_but_not_for_quality(live, client, shop_content):
    shop_content.product("apricot", APRICOT)
    bought = paid_order(live, client, [{"product": "apricot", "quantity": 2}])
    ship(client, bought)
    refused = ask_return(client, bought, {"apricot": 1})
    assert refused.status_code == 409
    assert "「杏干」不支持七天无理由退货：食品拆封后不退换" in refused.get_data(as_text=True)
    assert returns_of(live.app, bought) == []
    assert ask_return(client, bought, {"apricot": 1}, reason="quality", note="袋子破了").status_code == 302


def test_the_window_closes_days_after_shipping(live, client, order):
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF1"})
    assert shipped.status_code == 200
    with get_database(live.app).transaction() as db:  # shipped 11 days ago: 7 days + 5 in transit is still open
        db.execute(update(Order).where(Order.id == order.id).values(shipped_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=11)))
    assert ask_return(client, order, {"umbrella": 1}).status_code == 302
    with get_database(live.app).transaction() as db:
        db.execute(update(Order).where(Order.id == order.id).values(shipped_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=13)))
    late = ask_return(client, order, {"umbrella": 1})
    assert late.status_code == 409 and "已过退货期限" in late.get_data(as_text=True)
    assert "申请退货</button>" not in client.get(order_page(live.app, order)).get_data(as_text=True)


def test_a_refusal_is_mailed_with_its_reason_and_gives_the_units_back(live, client, order):
    ask_return(client, order, {"umbrella": 3})
    [request] = returns_of(live.app, order)
    assert client.post(f"/api/admin/returns/{request.id}/refuse", headers=AUTH, json={}).status_code == 400
    refused = client.post(f"/api/admin/returns/{request.id}/refuse", headers=AUTH, json={"reason": "商品已使用，影响二次销售"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    assert "商品已使用，影响二次销售" in outbox(live.app, "return_refused")[0].body
    approve = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH)
    assert approve.status_code == 409 and refunds_at_stripe(live.app, order) == []
    assert ask_return(client, order, {"umbrella": 3}).status_code == 302


@pytest.mark.parametrize("stripe_refunded", [True, False], ids=["after-stripe", "before-stripe"])
def test_an_interrupted_approval_is_completed_by_approving_again_with_one_refund(live, client, order, stripe_refunded):
    ask_return(client, order, {"aux-vacuum": 1})
    [request] = returns_of(live.app, order)
    # The state a crash leaves: the intent recorded, the result never recorded; the refund made at
    # Stripe (its idempotency key long expired) or not made yet.
    with get_database(live.app).transaction() as db:
        db.execute(update(ReturnRequest).where(ReturnRequest.id == request.id).values(status="refunding"))
    if stripe_refunded:
        stripe_client(live.app).v1.refunds.create(
            {"payment_intent": order.stripe_payment_intent, "amount": 6900, "metadata": {"plus_return": str(request.id)}}
        )
    done = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH)
    assert done.status_code == 200 and done.get_json()["status"] == "refunded"
    assert [refund["amount"] for refund in refunds_at_stripe(live.app, order)] == [6900]
    flush(live.standin)
    assert str(reread(live.app, order).refunded_amount) == "69.00"


def test_a_return_larger_than_what_is_left_to_refund_waits(live, client, order):
    ask_return(client, order, {"aux-vacuum": 1})
    [request] = returns_of(live.app, order)
    stripe_client(live.app).v1.refunds.create({"payment_intent": order.stripe_payment_intent, "amount": 9000})  # at the Dashboard
    flush(live.standin)
    refused = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "exceeds_refundable"
    assert returns_of(live.app, order)[0].status == "requested"


def test_returns_are_listed_as_json_and_csv_and_on_the_order(live, client, order):
    ask_return(client, order, {"umbrella": 1}, note="=SUM(A1)")
    listed = client.get("/api/admin/returns", headers=AUTH, query_string={"status": "requested"}).get_json()
    assert listed["total"] == 1 and listed["returns"][0]["order_number"] == order.number
    exported = client.get("/api/admin/returns", headers=AUTH, query_string={"format": "csv"})
    [row] = spreadsheet(exported.get_data(as_text=True))
    assert row["退款金额（元）"] == "8.55" and row["商品"] == "24骨全自动雨伞 × 1（¥8.55）" and row["买家说明"] == "'=SUM(A1)"
    shown = client.get(f"/api/admin/orders/{order.id}", headers=AUTH).get_json()
    assert shown["returns"][0]["status"] == "requested" and shown["refunded_amount"] == "0.00" and shown["dispute_status"] is None
    assert client.get("/api/admin/returns", headers=AUTH, query_string={"status": "lost"}).status_code == 400


def test_the_operator_runs_a_return_from_the_command_line(live, client, order, env):  # noqa: F811
    ask_return(client, order, {"umbrella": 2})
    [request] = returns_of(live.app, order)
    listed = CliRunner().invoke(cli, ["--lang", "en", "orders", "returns", "list", "--status", "requested"], catch_exceptions=False)
    assert request.number in listed.output and "requested  ¥17.10  no_reason" in listed.output  # ¥ next to the amount
    approved = CliRunner().invoke(
        cli, ["--lang", "en", "orders", "returns", "approve", request.number, "--restock"], catch_exceptions=False
    )
    assert approved.exit_code == 0, approved.output
    assert "refunded ¥17.10" in approved.output and "restocked" in approved.output
    assert committed(live.app, "umbrella") == 1
    assert [refund["amount"] for refund in refunds_at_stripe(live.app, order)] == [1710]
    listed = CliRunner().invoke(cli, ["--lang", "en", "orders", "list"], catch_exceptions=False)
    assert f"↩ {request.number} refunded ¥17.10: 24骨全自动雨伞 × 2" in listed.output


def test_stripe_refusing_the_refund_leaves_the_return_waiting(live, client, order):
    ask_return(client, order, {"umbrella": 1})
    [request] = returns_of(live.app, order)
    with get_database(live.app).transaction() as db:  # a payment Stripe does not know
        db.execute(update(Order).where(Order.id == order.id).values(stripe_payment_intent="pi_unknown"))
    refused = client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH)
    assert refused.status_code == 502 and refused.get_json()["error"]["code"] == "refund_refused"
    assert returns_of(live.app, order)[0].status == "requested"


def test_only_the_buyer_can_ask_and_a_member_asks_logged_in(live, client):
    sign_up(client, "member@example.com")
    bought = paid_order(live, client, [{"product": "umbrella", "quantity": 2}])
    page = client.get(f"/account/orders/{bought.number}").get_data(as_text=True)
    assert 'id="return-form"' in page and 'id="invoice-form"' in page
    line = bought.lines[0].id
    form = {f"qty-{line}": "1", "reason": "no_reason", "csrf_token": csrf_token(page)}
    stranger = other_shopper(live.app)
    stranger_page = stranger.get("/auth/login").get_data(as_text=True)
    for path in (f"/account/orders/{bought.number}/return", f"/account/orders/{bought.number}/return?t=forged"):
        answer = stranger.post(path, data={**form, "csrf_token": csrf_token(stranger_page)})
        assert answer.status_code == 404
    assert returns_of(live.app, bought) == []
    asked = client.post(f"/account/orders/{bought.number}/return", data=form)
    assert asked.status_code == 302 and asked.headers["Location"].endswith(f"/account/orders/{bought.number}#after-sale")
    assert "待审核" in client.get(f"/account/orders/{bought.number}").get_data(as_text=True)


def test_an_order_returned_in_full_before_shipping_does_not_ship(live, client):
    order = paid_order(live, client, [{"product": "umbrella", "quantity": 2}])
    assert ask_return(client, order, {"umbrella": 2}).status_code == 302
    [request] = returns_of(live.app, order)
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF1"})
    assert shipped.status_code == 409 and shipped.get_json()["error"]["code"] == "nothing_to_ship", shipped.get_json()


def test_an_order_returned_in_part_before_shipping_ships_the_rest_and_its_mail_lists_what_goes_out(live, client, order):
    assert ask_return(client, order, {"umbrella": 1}).status_code == 302
    [request] = returns_of(live.app, order)
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF1"})
    assert shipped.status_code == 200, shipped.get_json()
    [mail] = outbox(live.app, "order_shipped")
    sent, cancelled = mail.body.split("本次发出：")[1].split("已取消、不发货（已退款 ¥8.55）：")
    assert "24骨全自动雨伞 × 2" in sent and "× 1" in sent  # two of three umbrellas and the vacuum go out
    assert cancelled.split("下单时的订单：")[0].strip() == "· 24骨全自动雨伞 × 1"


def timeline_of(html: str) -> list[str]:
    """The order page's progress steps, as the buyer reads them (tags dropped), in page order."""
    steps = html.split('<ol class="pc-timeline">')[1].split("</ol>")[0].split("<li>")[1:]
    return [" ".join(re.sub("<[^>]+>", " ", step).split()) for step in steps]


def test_the_timeline_shows_a_cancellation_when_it_was_refunded_before_the_shipping(live, client, order):
    assert ask_return(client, order, {"umbrella": 1}).status_code == 302
    [request] = returns_of(live.app, order)
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    ship(client, order)
    steps = timeline_of(client.get(order_page(live.app, order)).get_data(as_text=True))
    assert [step.split()[0] for step in steps] == ["下单", "已付款", "取消退款", "已发货"], steps
    assert re.search(r"取消退款 \d{4}-\d\d-\d\d \d\d:\d\d · 售后单 TH\d{8} 已原路退回 ¥8.55", steps[2]), steps
    assert not any("部分退款" in step for step in steps)  # the refund is said once, with its time


def test_a_shipped_mail_without_cancellations_lists_the_order_once(live, client, order):
    ship(client, order)
    [mail] = outbox(live.app, "order_shipped")
    assert "本次发出" not in mail.body and "24骨全自动雨伞 × 3" in mail.body


def test_before_shipping_a_return_is_a_cancellation_with_nothing_to_send_back(live, client, order):
    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    assert "未发货，可申请取消部分商品并退款" in page and "签收后" not in page and "申请取消并退款</button>" in page
    assert ask_return(client, order, {"umbrella": 1}).status_code == 302
    [request] = returns_of(live.app, order)
    [asked] = outbox(live.app, "return_requested")
    assert "取消申请" in asked.subject and "寄回地址" not in asked.body and "不再发出" in asked.body
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    [approved] = outbox(live.app, "return_approved")
    assert approved.subject.startswith("取消") and "不再发出" in approved.body and "退货" not in approved.subject


def test_after_shipping_a_return_is_sent_back_within_the_stores_days(live, client, order):
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF1"})
    assert shipped.status_code == 200
    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    assert "签收后 7 天内可申请七天无理由退货" in page and "未发货" not in page and "申请退货</button>" in page
    assert ask_return(client, order, {"umbrella": 1}).status_code == 302
    [asked] = outbox(live.app, "return_requested")
    assert asked.subject.startswith("退货申请") and "寄回地址" in asked.body


def test_a_partial_refund_shows_in_the_members_order_list_and_the_operators(live, client, env):  # noqa: F811
    sign_up(client, "member@example.com")
    bought = paid_order(live, client, [{"product": "umbrella", "quantity": 2}])
    page = client.get(f"/account/orders/{bought.number}").get_data(as_text=True)
    line = bought.lines[0].id
    assert (
        client.post(
            f"/account/orders/{bought.number}/return", data={f"qty-{line}": "1", "reason": "no_reason", "csrf_token": csrf_token(page)}
        ).status_code
        == 302
    )
    [request] = returns_of(live.app, bought)
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    after = reread(live.app, bought)
    assert after.status == "paid" and 0 < after.refunded_amount < after.amount_total
    listing = client.get("/account/").get_data(as_text=True)
    assert f"已付款 · 部分退款 {price_label(after.refunded_amount)}" in listing
    refunded = price_label(after.refunded_amount, exact=True)
    for lang, status, partly in (("zh", "已付款", f"    部分退款 {refunded}"), ("en", "paid", f"    partly refunded {refunded}")):
        table = CliRunner().invoke(cli, ["--lang", lang, "orders", "list"], catch_exceptions=False).output.splitlines()
        row = next(i for i, line in enumerate(table) if line.startswith(bought.number))
        assert table[row].split()[3] == status and table[row + 3] == partly, table  # under its items and its address


def test_before_shipping_an_excluded_category_is_cancelled_without_a_reason(live, client, shop_content):
    shop_content.product("apricot", APRICOT)
    bought = paid_order(live, client, [{"product": "apricot", "quantity": 2}])
    page = client.get(order_page(live.app, bought)).get_data(as_text=True)
    assert "取消原因" in page and '<option value="no_reason">不想要了</option>' in page
    assert "不支持七天无理由退货" not in page and "质量问题" not in page  # nothing has arrived to have a problem with
    asked = ask_return(client, bought, {"apricot": 1})
    assert asked.status_code == 302, asked.get_data(as_text=True)
    [request] = returns_of(live.app, bought)
    assert request.reason == "no_reason" and request.status == "requested"
    assert "取消申请" in outbox(live.app, "return_requested")[0].subject
    ship(client, bought)  # the other bag ships; after that the food's exclusion applies again
    page = client.get(order_page(live.app, bought)).get_data(as_text=True)
    assert "不想要了 · 申请于" in page  # the cancellation keeps the words it was asked with
    assert "退货原因" in page and "不支持七天无理由退货：食品拆封后不退换" in page
    assert ask_return(client, bought, {"apricot": 1}).status_code == 409


def test_a_cancellation_offers_only_a_cancellations_reasons(live, client, order):
    refused = ask_return(client, order, {"umbrella": 1}, reason="quality")
    assert refused.status_code == 400 and "请选择取消原因" in refused.get_data(as_text=True)
