"""The operators' admin API: Bearer token, order list with filters and pages, CSV, ship, refund."""

from __future__ import annotations

import pytest
import stripe

from .helpers import ADMIN_TOKEN, UMBRELLA, post_event, spreadsheet
from .test_webhooks import as_paid, open_session

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def paid_order(app, client, items=None, email="buyer@example.com") -> dict:
    """A paid order made through a real session and a signed completion event; returns it as the API shows it."""
    session = as_paid(app, open_session(client, items or [{"product": "aux-vacuum", "quantity": 1}]))
    session["customer_details"] = {"email": email}
    assert post_event(client, "checkout.session.completed", session).status_code == 200
    listed = client.get("/api/admin/orders", headers=AUTH, query_string={"limit": 1}).get_json()
    return listed["orders"][0]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {ADMIN_TOKEN}", f"Bearer {ADMIN_TOKEN}x", "Bearer "])
def test_admin_api_needs_the_exact_bearer_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/admin/orders", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/admin/orders/1/ship", headers=headers).status_code == 401


def test_admin_api_is_off_without_a_configured_token(app, client):
    app.config["PLUS_ADMIN_TOKEN"] = None
    response = client.get("/api/admin/orders", headers={"Authorization": "Bearer "})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "admin_disabled"


def test_orders_are_listed_newest_first_with_filters_and_pages(app, client):
    first = paid_order(app, client, email="a@example.com")
    second = paid_order(app, client, [{"product": "umbrella", "quantity": 2}], email="b@example.com")
    everything = client.get("/api/admin/orders", headers=AUTH).get_json()
    assert [o["id"] for o in everything["orders"]] == [second["id"], first["id"]] and everything["total"] == 2
    page = client.get("/api/admin/orders", headers=AUTH, query_string={"limit": 1}).get_json()
    assert [o["id"] for o in page["orders"]] == [second["id"]] and page["next_offset"] == 1
    rest = client.get("/api/admin/orders", headers=AUTH, query_string={"limit": 1, "offset": 1}).get_json()
    assert [o["id"] for o in rest["orders"]] == [first["id"]] and rest["next_offset"] is None
    by_product = client.get("/api/admin/orders", headers=AUTH, query_string={"product": "umbrella"}).get_json()
    assert [o["id"] for o in by_product["orders"]] == [second["id"]]
    by_email = client.get("/api/admin/orders", headers=AUTH, query_string={"email": "A@example.com"}).get_json()
    assert [o["id"] for o in by_email["orders"]] == [first["id"]]
    assert client.get("/api/admin/orders", headers=AUTH, query_string={"status": "shipped"}).get_json()["total"] == 0
    assert client.get("/api/admin/orders", headers=AUTH, query_string={"since": "2100-01-01T00:00:00Z"}).get_json()["total"] == 0


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"limit": 0}, {"limit": 201}, {"offset": -1}, {"since": "yesterday"}, {"format": "xml"}]
)
def test_bad_filters_are_400(client, query):
    response = client.get("/api/admin/orders", headers=AUTH, query_string=query)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_filter"


def test_csv_export_defuses_formulas(app, client):
    paid_order(app, client, email='=HYPERLINK("http://evil")@example.com')
    response = client.get("/api/admin/orders", headers=AUTH, query_string={"format": "csv"})
    assert response.mimetype == "text/csv"
    rows = spreadsheet(response.get_data(as_text=True))  # the owner's spreadsheet, in the store's zh-CN
    assert len(rows) == 1
    assert rows[0]["邮箱"].startswith("'=")
    assert rows[0]["实付金额（元）"] == "77.00" and rows[0]["配送费（元）"] == "8.00"
    assert rows[0]["商品"] == "奥克斯家用大吸尘器 × 1（单价 ¥69.00）"


def test_ship_marks_a_paid_order_shipped(app, client):
    order = paid_order(app, client)
    response = client.post(f"/api/admin/orders/{order['id']}/ship", headers=AUTH, json={"carrier": "顺丰", "tracking": "SF123"})
    assert response.status_code == 200
    shipped = response.get_json()
    assert shipped["status"] == "shipped" and shipped["tracking"] == "SF123" and shipped["shipped_at"]
    assert client.get(f"/api/admin/orders/{order['id']}", headers=AUTH).get_json()["status"] == "shipped"


def test_ship_refuses_unknown_and_unpaid_orders(app, client):
    assert client.post("/api/admin/orders/999/ship", headers=AUTH).status_code == 404
    session = as_paid(app, open_session(client), payment_status="unpaid")
    post_event(client, "checkout.session.completed", session)
    order = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"][0]
    assert order["status"] == "awaiting_payment"
    response = client.post(f"/api/admin/orders/{order['id']}/ship", headers=AUTH)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_shippable"


def test_admin_posts_take_json_only(app, client):
    order = paid_order(app, client)
    response = client.post(
        f"/api/admin/orders/{order['id']}/ship", headers=AUTH, data="tracking=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_refund_goes_through_stripe_once(live, client):
    from .helpers import buy, flush, pay

    session_id = buy(client, [{"product": "aux-vacuum", "quantity": 1}]).get_json()["id"]
    pay(live.standin, session_id)
    flush(live.standin)
    order = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"][0]
    first = client.post(f"/api/admin/orders/{order['id']}/refund", headers=AUTH)
    again = client.post(f"/api/admin/orders/{order['id']}/refund", headers=AUTH)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["status"] == "refunded" and first.get_json()["stripe_refund_id"] == again.get_json()["stripe_refund_id"]
    stripe_client = stripe.StripeClient("sk_test_" + "a" * 24, base_addresses={"api": live.standin})
    refunds = stripe_client.v1.refunds.list({"payment_intent": order["stripe_payment_intent"]}).data
    assert len(refunds) == 1 and refunds[0].amount == 7700  # the goods and the delivery fee


def test_refund_of_an_unpaid_order_is_refused(app, client):
    session = as_paid(app, open_session(client), payment_status="unpaid")
    post_event(client, "checkout.session.completed", session)
    order = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"][0]
    assert client.post(f"/api/admin/orders/{order['id']}/refund", headers=AUTH).status_code == 409


def test_nda_brands_reach_no_order_output(app, client, shop_content):
    shop_content.factory(
        "haixing",
        """\
        name: 海兴家居
        region: 浙江宁波
        oem_for:
          - brand: SecretBrandZeta
            disclosure: nda
        verification:
          audited_on: 2026-09-01
          qualification: true
          oem_contract: true
          supply_chain: true
          production_line: true
        """,
    )
    shop_content.product(
        "organizer",
        UMBRELLA.replace("factory: aux", "factory: haixing")
        .replace("same-source", "same-craft")
        .replace("title: 24骨全自动雨伞", "title: 桌面收纳盒"),
    )
    paid_order(app, client, [{"product": "organizer", "quantity": 1}])
    outputs = [
        client.get("/api/admin/orders", headers=AUTH).get_data(as_text=True),
        client.get("/api/admin/orders", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True),
    ]
    from .test_shop import stripe_session

    outputs.append(str(stripe_session(app, open_session(client, [{"product": "organizer", "quantity": 1}]))))
    assert all("secretbrandzeta" not in text.lower() for text in outputs)


class WebhookFirst(stripe.RequestsClient):
    """The stripe library's HTTP client, delivering the stand-in's webhooks as soon as a refund is made: the
    charge.refunded event reaches the store before the refund's own answer is recorded (it can, in production)."""

    def __init__(self, standin: str):
        super().__init__()
        self.standin = standin

    def request(self, method, url, headers, post_data=None):
        answer = super().request(method, url, headers, post_data)
        if method == "post" and url.endswith("/v1/refunds"):
            from .helpers import flush

            flush(self.standin)
        return answer


def test_a_refund_whose_webhook_came_first_still_records_the_refund(live, client):
    from .helpers import buy, flush, pay

    session_id = buy(client, [{"product": "aux-vacuum", "quantity": 1}]).get_json()["id"]
    pay(live.standin, session_id)
    flush(live.standin)
    order = client.get("/api/admin/orders", headers=AUTH).get_json()["orders"][0]
    live.app.extensions["plus_stripe"] = stripe.StripeClient(
        live.app.config["STRIPE_SECRET_KEY"], base_addresses={"api": live.standin}, http_client=WebhookFirst(live.standin)
    )
    refunded = client.post(f"/api/admin/orders/{order['id']}/refund", headers=AUTH).get_json()
    assert refunded["status"] == "refunded" and (refunded["stripe_refund_id"] or "").startswith("re_"), refunded
