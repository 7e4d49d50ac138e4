"""Only an address its owner proved (a confirmation, reset or verification link) adopts the guest orders paid with it."""

from __future__ import annotations

import re

from checkout.db import get_database
from checkout.models import Order, User

from .helpers import ADDRESS, PASSWORD, caught_mail, csrf_token, form_post, mailed_link, outbox, sign_up
from .test_admin import paid_order


def verify_link(app, email: str) -> str:
    mails = [m for m in outbox(app, "verify_email") if m.recipient == email]
    return re.search(r"http://shop\.test(/auth/verify/\S+)", mails[-1].body).group(1)


def unverified(app, email: str) -> None:
    """An account that can log in but never proved its mailbox (one from before confirmation links)."""
    with get_database(app).transaction() as db:
        db.query(User).filter_by(email=email).one().email_verified_at = None


def test_guest_orders_join_the_account_only_once_its_address_is_proven(app, client):
    paid_order(app, app.test_client(), email="guest@example.com")  # paid as a guest, before any account
    with caught_mail(app) as mail:
        form_post(client, "/auth/signup", {"email": "guest@example.com", "password": PASSWORD, "password2": PASSWORD})
    with get_database(app).sessions() as db:  # signed up, not confirmed: nothing adopted, no log-in
        assert db.query(Order).one().user_id is None
        assert db.query(User).one().email_verified_at is None
    assert client.get("/api/me").get_json()["authenticated"] is False
    assert form_post(client, mailed_link("\n".join(mail.texts), "/auth/confirm/"), {}).status_code == 302
    html = client.get("/account/").get_data(as_text=True)
    assert "PLUS00000001" in html and "还没有订单" not in html and "邮箱未验证" not in html
    order_page = client.get("/account/orders/PLUS00000001")
    assert order_page.status_code == 200 and "文三路" in order_page.get_data(as_text=True)


def test_a_later_guest_order_with_a_verified_email_lands_in_the_account(app, client):
    sign_up(client, "member@example.com")
    paid_order(app, app.test_client(), email="Member@Example.com")
    assert "PLUS00000001" in client.get("/account/").get_data(as_text=True)


def test_an_older_unverified_account_adopts_only_after_its_verification_link(app, client):
    paid_order(app, app.test_client(), email="old@example.com")
    sign_up(client, "old@example.com")
    unverified(app, "old@example.com")
    with get_database(app).transaction() as db:
        db.query(Order).one().user_id = None
    page = client.get("/account/").get_data(as_text=True)
    assert "邮箱未验证" in page and "还没有订单" in page
    client.post("/auth/verify", data={"csrf_token": csrf_token(page)})
    html = client.get(verify_link(app, "old@example.com"), follow_redirects=True).get_data(as_text=True)
    assert "邮箱已验证" in html and "PLUS00000001" in html


def test_a_verification_link_is_tied_to_its_account_and_address(app, client):
    sign_up(client, "first@example.com")
    unverified(app, "first@example.com")
    client.post("/auth/verify", data={"csrf_token": csrf_token(client.get("/account/").get_data(as_text=True))})
    link = verify_link(app, "first@example.com")
    with get_database(app).transaction() as db:  # the address changed after the mail was sent
        user = db.query(User).filter_by(email="first@example.com").one()
        user.email = "changed@example.com"
    client.get(link)
    with get_database(app).sessions() as db:
        assert db.query(User).filter_by(email="changed@example.com").one().email_verified_at is None
    assert "无效" in client.get("/auth/verify/forged-token", follow_redirects=True).get_data(as_text=True)


def test_a_member_can_ask_for_the_link_again(app, client):
    sign_up(client, "again@example.com")
    unverified(app, "again@example.com")
    for _ in range(2):
        page = client.get("/account/").get_data(as_text=True)
        client.post("/auth/verify", data={"csrf_token": csrf_token(page)})
    assert len([m for m in outbox(app, "verify_email") if m.recipient == "again@example.com"]) == 2


def test_the_address_book_adds_edits_defaults_and_deletes(app, client):
    sign_up(client, "book@example.com")
    assert form_post(client, "/account/addresses/new", ADDRESS).status_code == 302
    second = {**ADDRESS, "name": "李四", "mobile": "139 0000 0000", "province": "上海", "city": "上海市", "district": "浦东新区"}
    assert form_post(client, "/account/addresses/new", {**second, "default": "1"}).status_code == 302
    html = client.get("/account/addresses/").get_data(as_text=True)
    assert html.index("李四") < html.index("张三") and "13900000000" in html  # the default first
    refused = form_post(client, "/account/addresses/new", {**ADDRESS, "mobile": "110"})
    assert refused.status_code == 400 and "11位中国大陆手机号" in refused.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"/account/addresses/(\d+)/delete", html)]
    edited = form_post(client, f"/account/addresses/{ids[1]}", {**ADDRESS, "address": "文三路 200 号"})
    assert edited.status_code == 302 and "文三路 200 号" in client.get("/account/addresses/").get_data(as_text=True)
    page = client.get("/account/addresses/").get_data(as_text=True)
    client.post(f"/account/addresses/{ids[0]}/delete", data={"csrf_token": csrf_token(page)})
    html = client.get("/account/addresses/").get_data(as_text=True)
    assert "李四" not in html and "默认" in html  # the remaining one became the default
    stranger = app.test_client()
    sign_up(stranger, "stranger@example.com")
    assert stranger.get(f"/account/addresses/{ids[1]}").status_code == 404
