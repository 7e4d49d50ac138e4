"""Accounts: sign-up, log-in, log-out, reset by mailed link; Argon2id, CSRF, rate limits, cookies."""

from __future__ import annotations

import re

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import User

from .helpers import PASSWORD, caught_mail, csrf_token, form_post, log_in, mailed_link, outbox, sign_up


def stored_user(app, email: str) -> User:
    with get_database(app).sessions() as db:
        return db.scalar(select(User).where(User.email == email))


def test_sign_up_logs_in_and_stores_an_argon2id_hash_at_owasp_parameters(make_app):
    app = make_app(PLUS_PASSWORD_HASHER=None)  # as create_app makes it: the other tests hash at the least cost
    client = app.test_client()
    sign_up(client, "New@Example.com")
    assert client.get("/api/me").get_json()["email"] == "new@example.com"
    user = stored_user(app, "new@example.com")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    parameters = extract_parameters(user.password_hash)
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)


@pytest.mark.parametrize(
    "email, password, password2, message",
    [
        ("not-an-address", PASSWORD, PASSWORD, "有效的电子邮箱"),
        ("short@example.com", "short", "short", "至少需要10个字符"),
        ("typo@example.com", PASSWORD, PASSWORD + "x", "不一致"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_message(client, email, password, password2, message):
    response = form_post(client, "/auth/signup", {"email": email, "password": password, "password2": password2})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/api/me").get_json()["authenticated"] is False


def test_an_address_signs_up_once(client, app):
    sign_up(client, "twice@example.com")
    other = app.test_client()
    response = form_post(other, "/auth/signup", {"email": "TWICE@example.com", "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200 and "已注册" not in response.get_data(as_text=True)  # the mail says so, not the page
    assert other.get("/api/me").get_json()["authenticated"] is False
    with get_database(app).sessions() as db:
        assert db.scalars(select(User.email)).all() == ["twice@example.com"]


def test_log_in_and_out(app, client):
    sign_up(client, "in-out@example.com")
    page = client.get("/account/")
    client.post("/auth/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert client.get("/api/me").get_json()["authenticated"] is False
    assert log_in(client, "in-out@example.com", "wrong password!").status_code == 401
    assert log_in(client, "in-out@example.com").status_code == 302
    assert client.get("/api/me").get_json()["authenticated"] is True


def test_login_rotates_the_session(app, client):
    client.get("/auth/login")
    before = client.get_cookie("plus_session").value
    sign_up(client, "rotate@example.com")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client.get("/account/").get_data(as_text=True))})
    page = client.get("/auth/login")
    token_before = csrf_token(page.get_data(as_text=True))
    client.post("/auth/login", data={"email": "rotate@example.com", "password": PASSWORD, "csrf_token": token_before})
    after = client.get_cookie("plus_session").value
    assert after != before
    assert csrf_token(client.get("/account/").get_data(as_text=True)) != token_before


def test_forms_without_a_csrf_token_are_refused(client):
    response = client.post("/auth/signup", data={"email": "csrf@example.com", "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/me").get_json()["authenticated"] is False


def test_login_redirects_only_within_the_site(app, client):
    sign_up(client, "next@example.com")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client.get("/account/").get_data(as_text=True))})
    for target, expected in (
        ("/account/membership", "/account/membership"),
        ("https://evil.example/", "/account/"),
        ("//evil.example/", "/account/"),
    ):
        page = client.get("/auth/login", query_string={"next": target})
        response = client.post(
            f"/auth/login?next={target}",
            data={"email": "next@example.com", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))},
        )
        assert response.headers["Location"] == expected


def test_password_reset_by_mailed_link(app, client):
    sign_up(client, "forgot@example.com")
    old_session = client.get_cookie("plus_session").value
    guest = app.test_client()
    form_post(guest, "/auth/reset", {"email": "forgot@example.com"})
    [mail] = outbox(app, "password_reset")
    assert mail.recipient == "forgot@example.com" and mail.status == "pending"
    link = re.search(r"http://shop\.test(/auth/reset/\S+)", mail.body).group(1)
    new_password = "a brand new passphrase"
    response = form_post(guest, link, {"password": new_password, "password2": new_password})
    assert response.status_code == 302
    assert guest.get("/api/me").get_json()["email"] == "forgot@example.com"
    # the old password and every older login stop working; the link works once
    assert log_in(app.test_client(), "forgot@example.com").status_code == 401
    assert log_in(app.test_client(), "forgot@example.com", new_password).status_code == 302
    assert client.get("/api/me").get_json()["authenticated"] is False, old_session
    assert "无效" in guest.get(link).get_data(as_text=True)


def test_reset_answers_the_same_for_unknown_addresses_and_mails_nothing(app, client):
    response = form_post(client, "/auth/reset", {"email": "nobody@example.com"}, follow=True)
    assert "如果该邮箱已注册" in response.get_data(as_text=True)
    assert outbox(app, "password_reset") == []


def test_reset_link_with_a_made_up_token_does_nothing(client):
    assert "无效" in client.get("/auth/reset/made-up-token").get_data(as_text=True)
    token = csrf_token(client.get("/auth/reset").get_data(as_text=True))
    response = client.post(
        "/auth/reset/made-up-token", data={"password": "whatever passphrase", "password2": "whatever passphrase", "csrf_token": token}
    )
    assert response.status_code == 400
    assert client.get("/api/me").get_json()["authenticated"] is False


@pytest.mark.parametrize(
    "path, data", [("/auth/login", {"email": "x@example.com", "password": "wrong password"}), ("/auth/reset", {"email": "x@example.com"})]
)
def test_login_and_reset_are_rate_limited(make_app, path, data):
    client = make_app(PLUS_RATE_LOGIN="3 per minute", PLUS_RATE_RESET="3 per minute").test_client()
    codes = [form_post(client, path, data).status_code for _ in range(5)]
    assert codes[:3] != [429] * 3 and codes[3:] == [429, 429]
    assert client.get(path).status_code == 200  # the form itself is not limited


def test_sign_up_is_rate_limited(make_app):
    client = make_app(PLUS_RATE_SIGNUP="2 per minute").test_client()
    codes = [
        form_post(client, "/auth/signup", {"email": f"s{i}@example.com", "password": "x", "password2": "x"}).status_code for i in range(3)
    ]
    assert codes == [400, 400, 429]


def test_session_cookie_is_httponly_lax_and_secure_in_production(make_app):
    for public_url, secure in (("http://127.0.0.1:8000", False), ("https://plus.example.com", True)):
        client = make_app(PUBLIC_URL=public_url, MAIL_SERVER="mail.invalid").test_client()
        response = form_post(client, "/auth/login", {"email": f"c{int(secure)}@example.com", "password": PASSWORD})  # a flashed message
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("plus_session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_signing_up_from_a_page_returns_to_it_once_the_address_is_confirmed(client):
    """Sign-up from the membership page (/auth/signup?next=…) ends on that page, as logging in does."""
    with caught_mail(client.application) as mail:
        form_post(
            client, "/auth/signup?next=/account/membership", {"email": "new@example.com", "password": PASSWORD, "password2": PASSWORD}
        )
    link = mailed_link("\n".join(mail.texts), "/auth/confirm/")
    confirmed = form_post(client, link, {})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/account/membership"), confirmed.headers


def test_a_foreign_next_on_sign_up_is_not_followed(client):
    with caught_mail(client.application) as mail:
        form_post(client, "/auth/signup?next=//evil.example/x", {"email": "new2@example.com", "password": PASSWORD, "password2": PASSWORD})
    link = mailed_link("\n".join(mail.texts), "/auth/confirm/")
    assert "evil" not in link
    confirmed = form_post(client, link, {})
    assert confirmed.headers["Location"].endswith("/account/")
