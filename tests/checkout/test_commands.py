"""`plus db|orders|members …`: the same service functions as the admin API, from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from admin.cli import cli
from checkout.db import make_engine

from .helpers import ADMIN_TOKEN, WEBHOOK_SECRET, buy, outbox, pay, post_event
from .test_webhooks import as_paid, open_session


@pytest.fixture
def env(monkeypatch, app, tmp_path):
    """Point the commands at the test app's database, content and Stripe (and an instance folder no `plus serve` uses)."""
    monkeypatch.setenv("PLUS_INSTANCE", str(tmp_path / "cli-instance"))
    for key in ("DATABASE_URL", "PLUS_CONTENT", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "PUBLIC_URL"):
        monkeypatch.setenv(key, str(app.config[key]))
    monkeypatch.setenv("PLUS_TODAY", app.config["PLUS_TODAY"])
    monkeypatch.setenv("SECRET_KEY", "cli")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("PLUS_ADMIN_TOKEN", ADMIN_TOKEN)
    return app


def plus(*args: str, input: str | None = None):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, input=input)
    return result


def test_db_upgrade_creates_the_schema(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "cli")
    result = plus("db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    assert {"orders", "users", "webhook_events"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_orders_list_ship_in_every_format(env, client):
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
    table = plus("--lang", "en", "orders", "list")
    assert table.exit_code == 0 and "PLUS00000001" in table.output and "24骨全自动雨伞 × 2" in table.output and "1 of 1" in table.output
    listed = json.loads(plus("orders", "list", "--format", "json", "--status", "paid").output)
    assert listed["total"] == 1 and listed["orders"][0]["amount_total"] == "25.10"
    assert json.loads(plus("orders", "list", "--format", "json", "--status", "已付款").output) == listed  # the table's word too
    assert json.loads(plus("orders", "list", "--format", "json", "--status", "已发货").output)["total"] == 0
    exported = plus("orders", "list", "--format", "csv").output
    assert exported.startswith("\ufeff订单号,状态")  # the byte-order mark Excel needs to read UTF-8
    shipped = plus("orders", "ship", "PLUS00000001", "--carrier", "顺丰", "--tracking", "SF1")
    assert shipped.exit_code == 0, shipped.output
    assert json.loads(plus("orders", "list", "--format", "json").output)["orders"][0]["tracking"] == "SF1"


def test_shipping_an_unpaid_or_unknown_order_fails_with_a_message(env, client):
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client), payment_status="unpaid"))
    unpaid = plus("orders", "ship", "1")
    assert unpaid.exit_code == 1 and "当前状态为待付款确认，不能发货" in unpaid.output, unpaid.output
    unknown = plus("orders", "ship", "PLUS00000042")  # named as the operator typed it, not 订单 42
    assert unknown.exit_code == 1 and "订单 PLUS00000042 不存在" in unknown.output, unknown.output
    assert "售后单 TH00000007 不存在" in plus("orders", "returns", "approve", "TH00000007").output
    assert plus("orders", "ship", "nonsense").exit_code == 2


def test_refund_from_the_command_line(env, client):
    from .test_shop import stripe_session

    session_id = buy(client, [{"product": "aux-vacuum", "quantity": 1}]).get_json()["id"]
    pay(env.config["STRIPE_API_BASE"], session_id)
    paid = stripe_session(env, session_id)  # complete and paid at the stand-in, with its payment intent
    paid.pop("line_items")
    post_event(client, "checkout.session.completed", paid)
    declined = plus("orders", "refund", "PLUS00000001", input="n\n")
    assert declined.exit_code == 1 and "确定全额退款 PLUS00000001（已付款，¥77.00" in declined.output and "没有退款" in declined.output
    assert json.loads(plus("orders", "list", "--format", "json").output)["orders"][0]["status"] == "paid"  # nothing refunded
    result = plus("--lang", "en", "orders", "refund", "PLUS00000001", input="y\n")
    assert result.exit_code == 0, result.output
    assert "refund PLUS00000001 (paid, ¥77.00, buyer@example.com) in full?" in result.output
    assert "PLUS00000001 refunded (re_" in result.output
    assert json.loads(plus("orders", "list", "--format", "json").output)["orders"][0]["status"] == "refunded"
    again = plus("orders", "refund", "PLUS00000001", input="y\n")  # said at once, not asked again
    assert again.exit_code == 0 and "确定" not in again.output and "PLUS00000001 已经全额退款过了（re_" in again.output, again.output
    scripted = plus("orders", "refund", "PLUS00000001", "--yes")  # a script is told too, not shown a refund as if made now
    assert scripted.exit_code == 0 and "已经全额退款过了" in scripted.output, scripted.output


def test_reconcile_records_paid_sessions_no_webhook_delivered(env, client):
    session_id = open_session(client)
    assert pay(env.config["STRIPE_API_BASE"], session_id).status_code == 303  # no endpoint: no webhook
    assert json.loads(plus("orders", "list", "--format", "json").output)["total"] == 0
    first = plus("--lang", "en", "orders", "reconcile")
    assert first.exit_code == 0, first.output
    assert f"recorded {session_id}" in first.output
    orders = json.loads(plus("orders", "list", "--format", "json").output)["orders"]
    assert [(o["status"], o["amount_total"]) for o in orders] == [("paid", "25.10")]
    again = plus("--lang", "en", "orders", "reconcile")
    assert "0 recorded" in again.output


def test_sweep_command_releases_expired_holds(env, client):
    import requests

    open_session(client)
    requests.post(f"{env.config['STRIPE_API_BASE']}/_standin/clock?advance=7200", timeout=5).raise_for_status()
    result = plus("--lang", "en", "orders", "sweep")
    assert result.exit_code == 0, result.output
    # the stand-in expired it; our clock has not passed the expiry yet, so nothing is due here
    assert "released 0" in result.output


def test_members_remind_queues_one_mail_per_member(env):
    import datetime as dt

    from checkout.db import get_database
    from checkout.models import User

    with get_database(env).transaction() as db:
        db.add(User(email="soon@example.com", password_hash="x", member_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)))
    first = plus("--lang", "en", "members", "remind", "--days", "7")
    second = plus("--lang", "en", "members", "remind", "--days", "7")
    assert "reminded 1" in first.output and "reminded 0" in second.output
    [mail] = outbox(env, "membership_reminder")
    assert mail.recipient == "soon@example.com" and "/account/membership" in mail.body


def test_stripe_commands_need_a_key(env, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    result = plus("orders", "reconcile")
    assert result.exit_code == 1 and "STRIPE_SECRET_KEY" in result.output


def test_orders_list_and_ship_show_where_the_order_goes(env, client):
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
    table = plus("--lang", "en", "orders", "list")
    assert "→ 张三 13800138000 浙江省杭州市西湖区文三路 100 号 2 幢 301 室 (delivery ¥8.00)" in table.output
    assert "→ 张三 13800138000 浙江省杭州市西湖区文三路 100 号 2 幢 301 室（配送费 ¥8.00）" in plus("orders", "list").output
    shipped = plus("orders", "ship", "PLUS00000001", "--carrier", "顺丰", "--tracking", "SF1")
    assert (
        shipped.exit_code == 0
        and "PLUS00000001 已发货（顺丰 SF1），已邮件通知买家\n  寄往：张三 13800138000 浙江省杭州市西湖区" in shipped.output
    )
    assert [m.kind for m in outbox(env)] == ["order_paid", "order_shipped"]


def test_shipping_again_says_the_tracking_it_corrected(env, client):
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
    plus("orders", "ship", "PLUS00000001", "--carrier", "顺丰", "--tracking", "SF123")
    again = plus("orders", "ship", "PLUS00000001", "--tracking", "SF124")
    assert again.exit_code == 0 and "本来就已发货：快递信息 顺丰 SF123 → 顺丰 SF124，已把新的快递信息邮件告诉买家" in again.output, (
        again.output
    )
    first, corrected = outbox(env, "order_shipped")
    assert first.subject == "订单 PLUS00000001 已发货" and "SF123" in first.body
    assert corrected.subject == "订单 PLUS00000001 的快递信息已更新" and "快递信息已更新，请以这封邮件为准" in corrected.body
    assert "快递单号：SF124" in corrected.body and "已发货。" not in corrected.body
    same = plus("orders", "ship", "PLUS00000001", "--tracking", "SF124")
    assert same.exit_code == 0 and "快递信息 顺丰 SF124 没有变，没有再发邮件" in same.output, same.output
    assert len(outbox(env, "order_shipped")) == 2


def test_a_first_shipment_asks_for_its_tracking_number_unless_there_is_none(env, client):
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
    bare = plus("orders", "ship", "PLUS00000001", "--carrier", "顺丰")
    assert bare.exit_code == 1 and "发货要写运单号，买家才能查件" in bare.output and "--no-tracking" in bare.output, bare.output
    assert outbox(env, "order_shipped") == [] and "已付款" in plus("orders", "list").output  # nothing shipped
    assert plus("orders", "ship", "PLUS00000001", "--tracking", "SF1", "--no-tracking").exit_code == 2
    carrierless = plus("orders", "ship", "PLUS00000001", "--tracking", "SF1")
    assert carrierless.exit_code == 1 and "运单号 SF1 是哪家快递的？加上 --carrier" in carrierless.output, carrierless.output
    by_hand = plus("orders", "ship", "PLUS00000001", "--no-tracking")
    assert by_hand.exit_code == 0 and "PLUS00000001 已发货" in by_hand.output, by_hand.output
    later = plus("orders", "ship", "PLUS00000001", "--carrier", "顺丰", "--tracking", "SF9")  # the number came later after all
    assert later.exit_code == 0 and "快递信息 - → 顺丰 SF9" in later.output, later.output
    assert [m.subject for m in outbox(env, "order_shipped")] == ["订单 PLUS00000001 已发货", "订单 PLUS00000001 的快递信息已更新"]


def test_orders_since_a_day_means_from_midnight_beijing_time(env, client):
    import datetime as dt

    from sqlalchemy import update

    from checkout.db import get_database
    from checkout.models import Order

    post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
    with get_database(env).transaction() as db:  # 2 December 18:12 UTC is 3 December 02:12 in Beijing
        db.execute(update(Order).values(created_at=dt.datetime(2026, 12, 2, 18, 12, tzinfo=dt.UTC)))
    assert "2026-12-03 02:12" in plus("orders", "list").output
    assert json.loads(plus("orders", "list", "--format", "json", "--since", "2026-12-03").output)["total"] == 1
    assert json.loads(plus("orders", "list", "--format", "json", "--since", "2026-12-04").output)["total"] == 0


def test_mail_send_delivers_the_queue_through_smtp_once(env, client, monkeypatch):
    from .helpers import MailServer

    server = MailServer().start()
    try:
        for key, value in server.config().items():
            monkeypatch.setenv(key, str(value))
        post_event(client, "checkout.session.completed", as_paid(env, open_session(client)))
        first = plus("--lang", "en", "mail", "send")
        assert first.exit_code == 0 and "sent 1" in first.output, first.output
        again = plus("--lang", "en", "mail", "send").output
        assert "nothing waiting" in again and "1 already sent" in again and "sent 0" not in again
        assert len(server.messages) == 1 and "已付款" in server.messages[0]["Subject"]
    finally:
        server.stop()
