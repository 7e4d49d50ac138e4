"""The findings of an attack run against `plus serve`, replayed: each is refused or handled."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import User

from .helpers import (
    ADMIN_TOKEN,
    PASSWORD,
    buy,
    caught_mail,
    csrf_token,
    form_post,
    log_in,
    mailed_link,
    make_account,
    outbox,
    post_event,
    sign_up,
)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_a_cookie_copied_before_logout_is_logged_out_too(app, client):
    sign_up(client, "copy@example.com")
    copied = client.get_cookie("plus_session").value
    token = csrf_token(client.get("/account/").get_data(as_text=True))
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("plus_session", copied)
    assert thief.get("/api/me").get_json()["authenticated"] is False


@pytest.mark.parametrize("look_alike", ["x@ＥＸＡＭＰＬＥ.ＣＯＭ", "X@Example.com"])
def test_look_alike_addresses_reach_the_same_account(app, client, look_alike):
    sign_up(client, "x@example.com")
    other = app.test_client()
    with caught_mail(app) as mail:
        response = form_post(other, "/auth/signup", {"email": look_alike, "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200 and "请查收邮件" in response.get_data(as_text=True)
    assert "您已有PLUS会员店账户" in mail.texts[0] and "to x@example.com" in mail.texts[0]
    assert log_in(app.test_client(), look_alike).status_code == 302  # the one account answers to every spelling
    with get_database(app).sessions() as db:
        assert db.scalars(select(User.email)).all() == ["x@example.com"]


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u202e", "\u200f"])
def test_invisible_characters_in_an_address_are_refused_with_a_message(app, client, invisible):
    response = form_post(client, "/auth/signup", {"email": f"x{invisible}@example.com", "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400
    assert "不可见字符" in response.get_data(as_text=True)
    with get_database(app).sessions() as db:
        assert db.scalars(select(User.email)).all() == []


@pytest.mark.parametrize("path", ["/account/", "/auth/login", "/auth/signup", "/auth/reset", "/api/me", "/checkout/success?session_id=x"])
def test_pages_with_personal_data_are_never_cached(client, path):
    sign_up(client, "cache@example.com")
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store", path


def test_the_admin_api_is_never_cached(client):
    assert client.get("/api/admin/orders", headers=ADMIN).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("target", ["/account/\r\nSet-Cookie: x=1", "/account/\n", "/\t/evil.example", "/%0d%0a"])
def test_a_next_with_control_characters_goes_to_the_account_page(client, target):
    sign_up(client, "next@example.com")
    other = client.application.test_client()
    token = csrf_token(other.get("/auth/login").get_data(as_text=True))
    response = other.post(
        "/auth/login", query_string={"next": target}, data={"email": "next@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/account/", target) and "\r" not in response.headers["Location"]
    assert "\n" not in response.headers["Location"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("body", [json.dumps({"items": json.loads(nested(30))}), '{"items": ' + nested(1000) + "}", nested(100_000)])
def test_deeply_nested_json_in_a_cart_is_400_malformed_body(client, body):
    response = client.post("/api/checkout", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.get_json()["error"]["code"] in ("malformed_body", "body_too_large")


def test_deeply_nested_json_in_an_admin_body_is_400(client):
    response = client.post(
        "/api/admin/orders/1/ship", data='{"carrier": ' + nested(1000) + "}", content_type="application/json", headers=ADMIN
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_body"


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=201", "limit=１２", "since=0001-01-01T00:00:00+14:00", "since=x"]
)
def test_out_of_range_admin_parameters_are_400(client, query):
    response = client.get(f"/api/admin/orders?{query}", headers=ADMIN)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "bad_filter"


def hold_write_lock(app) -> sqlite3.Connection:
    path = get_database(app).engine.url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_database_locked_for_writes_answers_503_database_busy_quickly(make_app, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("a whole-database write lock is SQLite's")
    app = make_app(PLUS_DB_WRITE_TIMEOUT=0.5)
    client = app.test_client()
    holder = hold_write_lock(app)
    try:
        started = time.monotonic()
        response = buy(client, [{"product": "umbrella", "quantity": 1}])
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and response.get_json()["error"]["code"] == "database_busy"
        assert int(response.headers["Retry-After"]) > 0
        assert elapsed < 5
        health = client.get("/api/health")
        assert health.status_code == 503 and health.get_json()["problem"] == "database_busy"
    finally:
        holder.rollback()
        holder.close()
    assert client.get("/api/health").status_code == 200


def test_reset_answers_alike_and_fast_for_known_and_unknown_addresses_with_a_dead_mail_server(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there: every send fails
    make_account(app, "known@example.com")
    answers = {}
    for email in ("known@example.com", "unknown@example.com"):
        guest = app.test_client()
        started = time.monotonic()
        response = form_post(guest, "/auth/reset", {"email": email})
        answers[email] = (response.status_code, response.headers["Location"], time.monotonic() - started)
    (known_code, known_to, known_time), (unknown_code, unknown_to, unknown_time) = answers.values()
    assert known_code == unknown_code == 302 and known_to == unknown_to
    assert abs(known_time - unknown_time) < 0.5
    # no request touched the mail server: the reset mail waits in the outbox for the sender
    assert [(m.kind, m.recipient, m.status) for m in outbox(app)][-1:] == [("password_reset", "known@example.com", "pending")]


@pytest.mark.parametrize("amount, currency", [(1, "usd"), (1, "cny"), (1710, "usd"), (None, "cny")])
def test_a_signed_event_with_another_amount_never_pays_and_is_flagged(app, client, caplog, amount, currency):
    from .test_webhooks import as_paid, open_session

    session = as_paid(app, open_session(client))  # the store priced 2 × 8.55 = 17.10 CNY
    session.update(amount_total=amount, currency=currency)
    assert post_event(client, "checkout.session.completed", session).status_code == 200
    listed = client.get("/api/admin/orders?status=amount_mismatch", headers=ADMIN).get_json()
    assert [order["status"] for order in listed["orders"]] == ["amount_mismatch"]
    assert client.get("/api/admin/orders?status=paid", headers=ADMIN).get_json()["total"] == 0
    assert any(r.levelname == "ERROR" and "AMOUNT MISMATCH" in r.getMessage() for r in caplog.records)


def test_the_exact_amount_pays(app, client):
    from .test_webhooks import as_paid, open_session

    assert post_event(client, "checkout.session.completed", as_paid(app, open_session(client))).status_code == 200
    assert client.get("/api/admin/orders?status=paid", headers=ADMIN).get_json()["total"] == 1


def test_admin_email_filter_finds_any_spelling_of_the_stored_address(app, client):
    from .test_webhooks import as_paid, open_session

    session = as_paid(app, open_session(client))
    session["customer_details"] = {"email": "Buyer@ＥＸＡＭＰＬＥ.com"}
    post_event(client, "checkout.session.completed", session)
    for query in ("buyer@example.com", "BUYER@EXAMPLE.COM", "Buyer@ＥＸＡＭＰＬＥ.com"):
        assert client.get("/api/admin/orders", query_string={"email": query}, headers=ADMIN).get_json()["total"] == 1, query


def signup_answer(app, email: str) -> tuple[int, str, float, str]:
    """Status, page text (CSRF token removed), seconds and the mail of one sign-up."""
    guest = app.test_client()
    token = csrf_token(guest.get("/auth/signup").get_data(as_text=True))
    with caught_mail(app) as mail:
        started = time.monotonic()
        response = guest.post("/auth/signup", data={"email": email, "password": PASSWORD, "password2": PASSWORD, "csrf_token": token})
        seconds = time.monotonic() - started
    return response.status_code, response.get_data(as_text=True).replace(token, ""), seconds, "\n".join(mail.texts)


def test_sign_up_answers_alike_for_a_registered_and_a_new_address_and_the_mail_says_which(app, client):
    sign_up(client, "taken@example.com")
    taken = signup_answer(app, "taken@example.com")
    new = signup_answer(app, "fresh@example.com")
    assert taken[:2] == new[:2] and taken[0] == 200 and "该邮箱已注册" not in taken[1]
    assert abs(taken[2] - new[2]) < 0.5
    assert "您已有PLUS会员店账户" in taken[3] and "/auth/reset/" in taken[3]
    assert "确认您的PLUS会员店账户" in new[3] and "/auth/confirm/" in new[3]
    # the registered account is unchanged: its old password still logs in
    assert log_in(app.test_client(), "taken@example.com").status_code == 302


def test_an_unconfirmed_account_cannot_log_in_and_looks_like_a_wrong_password(app):
    assert signup_answer(app, "pending@example.com")[0] == 200
    refused = log_in(app.test_client(), "pending@example.com")
    wrong = log_in(app.test_client(), "nobody@example.com")
    assert refused.status_code == wrong.status_code == 401
    assert refused.get_data(as_text=True).count("邮箱或密码不正确") == wrong.get_data(as_text=True).count("邮箱或密码不正确") == 1


def test_a_squatted_unconfirmed_address_goes_to_whoever_opens_the_mail(app):
    signup_answer(app, "victim@example.com")  # someone else's sign-up, never confirmed
    mail = signup_answer(app, "victim@example.com")[3]  # the owner signs up later
    owner = app.test_client()
    assert form_post(owner, mailed_link(mail, "/auth/confirm/"), {}).status_code == 302
    assert owner.get("/api/me").get_json()["email"] == "victim@example.com"
    assert log_in(app.test_client(), "victim@example.com").status_code == 302  # with the owner's password


def test_a_confirmation_link_works_once(app):
    link = mailed_link(signup_answer(app, "once@example.com")[3], "/auth/confirm/")
    assert form_post(app.test_client(), link, {}).status_code == 302
    assert "无效" in app.test_client().get(link).get_data(as_text=True)
    again = app.test_client()
    token = csrf_token(again.get("/auth/signup").get_data(as_text=True))
    assert again.post(link, data={"csrf_token": token}).status_code == 400
    assert again.get("/api/me").get_json()["authenticated"] is False


def test_a_row_locked_past_the_write_timeout_answers_503_database_busy(make_app, db_url):
    from sqlalchemy import create_engine, text

    from checkout.db import normalise_url

    app = make_app(PLUS_DB_WRITE_TIMEOUT=0.5)
    client = app.test_client()
    assert buy(client, [{"product": "umbrella", "quantity": 1}]).status_code == 201  # the stock counter row exists now
    other = create_engine(normalise_url(db_url))
    with other.connect() as holder:
        if db_url.startswith("sqlite"):
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.execute(text("SELECT * FROM stock_counters WHERE product_id = 'umbrella' FOR UPDATE"))
        started = time.monotonic()
        response = buy(client, [{"product": "umbrella", "quantity": 1}])
        assert time.monotonic() - started < 5
        holder.rollback()
    other.dispose()
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "database_busy"
    assert buy(client, [{"product": "umbrella", "quantity": 1}]).status_code == 201  # and it recovers
