"""Two separate app processes on one PostgreSQL behave as one store: logins, stock holds, orders."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.checkout.helpers import (
    ADDRESS,
    ADMIN_TOKEN,
    PASSWORD,
    add_shop_products,
    csrf_token,
    link_from_mail_folder,
    pay,
)

from .conftest import add_webhook_endpoint, app_env
from .procs import start_two_instances, wait_for


def sign_up(http: requests.Session, instance, email: str) -> None:
    """Create an account through the sign-up form of `instance` and open the mailed link, as a browser would."""
    base = instance.url
    form = http.get(f"{base}/auth/signup", timeout=10)
    answer = http.post(
        f"{base}/auth/signup",
        data={"email": email, "password": PASSWORD, "password2": PASSWORD, "csrf_token": csrf_token(form.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    link = link_from_mail_folder(Path(instance.env["PLUS_INSTANCE"]).parent, email)
    page = http.get(base + link, timeout=10)
    confirmed = http.post(base + link, data={"csrf_token": csrf_token(page.text)}, allow_redirects=False, timeout=10)
    assert confirmed.status_code == 302, confirmed.text


def hold(http: requests.Session, base: str, quantity: int) -> requests.Response:
    """Start a checkout for `quantity` umbrellas (10 in stock) at one instance."""
    return http.post(
        f"{base}/api/checkout", json={"items": [{"product": "umbrella", "quantity": quantity}], "address": ADDRESS}, timeout=15
    )


def test_two_instances_on_one_postgresql_share_logins_stock_holds_and_orders(tmp_path, content, pg_url, standin, processes):
    add_shop_products(content)
    env = app_env(tmp_path, content.root, standin, pg_url, PLUS_ADMIN_TOKEN=ADMIN_TOKEN)
    first, second = start_two_instances(tmp_path, env, tmp_path / "no-site", processes)
    add_webhook_endpoint(standin, second.url)  # Stripe's events reach one instance only
    browser = requests.Session()

    sign_up(browser, first, "member@example.com")
    me = browser.get(f"{second.url}/api/me", timeout=10).json()
    assert me["authenticated"] is True and me["email"] == "member@example.com"

    started = hold(browser, first.url, 6)
    assert started.status_code == 201, started.text
    # other shoppers (a shopper's own new checkout would replace their earlier hold) meet the same stock
    other, third = requests.Session(), requests.Session()
    refused = hold(other, second.url, 6)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "out_of_stock"
    assert "仅剩4件" in refused.json()["error"]["message"]
    assert hold(other, second.url, 4).status_code == 201
    assert hold(third, first.url, 1).status_code == 409

    assert pay(standin, started.json()["id"]).status_code == 303
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def paid_order_seen_by_first():
        listed = requests.get(f"{first.url}/api/admin/orders", params={"status": "paid"}, headers=admin, timeout=10).json()
        return listed["orders"] if listed["total"] == 1 else None

    order = wait_for(paid_order_seen_by_first, timeout=20)[0]
    assert order["lines"][0]["product"] == "umbrella" and order["lines"][0]["quantity"] == 6
    assert order["number"] in browser.get(f"{first.url}/account/", timeout=10).text
    assert order["number"] in browser.get(f"{second.url}/account/", timeout=10).text
