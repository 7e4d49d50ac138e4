"""Stock is held when a checkout starts and given back when it expires: never sold twice."""

from __future__ import annotations

import datetime as dt
import random
import threading

import requests
import stripe
from sqlalchemy import event, select

from checkout.db import get_database
from checkout.models import CheckoutSession
from checkout.operations import sweep_reservations
from checkout.stock import committed, reserve
from checkout.stripe_api import get_stripe

from .helpers import buy, other_shopper
from .test_webhooks import held, open_session


def checkout_concurrently(app, wanted: list[int]) -> list[tuple[int, int]]:
    """Start one checkout per quantity in `wanted`, each from its own address, all at the same moment."""
    barrier = threading.Barrier(len(wanted))
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def attempt(index: int, quantity: int) -> None:
        local = app.test_client()
        local.environ_base["REMOTE_ADDR"] = f"10.0.{index // 250}.{index % 250 + 1}"  # shoppers, not one bot: no rate limit
        barrier.wait()
        status = buy(local, [{"product": "umbrella", "quantity": quantity}]).status_code
        status = 201 if status == 202 else status  # 202: held too, its Stripe session queued behind others
        with lock:
            results.append((quantity, status))

    threads = [threading.Thread(target=attempt, args=(i, q)) for i, q in enumerate(wanted)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_hundred_concurrent_checkouts_for_the_last_ten_units_sell_ten(app):
    results = checkout_concurrently(app, [1] * 200)
    statuses = sorted(status for _, status in results)
    assert statuses.count(201) == 10
    assert statuses.count(409) == 190
    assert held(app) == 10


def test_concurrent_carts_of_mixed_sizes_never_exceed_the_stock(app):
    rng = random.Random(4)
    results = checkout_concurrently(app, [rng.randint(1, 4) for _ in range(60)])
    sold = sum(quantity for quantity, status in results if status == 201)
    assert {status for _, status in results} <= {201, 409}
    assert sold <= 10 and sold == held(app)
    assert sold >= 7  # the refusals were for want of stock, not errors: at most 3 units can be left


def test_out_of_stock_names_the_product_and_what_is_left(app, client):
    open_session(other_shopper(app), [{"product": "umbrella", "quantity": 8}])
    response = buy(client, [{"product": "umbrella", "quantity": 3}])
    assert response.status_code == 409
    assert "24骨全自动雨伞" in response.get_json()["error"]["message"] and "2" in response.get_json()["error"]["message"]


def test_a_refused_line_holds_nothing_for_the_other_lines(app, client, shop_content):
    from .helpers import UMBRELLA

    shop_content.product("mat", UMBRELLA.replace("title: 24骨全自动雨伞", "title: 瑜伽垫").replace("stock: 10", "stock: 1"))
    open_session(other_shopper(app), [{"product": "mat", "quantity": 1}])
    response = buy(client, [{"product": "umbrella", "quantity": 5}, {"product": "mat", "quantity": 1}])
    assert response.status_code == 409
    assert held(app, "umbrella") == 0


def test_sweep_releases_checkouts_stripe_has_expired(app, client):
    session_id = open_session(client)
    requests.post(f"{app.config['STRIPE_API_BASE']}/_standin/clock?advance=7200", timeout=5).raise_for_status()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with app.app_context():
        assert sweep_reservations(get_database(app), get_stripe(app), now=later) == 1
        assert sweep_reservations(get_database(app), get_stripe(app), now=later) == 0
    assert held(app) == 0
    with get_database(app).sessions() as db:
        assert db.scalar(select(CheckoutSession.status).where(CheckoutSession.stripe_session_id == session_id)) == "expired"


def test_sweep_expires_at_stripe_a_session_still_open_there(app, client):
    session_id = open_session(client)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with app.app_context():
        assert sweep_reservations(get_database(app), get_stripe(app), now=later) == 1
    client_ = stripe.StripeClient("sk_test_" + "a" * 24, base_addresses={"api": app.config["STRIPE_API_BASE"]})
    assert client_.v1.checkout.sessions.retrieve(session_id).status == "expired"
    assert held(app) == 0


def test_sweep_keeps_stock_of_checkouts_not_yet_expired(app, client):
    open_session(client)
    with app.app_context():
        assert sweep_reservations(get_database(app), get_stripe(app)) == 0
    assert held(app) == 2


def test_sweep_counts_a_paid_session_as_sold(app, client):
    from .helpers import pay

    session_id = open_session(client)
    assert pay(app.config["STRIPE_API_BASE"], session_id).status_code == 303
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with app.app_context():
        assert sweep_reservations(get_database(app), get_stripe(app), now=later) == 0
    assert held(app) == 2
    with get_database(app).sessions() as db:
        assert committed(db, "umbrella") == 2
        assert db.scalar(select(CheckoutSession.status)) == "complete"


def test_a_first_hold_committed_between_two_statements_of_another_still_leaves_it_the_stock(app):
    """Another checkout's first hold creates the product's counter and commits just after this one found none:
    this one takes a unit too (it once heard "out of stock, 10 left")."""
    database = get_database(app)
    wanted = [("umbrella", "24骨全自动雨伞", 1, 10)]
    with database.sessions() as first, database.sessions() as second:
        first.begin()
        if first.get_bind().dialect.name == "sqlite":
            first.connection(execution_options={"plus_write": True})  # SQLite: one writer at a time, no race to set up
        assert reserve(first, wanted)
        connection = second.connection()
        fired: list[str] = []

        def commit_the_first(_conn, _cursor, statement, *_args) -> None:
            if not fired and statement.lstrip().upper().startswith("UPDATE STOCK_COUNTERS"):
                fired.append(statement)
                first.commit()  # the counter appears (committed = 1) after this shopper's first try found no row

        if first.get_bind().dialect.name == "sqlite":
            first.commit()
        else:
            event.listen(connection, "after_cursor_execute", commit_the_first)
        assert reserve(second, wanted)
        second.commit()
    with database.sessions() as db:
        assert committed(db, "umbrella") == 2
