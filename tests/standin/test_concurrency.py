"""The stand-in under concurrent requests: one payment per session, no lost sessions, no deadlock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import payment_params


def test_concurrent_pays_complete_a_session_exactly_once(client, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())

    def press_pay(_):
        return requests.post(session.url, data={"payment_method": "card", "email": "a@b.cn"}, allow_redirects=False, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(press_pay, range(6)))
    assert statuses == [303] + [409] * 5
    hook.wait_for("checkout.session.completed")
    assert len(client.v1.payment_intents.list().data) == 1


def test_concurrent_creates_and_pays_all_land_and_deliver(client, hook):
    def create_and_pay(n):
        session = client.v1.checkout.sessions.create(params=payment_params(client_reference_id=f"o{n}"))
        requests.post(session.url, data={"payment_method": "card", "email": "a@b.cn"}, allow_redirects=False, timeout=10).raise_for_status()
        return session.id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(create_and_pay, range(16)))
    assert len(ids) == 16
    listed = {s.id for s in client.v1.checkout.sessions.list(params={"limit": 100, "status": "complete"}).data}
    assert listed == ids
    events = hook.wait_for("checkout.session.completed", times=16, timeout=15)
    assert {e.data.object.id for e in events if e.type == "checkout.session.completed"} == ids
