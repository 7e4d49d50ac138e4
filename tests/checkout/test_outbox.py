"""Order mails through the outbox and a real SMTP server (aiosmtpd): written with the change, sent after it, once."""

from __future__ import annotations

import datetime as dt
import email
import threading
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import update

from admin.serve import _mailer, send_mails
from catalog import require_catalog
from catalog.money import price_label
from checkout import outbox as box
from checkout.db import get_database
from checkout.models import OutboxMail, utcnow
from tests.conftest import SEED, TODAY

from .helpers import ADMIN_TOKEN, MailServer, buy, flush, outbox, pay, sign_up, wait_for
from .test_admin import paid_order

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


def queue(app, count: int, to: str = "buyer@example.com") -> None:
    with get_database(app).transaction() as db:
        for index in range(count):
            box.enqueue(db, kind="test", to=to, subject=f"邮件 {index}", body=f"第{index}封")


def test_a_paid_order_mails_lines_fee_address_and_a_link_that_opens_the_order(make_app, mail_server):
    app = make_app(**mail_server.config())
    client = app.test_client()
    order = paid_order(app, client, [{"product": "aux-vacuum", "quantity": 2}], email="guest@example.com")
    [queued] = outbox(app, "order_paid")
    assert queued.status == "pending" and mail_server.messages == []  # written with the payment, not sent yet
    assert send_mails(app).sent == 1
    [message] = mail_server.messages
    assert message["To"] == "guest@example.com" and order["number"] in message["Subject"]
    body = message.get_content()
    vacuum = require_catalog(SEED, today=TODAY).products["aux-vacuum"].price
    for expected in (
        "奥克斯家用大吸尘器 × 2",
        f"{price_label(vacuum)}（本店价）",
        f"小计 {price_label(vacuum * 2)}",
        "配送费",
        f"实付金额：{price_label(order['amount_total'])}",
        "张三",
        "138****8000",
    ):
        assert expected in body, (expected, body)
    assert "浙江省杭州市西湖区文三路 100 号 2 幢 301 室" in body
    link = next(line for line in body.splitlines() if line.startswith("查看订单：")).removeprefix("查看订单：")
    assert link.startswith(f"http://shop.test/account/orders/{order['number']}?t=")
    # the guest (no account, another browser) opens the order from the mail
    page = app.test_client().get(link.removeprefix("http://shop.test"))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert (
        "138****8000" in html and "13800138000" not in html and "文三路" in html
    )  # masked as in the mail and "已付款" in html and order["number"] in html
    assert app.test_client().get(link.removeprefix("http://shop.test")[:-3] + "xyz").status_code == 404
    assert send_mails(app).sent == 0 and len(mail_server.messages) == 1  # nothing goes twice
    # without the token a stranger is asked to log in (a member's own mails link there), never shown the order
    no_token = app.test_client().get(f"/account/orders/{order['number']}")
    assert no_token.status_code == 302 and "/auth/login?next=" in no_token.headers["Location"]
    stranger = app.test_client()
    sign_up(stranger, "stranger@example.com")
    assert stranger.get(f"/account/orders/{order['number']}").status_code == 404


def test_with_the_mail_server_down_the_order_is_kept_and_the_mail_goes_later_once(make_app):
    server = MailServer()  # not listening yet: the server is down
    app = make_app(**server.config())
    client = app.test_client()
    paid_order(app, client)
    assert client.get("/api/admin/orders", headers=AUTH).get_json()["total"] == 1
    report = box.send_due(get_database(app), app.config, app.instance_path)
    assert (report.sent, report.retrying) == (0, 1)
    [row] = outbox(app, "order_paid")
    assert row.status == "pending" and row.attempts == 1 and "Connection refused" in row.last_error and row.next_attempt_at > utcnow()
    server.start()
    try:
        assert box.send_due(get_database(app), app.config, app.instance_path).sent == 0  # not due yet: backing off
        later = utcnow() + dt.timedelta(minutes=5)
        assert box.send_due(get_database(app), app.config, app.instance_path, now=later).sent == 1
        assert box.send_due(get_database(app), app.config, app.instance_path, now=later).sent == 0
        assert len(server.messages) == 1 and outbox(app, "order_paid")[0].status == "sent"
    finally:
        server.stop()


def test_senders_in_several_threads_and_engines_send_each_mail_once(make_app, mail_server):
    apps = [make_app(**mail_server.config()) for _ in range(3)]  # three engines: as three processes would
    queue(apps[0], 40)
    barrier = threading.Barrier(6)

    def sender(app) -> None:
        barrier.wait()
        for _ in range(3):
            box.send_due(get_database(app), app.config, app.instance_path, limit=7)

    threads = [threading.Thread(target=sender, args=(apps[i % 3],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = sorted(message["Subject"] for message in mail_server.messages)
    assert subjects == sorted(f"邮件 {index}" for index in range(40))
    assert len({message["Message-ID"] for message in mail_server.messages}) == 40
    assert {row.status for row in outbox(apps[0])} == {"sent"}


def test_a_refused_recipient_fails_for_good_and_the_others_go(make_app):
    server = MailServer(refuse="nobody@example.com").start()
    try:
        app = make_app(**server.config())
        queue(app, 1, to="nobody@example.com")
        queue(app, 1, to="someone@example.com")
        report = box.send_due(get_database(app), app.config, app.instance_path)
        assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
        assert [(row.recipient, row.status) for row in outbox(app)] == [("nobody@example.com", "failed"), ("someone@example.com", "sent")]
        assert box.retry_failed(get_database(app)) == 1 and outbox(app)[0].status == "pending"
    finally:
        server.stop()


def test_a_mail_left_sending_by_a_dead_sender_is_never_sent_again_by_itself(make_app, mail_server):
    app = make_app(**mail_server.config())
    queue(app, 1)
    with get_database(app).transaction() as db:
        db.execute(update(OutboxMail).values(status="sending", claimed_at=utcnow() - dt.timedelta(hours=1), attempts=1))
    report = box.send_due(get_database(app), app.config, app.instance_path)
    assert report.interrupted == 1 and report.sent == 0 and mail_server.messages == []
    assert outbox(app)[0].status == "failed" and "可能已发出" in outbox(app)[0].last_error


def test_without_a_mail_server_mails_are_written_to_the_instance_folder(make_app, tmp_path):
    app = make_app(PLUS_INSTANCE=str(tmp_path / "instance"))
    queue(app, 1)
    assert send_mails(app).sent == 1
    [written] = (tmp_path / "instance" / "mail").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["Subject"] == "邮件 0" and message.get_content().strip() == "第0封"


def test_shipping_mails_the_carrier_and_tracking_once_per_number(make_app, mail_server):
    app = make_app(**mail_server.config())
    client = app.test_client()
    order = paid_order(app, client)
    for tracking in ("SF123", "SF123", "SF456"):
        shipped = client.post(f"/api/admin/orders/{order['id']}/ship", json={"carrier": "顺丰", "tracking": tracking}, headers=AUTH)
        assert shipped.status_code == 200
    send_mails(app)
    shipped_mails = [m for m in mail_server.messages if "已发货" in m["Subject"] or "快递信息已更新" in m["Subject"]]
    assert [m["Subject"] for m in shipped_mails] == [f"订单 {order['number']} 已发货", f"订单 {order['number']} 的快递信息已更新"]
    assert "快递公司：顺丰" in shipped_mails[0].get_content() and "快递单号：SF123" in shipped_mails[0].get_content()
    assert "快递单号：SF456" in shipped_mails[1].get_content()


def test_a_refund_mails_the_buyer(live, mail_server):
    live.app.config.update(mail_server.config())
    client = live.app.test_client()
    pay(live.standin, buy(client, [{"product": "aux-vacuum", "quantity": 1}]).get_json()["id"])
    flush(live.standin)
    order = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"][0]
    assert client.post(f"/api/admin/orders/{order['id']}/refund", headers=AUTH).status_code == 200
    send_mails(live.app)
    [refunded] = [m for m in mail_server.messages if "已退款" in m["Subject"]]
    assert f"已全额退款 {price_label(order['amount_total'])}" in refunded.get_content()
    page = client.get(
        next(line for line in refunded.get_content().splitlines() if "查看订单" in line).split("：", 1)[1][len("http://shop.test") :]
    )
    html = page.get_data(as_text=True)
    assert "已退款" in html and "款项原路退回" in html and "银行卡" in html  # the payment method, as Stripe recorded it


def test_the_worker_of_plus_serve_sends_without_being_asked(make_app, mail_server):
    app = make_app(**mail_server.config())
    stop = _mailer(app, every=0.1)
    try:
        queue(app, 2)
        wait_for(lambda: len(mail_server.messages) == 2)
    finally:
        stop()


def test_a_replayed_or_repeated_payment_event_writes_one_mail(app, client):
    from .helpers import post_event
    from .test_webhooks import as_paid, open_session

    session = as_paid(app, open_session(client))
    for event_type in ("checkout.session.completed", "checkout.session.completed", "checkout.session.async_payment_succeeded"):
        assert post_event(client, event_type, session).status_code == 200  # each with a new event id
    assert len(outbox(app, "order_paid")) == 1


def test_every_mail_replies_to_the_stores_customer_service(make_app, mail_server):
    app = make_app(**mail_server.config())
    paid_order(app, app.test_client())
    queue(app, 1, to="member@example.com")
    assert box.send_due(get_database(app), app.config, app.instance_path).sent == 2
    service = require_catalog(Path(app.config["PLUS_CONTENT"]), today=TODAY).store.company.email
    assert "@" in service and service not in app.config["MAIL_FROM"]
    assert [message["Reply-To"] for message in mail_server.messages] == [service, service]
