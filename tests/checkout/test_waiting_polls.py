"""The waiting page's polls in a rush: told when to ask from their place, held that long, and cheap to answer."""

from __future__ import annotations

import datetime as dt
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import event, update

from checkout.db import get_database
from checkout.models import User, utcnow

from .helpers import buy, log_in, make_account, other_shopper, wait_for
from .test_rush import UMBRELLA, checkout_row, queued_behind_a_blocker, set_deadline


@pytest.fixture
def slow_queue(make_app):
    """An app whose one Stripe worker is busy, opening a session every 10 s after that: checkouts stay queued."""
    from checkout.payments import Started
    from checkout.session_queue import get_queue

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_STRIPE_RATE=0.1, PLUS_QUEUE_HOLD_SECONDS=60)
    release = threading.Event()
    get_queue(app).submit("blocker", lambda: release.wait(30) and Started("cs_blocker", "u"))
    yield SimpleNamespace(app=app, release=release)
    release.set()


def left(app, checkout_id: str) -> float:
    return (checkout_row(app, checkout_id).expires_at - utcnow()).total_seconds()


def test_a_shopper_told_to_ask_again_in_15_s_is_held_a_hold_period_past_that(slow_queue):
    from checkout.waiting import Heartbeats

    app = slow_queue.app
    now = [100.0]
    app.extensions["plus_heartbeats"] = Heartbeats(every=1.0, clock=lambda: now[0])  # the writes' second, without waiting it
    shoppers = [other_shopper(app, n) for n in range(3)]
    answers = [buy(client, UMBRELLA).get_json() for client in shoppers]
    for answer in answers:
        set_deadline(app, answer["id"], 5)  # asked 55 s ago, with a 60 s hold
    last = shoppers[2].get(answers[2]["status_url"])
    assert last.headers["Retry-After"] == "15"  # two ahead, one every 10 s
    assert left(app, answers[2]["id"]) > 15 + 60 - 2  # written at once (the process's first write)
    now[0] += 1.1
    first = shoppers[0].get(answers[0]["status_url"])
    assert first.headers["Retry-After"] == "1"
    assert 60 - 2 < left(app, answers[0]["id"]) <= 1 + 60
    set_deadline(app, answers[2]["id"], 40)  # more than half the hold left, but not a hold past the ask 15 s from now
    now[0] += 1.1
    assert shoppers[2].get(answers[2]["status_url"]).headers["Retry-After"] == "15"
    assert left(app, answers[2]["id"]) > 15 + 60 - 2


def test_a_short_hold_has_the_page_ask_within_a_quarter_of_it(make_app):
    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_STRIPE_RATE=0.1, PLUS_QUEUE_HOLD_SECONDS=12)
    release, _, answers = queued_behind_a_blocker(app, 3)
    assert answers[2].headers["Retry-After"] == "3"  # 20 s away, but the hold is 12 s: asked again within a quarter of it
    release.set()


def test_another_process_tells_the_shopper_when_to_ask_from_the_turn_in_the_url(slow_queue, make_app):
    app = slow_queue.app
    shoppers = [other_shopper(app, n) for n in range(3)]
    answers = [buy(client, UMBRELLA).get_json() for client in shoppers]
    other = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_QUEUE_HOLD_SECONDS=60).test_client()  # a second worker: its queue never saw these checkouts
    path = answers[2]["status_url"]
    assert "?turn=" in path and "?turn=" in answers[2]["url"]
    assert other.get(path).headers["Retry-After"] == "15"  # expected in 20 s
    bare = path.split("?")[0]
    assert other.get(f"{bare}?turn={int(time.time()) + 5}").headers["Retry-After"] == "4"  # in 4–5 s: ¾ of it, up
    assert other.get(f"{bare}?turn={time.time() - 30:.0f}").headers["Retry-After"] == "1"  # late: asks every second
    for nonsense in ("", "?turn=soon", "?turn=nan", f"?turn={time.time() + 86400:.0f}"):
        assert other.get(bare + nonsense).headers["Retry-After"] == "1"  # no usable turn: its own (empty) queue's guess


def test_holds_gathered_between_writes_are_written_within_a_second_without_another_ask(slow_queue):
    from checkout.waiting import Heartbeats

    app = slow_queue.app
    beats = app.extensions["plus_heartbeats"] = Heartbeats(every=0.3)
    shoppers = [other_shopper(app, n) for n in range(2)]
    answers = [buy(client, UMBRELLA).get_json() for client in shoppers]
    database, until = get_database(app), utcnow() + dt.timedelta(seconds=90)  # the first hold: 60 s
    beats.beat(database, answers[0]["id"], until)
    beats.beat(database, answers[1]["id"], until)
    assert left(app, answers[0]["id"]) > 85 and left(app, answers[1]["id"]) < 65  # the second waits for the next write
    wait_for(lambda: left(app, answers[1]["id"]) > 85, timeout=5)  # nobody asked: the timer wrote it


def statements_of(app, request) -> list[str]:
    """The SQL statements the app's database ran while `request()` was answered."""
    seen: list[str] = []
    engine = get_database(app).engine

    def record(conn, cursor, statement, *args):
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_members_poll_reads_one_row_and_sends_no_cookie(slow_queue):
    app = slow_queue.app
    make_account(app, "poll@example.com")
    member = app.test_client()
    log_in(member, "poll@example.com")
    answer = buy(member, UMBRELLA).get_json()
    member.get(answer["status_url"])
    polls = []
    seen = statements_of(app, lambda: polls.append(member.get(answer["status_url"])))
    assert polls[0].get_json()["status"] == "queued"
    assert [s for s in seen if s not in ("BEGIN", "COMMIT", "ROLLBACK")] == ["SELECT"]  # not the account, then the checkout
    assert "Set-Cookie" not in polls[0].headers  # the login cookie is not signed again, plus_me not looked at


def test_a_members_queued_checkout_is_shown_to_that_login_only(slow_queue):
    app = slow_queue.app
    make_account(app, "owner@example.com")
    make_account(app, "other@example.com")
    owner, other = app.test_client(), other_shopper(app, 7)
    log_in(owner, "owner@example.com")
    log_in(other, "other@example.com")
    answer = buy(owner, UMBRELLA).get_json()
    assert owner.get(answer["status_url"]).status_code == 200
    assert other.get(answer["status_url"]).status_code == 404
    assert app.test_client().get(answer["status_url"]).status_code == 404  # logged out
    with get_database(app).transaction() as db:  # a password reset ends every login of the account
        db.execute(update(User).where(User.email == "owner@example.com").values(session_epoch=User.session_epoch + 1))
    assert owner.get(answer["status_url"]).status_code == 404
    assert owner.get(answer["url"]).status_code == 404
