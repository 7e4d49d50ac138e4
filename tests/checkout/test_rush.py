"""A rush: Stripe sessions open off the request threads, at a pace, with Stripe's 429s retried; a full queue refuses at once."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
import stripe
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import CheckoutSession
from checkout.stock import committed
from checkout.stripe_pace import Pace, paced
from stripe_standin import create_app as create_standin
from stripe_standin import serve_in_thread

from .helpers import buy, other_shopper, wait_for

UMBRELLA = [{"product": "umbrella", "quantity": 1}]


@pytest.fixture
def limited_standin():
    """A stand-in that answers 429 past 3 session creations a second, as Stripe does past 25."""
    standin = create_standin({"RATE_LIMIT": 3, "SWEEP_INTERVAL": 0})
    running = serve_in_thread(standin)
    yield SimpleNamespace(url=running.url, limiter=standin.extensions["stripe_standin_rate"])
    running.stop()


def held(app) -> int:
    with get_database(app).sessions() as db:
        return committed(db, "umbrella")


def test_the_pace_spaces_callers_evenly_across_threads():
    now = [100.0]
    slept: list[float] = []
    pace = Pace(10, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        pace.wait()
    assert slept == pytest.approx([0.1, 0.2])


def test_stripe_429s_are_retried_with_the_same_key_until_the_session_opens(limited_standin):
    client = stripe.StripeClient("sk_test_rush", base_addresses={"api": limited_standin.url}, max_network_retries=0)
    params = {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "cny", "unit_amount": 855, "product_data": {"name": "伞"}}, "quantity": 1}],
        "success_url": "http://shop.test/ok",
    }
    fast = Pace(1000)  # faster than the stand-in allows: only the retries can get every session through
    sessions = [paced(fast, lambda n=n: client.v1.checkout.sessions.create(params, {"idempotency_key": f"rush-{n}"})) for n in range(4)]
    assert len({session.id for session in sessions}) == 4
    assert limited_standin.limiter.refused > 0
    again = paced(fast, lambda: client.v1.checkout.sessions.create(params, {"idempotency_key": "rush-3"}))
    assert again.id == sessions[3].id  # a retry with the key never opens a second session


@pytest.mark.slow  # 429s retried with backoff until eight sessions are open
def test_a_burst_past_stripes_rate_limit_is_served_without_an_error(make_app, limited_standin):
    app = make_app(STRIPE_API_BASE=limited_standin.url, PLUS_STRIPE_RATE=100, PLUS_RATE_CHECKOUT="1000 per minute")
    statuses: list[int] = []

    def shopper():
        statuses.append(buy(app.test_client(), UMBRELLA).status_code)

    threads = [threading.Thread(target=shopper) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 8 and set(statuses) <= {201, 202}  # 202: queued behind the others, held all the same

    def all_open():
        with get_database(app).sessions() as db:
            return [r.status for r in db.scalars(select(CheckoutSession))] == ["open"] * 8

    wait_for(all_open, timeout=30)
    # Counted once every session is open: most were queued (202) and opened by the queue after the
    # answers, so at the answers Stripe may not have refused one yet.
    assert limited_standin.limiter.refused > 0


def test_a_checkout_not_opened_at_once_answers_202_and_the_waiting_page_leads_to_stripe(make_app, standin):
    app = make_app(PLUS_CHECKOUT_WAIT=0)
    client = app.test_client()
    response = buy(client, UMBRELLA)
    assert response.status_code == 202, response.get_json()
    answer = response.get_json()
    assert answer["next"] == "wait" and answer["url"].startswith(f"http://shop.test/checkout/{answer['id']}/pay?turn=")
    assert held(app) == 1  # the stock is held while the session is opened
    status = wait_for(lambda: (s := client.get(answer["status_url"]).get_json())["status"] == "open" and s)
    assert status["url"].startswith(standin)
    page = client.get(f"/checkout/{answer['id']}/pay")
    assert page.status_code == 303 and page.headers["Location"] == status["url"]


def test_the_waiting_page_reloads_itself_while_queued_and_is_closed_after_a_failure(make_app):
    app = make_app(PLUS_CHECKOUT_WAIT=0, STRIPE_API_BASE="http://127.0.0.1:9")  # nothing listens: Stripe cannot be reached
    client = app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    closed = wait_for(lambda: (page := client.get(f"/checkout/{answer['id']}/pay")).status_code == 410 and page)
    assert "回购物车" in closed.get_data(as_text=True)
    assert held(app) == 0  # the failed checkout gave its stock back
    assert client.get(answer["status_url"]).get_json()["status"] == "closed"


@pytest.mark.slow  # waits for the paced worker (a session every 5 s) to open what it accepted
def test_a_full_queue_answers_503_with_retry_after_at_once_and_holds_nothing(make_app):
    # one worker, one place in the queue and a session every 5 s: the third shopper finds it full
    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_CHECKOUT_QUEUE=1, PLUS_STRIPE_RATE=0.2)
    # four shoppers (one shopper's new checkout would replace their own earlier hold)
    statuses = [buy(app.test_client(), UMBRELLA) for _ in range(4)]
    refused = [r for r in statuses if r.status_code == 503]
    assert refused and all(r.get_json()["error"]["code"] == "queue_full" and int(r.headers["Retry-After"]) >= 1 for r in refused)
    accepted = sum(r.status_code == 202 for r in statuses)
    assert held(app) == accepted  # a refused shopper holds nothing

    def all_opened():  # let the worker finish before the database goes away
        with get_database(app).sessions() as db:
            return [r.status for r in db.scalars(select(CheckoutSession))].count("open") == accepted

    wait_for(all_opened, timeout=60)


def test_in_a_rush_the_request_does_not_wait_for_a_session_queued_behind_others():
    from checkout.payments import Started
    from checkout.session_queue import SessionQueue

    jobs, release = SessionQueue(workers=1, size=10, rate=1000), threading.Event()
    jobs.submit("first", lambda: release.wait(10) and Started("cs_1", "u1"))  # the only worker is busy
    jobs.submit("second", lambda: Started("cs_2", "u2"))  # waits in the queue
    began = time.monotonic()
    assert jobs.run("third", lambda: Started("cs_3", "u3"), wait=5) is None  # answered at once: 202
    assert time.monotonic() - began < 1
    release.set()
    assert wait_for(lambda: jobs.result("third")).id == "cs_3"


def test_in_a_rush_the_request_does_not_wait_for_a_session_whose_stripe_turn_is_later():
    """Jobs taken by idle workers wait for their turn in the pace, not in the queue: the queue looks empty, the pace does not."""
    from checkout.payments import Started
    from checkout.session_queue import SessionQueue

    jobs = SessionQueue(workers=4, size=10, rate=2)  # a turn every half second

    def paced_job(n: int):
        return lambda: jobs.pace.wait() or Started(f"cs_{n}", f"u{n}")

    for n in range(3):  # the first calls Stripe now; the next two have turns in 0.5 and 1 s
        jobs.submit(f"early-{n}", paced_job(n))
    wait_for(lambda: jobs.pace.delay() > 0.9)
    began = time.monotonic()
    assert jobs.run("late", paced_job(9), wait=1) is None  # answered at once (202): its turn is 1.5 s away
    assert time.monotonic() - began < 0.3
    assert wait_for(lambda: jobs.result("late"), timeout=10).id == "cs_9"
    jobs.close()


def test_at_most_two_requests_of_a_process_wait_for_their_stripe_session_at_once():
    """The rest answer 202 at once, however free the pace: a process has few threads, and webhooks and polls need them."""
    from checkout.payments import Started
    from checkout.session_queue import LISTENERS, SessionQueue

    jobs, release = SessionQueue(workers=8, size=10, rate=1000), threading.Event()
    slow = [lambda n=n: release.wait(10) and Started(f"cs_{n}", f"u{n}") for n in range(LISTENERS + 1)]
    listeners = [threading.Thread(target=jobs.run, args=(f"listener-{n}", slow[n]), kwargs={"wait": 5}) for n in range(LISTENERS)]
    for thread in listeners:
        thread.start()
    wait_for(lambda: len(jobs._listening) == LISTENERS)
    began = time.monotonic()
    assert jobs.run("next", slow[-1], wait=5) is None  # answered at once (202)
    assert time.monotonic() - began < 0.3
    release.set()
    for thread in listeners:
        thread.join()
    assert wait_for(lambda: jobs.result("next")).id == f"cs_{LISTENERS}"
    jobs.close()


def test_closing_the_queue_lets_running_jobs_finish_drops_queued_ones_and_stops_its_workers():
    """The app closes its queue before its database: a job still opening a session keeps a live connection."""
    from checkout.payments import Started
    from checkout.session_queue import SessionQueue

    jobs, finished, before = SessionQueue(workers=2, size=10, rate=1000), [], set(threading.enumerate())

    def slow(name: str):
        time.sleep(0.3)
        finished.append(name)
        return Started(f"cs_{name}", name)

    for name in ("a", "b", "c"):
        jobs.submit(name, lambda n=name: slow(n))
    time.sleep(0.1)  # two workers have taken "a" and "b"; "c" waits
    jobs.close()
    assert sorted(finished) == ["a", "b"]
    assert not [t for t in threading.enumerate() if t not in before and t.name.startswith("plus-stripe-")]


# -- a shopper who leaves the queue frees the stock within a minute -------------------------------


def stripe_client(app) -> stripe.StripeClient:
    from checkout.stripe_api import get_stripe

    return get_stripe(app)


def sessions_of(app, checkout_id: str) -> list:
    """The Stripe sessions opened for a checkout (asked of the stand-in)."""
    found = stripe_client(app).v1.checkout.sessions.list({"limit": 100}).data
    return [s for s in found if s.client_reference_id == checkout_id]


def checkout_row(app, checkout_id: str) -> CheckoutSession:
    with get_database(app).sessions() as db:
        return db.get(CheckoutSession, checkout_id)


def set_deadline(app, checkout_id: str, seconds_from_now: float) -> None:
    """Move a queued checkout's hold deadline (as if its waiting page last asked that long ago)."""
    import datetime as dt

    from checkout.models import utcnow

    with get_database(app).transaction() as db:
        db.get(CheckoutSession, checkout_id).expires_at = utcnow() + dt.timedelta(seconds=seconds_from_now)


@pytest.fixture
def stuck_queue(make_app):
    """An app whose only Stripe worker is busy until `release` is set: every checkout stays queued."""
    from checkout.payments import Started
    from checkout.session_queue import get_queue

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_QUEUE_HOLD_SECONDS=20)
    release = threading.Event()
    get_queue(app).submit("blocker", lambda: release.wait(30) and Started("cs_blocker", "u"))
    yield SimpleNamespace(app=app, release=release)
    release.set()


def test_a_queued_checkout_starts_with_a_short_hold_that_the_waiting_page_keeps(stuck_queue):
    from checkout.models import utcnow

    app, client = stuck_queue.app, stuck_queue.app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    deadline = checkout_row(app, answer["id"]).expires_at
    assert 15 < (deadline - utcnow()).total_seconds() <= 20  # PLUS_QUEUE_HOLD_SECONDS, not the session's 31 minutes
    set_deadline(app, answer["id"], 5)  # the page last asked 15 s ago
    assert client.get(answer["status_url"]).get_json()["status"] == "queued"
    assert (checkout_row(app, answer["id"]).expires_at - utcnow()).total_seconds() > 15  # asked again: held on
    page = client.get(f"/checkout/{answer['id']}/pay")
    assert page.status_code == 200 and 'data-waiting="queued"' in page.get_data(as_text=True)
    assert held(app) == 1


def test_waiting_pages_asking_within_a_second_keep_their_holds_with_one_write_a_second(stuck_queue):
    from checkout.models import utcnow
    from checkout.waiting import Heartbeats

    app = stuck_queue.app
    now = [100.0]
    app.extensions["plus_heartbeats"] = Heartbeats(every=1.0, clock=lambda: now[0])
    shoppers = [app.test_client() for _ in range(3)]
    answers = [buy(client, UMBRELLA).get_json() for client in shoppers]
    for answer in answers:
        set_deadline(app, answer["id"], 5)  # every page last asked 15 s ago

    def left(n: int) -> float:
        return (checkout_row(app, answers[n]["id"]).expires_at - utcnow()).total_seconds()

    def ask(n: int) -> None:
        assert shoppers[n].get(answers[n]["status_url"]).get_json()["status"] == "queued"

    ask(0)
    assert left(0) > 15  # the first ask writes at once
    now[0] += 0.5
    ask(1)
    ask(2)
    assert left(1) <= 5 and left(2) <= 5  # gathered, not written yet
    now[0] += 0.6
    ask(0)  # another shopper's ask a second later writes them all in one go
    assert left(1) > 15 and left(2) > 15
    assert held(app) == 3


def queued_behind_a_blocker(app, shoppers: int):
    """(release, clients, answers): `shoppers` new shoppers' checkouts queued behind one Stripe call that waits for `release`."""
    from checkout.payments import Started
    from checkout.session_queue import get_queue

    release = threading.Event()
    get_queue(app).submit("blocker", lambda: release.wait(30) and Started("cs_blocker", "u"))
    clients = [other_shopper(app, n) for n in range(shoppers)]
    return release, clients, [buy(client, UMBRELLA) for client in clients]


def test_far_back_in_the_queue_the_waiting_page_asks_less_often_and_near_the_front_every_second(make_app):
    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_STRIPE_RATE=0.4, PLUS_QUEUE_HOLD_SECONDS=60)
    release, shoppers, queued = queued_behind_a_blocker(app, 10)
    answers = [answer.get_json() for answer in queued]
    asked = [client.get(answer["status_url"]).headers["Retry-After"] for client, answer in zip(shoppers, answers, strict=True)]
    # n ahead at one session every 2.5 s: asked again when three quarters of the 2.5n s have passed, at most every 15 s
    # (a quarter of the 60 s hold)
    assert asked == ["1", "2", "4", "6", "8", "10", "12", "14", "15", "15"]
    assert [answer.headers["Retry-After"] for answer in queued] == asked  # the 202 says when to ask first
    page = shoppers[4].get(answers[4]["url"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="8">' in page
    release.set()


@pytest.fixture
def quick_recheck(monkeypatch) -> float:
    """A queued job asks whether its shopper is still there after 0.2 s instead of a second."""
    from checkout import session_queue

    monkeypatch.setattr(session_queue, "RECHECK_AFTER", 0.2)
    return session_queue.RECHECK_AFTER


def job_ran(app, checkout_id: str) -> bool:
    """Whether the queue's job for a checkout has run: it keeps the session it opened, or its error."""
    from checkout.session_queue import get_queue

    try:
        return get_queue(app).result(checkout_id) is not None
    except Exception:
        return True


def test_the_sweep_releases_a_queued_checkout_whose_waiting_page_stopped_asking_and_stripe_is_never_called(stuck_queue, quick_recheck):
    from checkout.operations import sweep_reservations

    app, client = stuck_queue.app, stuck_queue.app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    assert held(app) == 1
    set_deadline(app, answer["id"], -1)  # the shopper closed the waiting page a hold period ago
    assert sweep_reservations(get_database(app), stripe_client(app)) == 1
    assert held(app) == 0 and checkout_row(app, answer["id"]).status == "expired"
    assert client.get(answer["status_url"]).get_json()["status"] == "closed"  # came back: told it ended
    time.sleep(quick_recheck)  # a hold period is longer than this: a job that waited as long asks before calling Stripe
    stuck_queue.release.set()
    wait_for(lambda: job_ran(app, answer["id"]))  # the job's turn comes
    assert sessions_of(app, answer["id"]) == []


def test_a_queued_job_whose_shopper_left_releases_the_stock_itself_without_calling_stripe(stuck_queue, quick_recheck):
    app = stuck_queue.app
    left = buy(app.test_client(), UMBRELLA).get_json()
    stays = app.test_client()
    waiting = buy(stays, UMBRELLA).get_json()
    assert held(app) == 2
    set_deadline(app, left["id"], -1)  # no sweep yet: the job finds out itself
    time.sleep(quick_recheck)
    stuck_queue.release.set()
    wait_for(lambda: stays.get(waiting["status_url"]).get_json()["status"] == "open", timeout=20)
    wait_for(lambda: checkout_row(app, left["id"]).status == "expired", timeout=20)
    assert held(app) == 1  # the one still waiting keeps theirs
    assert sessions_of(app, left["id"]) == [] and len(sessions_of(app, waiting["id"])) == 1


@pytest.mark.slow  # waits out a stuck queue
def test_a_session_opened_late_in_the_queue_still_lives_thirty_minutes_from_its_creation(stuck_queue):
    app, client = stuck_queue.app, stuck_queue.app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    time.sleep(2.5)  # queued: Stripe makes the session later than the request
    stuck_queue.release.set()
    wait_for(lambda: client.get(answer["status_url"]).get_json()["status"] == "open", timeout=20)
    (session,) = sessions_of(app, answer["id"])
    assert session.expires_at - session.created >= 31 * 60 - 1  # the TTL (30 min) and its minute of margin, from creation
    stored = checkout_row(app, answer["id"]).expires_at
    assert abs(stored.timestamp() - session.expires_at) <= 2  # fetched by the page: the sweep waits for Stripe's own expiry


def test_a_session_the_queue_opened_for_a_shopper_who_left_is_expired_by_the_sweep_within_the_hold(make_app):
    from checkout.models import utcnow
    from checkout.operations import sweep_reservations

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_QUEUE_HOLD_SECONDS=20)
    answer = buy(app.test_client(), UMBRELLA).get_json()  # 202, and the shopper closes the page at once
    wait_for(lambda: checkout_row(app, answer["id"]).status == "open", timeout=20)  # their turn came quickly
    assert (checkout_row(app, answer["id"]).expires_at - utcnow()).total_seconds() <= 20  # nobody took it: held briefly
    assert sweep_reservations(get_database(app), stripe_client(app)) == 0  # not yet
    set_deadline(app, answer["id"], -1)  # the hold passed without the page asking
    assert sweep_reservations(get_database(app), stripe_client(app)) == 1
    assert held(app) == 0 and checkout_row(app, answer["id"]).status == "expired"
    (session,) = sessions_of(app, answer["id"])
    assert session.status == "expired"  # nobody can pay for it later


def test_a_session_handed_to_its_request_lasts_until_stripes_expiry(make_app):
    from checkout.models import utcnow

    app = make_app()  # the request waits for its session (201)
    response = buy(app.test_client(), UMBRELLA)
    assert response.status_code == 201
    with get_database(app).sessions() as db:
        record = db.scalar(select(CheckoutSession).where(CheckoutSession.stripe_session_id == response.get_json()["id"]))
    assert (record.expires_at - utcnow()).total_seconds() > 30 * 60


def test_the_address_step_opens_a_session_after_the_shopper_took_their_time(make_app):
    from checkout.models import utcnow

    app = make_app()
    client = app.test_client()
    started = buy(client, UMBRELLA, address=None).get_json()
    set_deadline(app, started["id"], 25 * 60)  # six minutes on the address page: the hold's 31 minutes are 25 now
    from .helpers import ADDRESS, form_post

    page = form_post(client, f"/checkout/{started['id']}/delivery", {**ADDRESS, "saved": "new"})
    assert page.status_code == 303, page.get_data(as_text=True)[-600:]
    (session,) = sessions_of(app, started["id"])
    assert session.expires_at >= utcnow().timestamp() + 30 * 60


def test_the_address_step_of_a_rush_sends_the_shopper_to_the_waiting_page_with_the_expected_turn(make_app):
    """Another process of the store knows no place in this queue: the waiting page's URL carries the turn, as POST /api/checkout's does."""
    from .helpers import ADDRESS, form_post

    app = make_app(PLUS_CHECKOUT_WAIT=0)
    client = app.test_client()
    started = buy(client, UMBRELLA, address=None).get_json()
    page = form_post(client, f"/checkout/{started['id']}/delivery", {**ADDRESS, "saved": "new"})
    assert page.status_code == 303, page.get_data(as_text=True)[-600:]
    assert page.headers["Location"].startswith(f"http://shop.test/checkout/{started['id']}/pay?turn=")
    wait_for(lambda: checkout_row(app, started["id"]).status == "open")  # the queue's job ends before the app does


def test_a_session_opened_for_a_checkout_that_ended_meanwhile_is_expired_at_stripe(make_app):
    from checkout.payments import CheckoutClosed, create_session, give_back, session_lifetime
    from checkout.session_queue import get_queue

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1)
    release = threading.Event()
    from checkout.payments import Started

    get_queue(app).submit("blocker", lambda: release.wait(30) and Started("cs_blocker", "u"))
    answer = buy(app.test_client(), UMBRELLA).get_json()
    record = checkout_row(app, answer["id"])
    give_back(get_database(app), answer["id"], "expired")  # ended (the shopper cancelled) while Stripe was being asked
    params = {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "cny", "unit_amount": 855, "product_data": {"name": "伞"}}, "quantity": 1}],
        "success_url": "http://shop.test/ok",
        "client_reference_id": answer["id"],
    }
    with pytest.raises(CheckoutClosed):
        create_session(get_database(app), stripe_client(app), record, params, lifetime=session_lifetime(30))
    (session,) = sessions_of(app, answer["id"])
    assert session.status == "expired"  # nobody can pay for stock that was given back
    release.set()


def test_plus_serve_sweeps_often_enough_to_free_a_left_queue_within_a_minute():
    from admin.serve import SWEEP_EVERY
    from checkout.config import defaults

    assert SWEEP_EVERY + float(defaults("/tmp")["PLUS_QUEUE_HOLD_SECONDS"]) <= 60


def test_a_session_stripe_opened_while_the_database_was_busy_is_recorded_all_the_same(make_app):
    from checkout.payments import Started
    from checkout.session_queue import get_queue

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_DB_WRITE_TIMEOUT=0.3)
    release = threading.Event()
    get_queue(app).submit("blocker", lambda: release.wait(30) and Started("cs_blocker", "u"))
    client = app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    locked = threading.Event()

    def busy_writer() -> None:  # another writer holds the lock (SQLite) or the row (PostgreSQL) for a while
        with get_database(app).transaction() as db:
            db.get(CheckoutSession, answer["id"], with_for_update=True)
            locked.set()
            time.sleep(1)  # longer than the job's write waits for its turn (0.3 s): it is refused at least once

    writer = threading.Thread(target=busy_writer)
    writer.start()
    locked.wait(5)
    release.set()  # Stripe answers while the database is busy
    writer.join()
    wait_for(lambda: client.get(answer["status_url"]).get_json()["status"] == "open", timeout=20)
    assert checkout_row(app, answer["id"]).stripe_session_id is not None


@pytest.mark.slow  # the membership rush; the checkout rush stays quick
def test_joining_plus_in_a_rush_takes_the_same_turns_and_survives_stripes_rate_limit(make_app, limited_standin):
    from .helpers import csrf_token, log_in, make_account

    app = make_app(STRIPE_API_BASE=limited_standin.url, PLUS_STRIPE_RATE=100, PLUS_RATE_LOGIN="1000 per minute")
    joiners = []
    for n in range(6):
        make_account(app, f"joiner{n}@example.com")
        client = app.test_client()
        assert log_in(client, f"joiner{n}@example.com").status_code == 302
        joiners.append(client)
    answers: list = []

    def join(client) -> None:
        form = csrf_token(client.get("/account/membership").get_data(as_text=True))
        answers.append(client.post("/account/membership", data={"method": "alipay", "csrf_token": form}))

    threads = [threading.Thread(target=join, args=(client,)) for client in joiners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303] * 6, [a.get_data(as_text=True)[-300:] for a in answers]
    assert all(a.headers["Location"].startswith(limited_standin.url + "/pay/") for a in answers)
    assert limited_standin.limiter.refused > 0  # Stripe said 429 and the same key was sent again


def test_a_session_opened_for_a_shopper_who_left_keeps_the_hold_their_last_ask_set(stuck_queue):
    from checkout.models import utcnow

    app = stuck_queue.app
    answer = buy(app.test_client(), UMBRELLA).get_json()
    set_deadline(app, answer["id"], 5)  # the page last asked 15 s ago, and nobody asks again
    stuck_queue.release.set()  # their turn comes: Stripe opens the session all the same
    wait_for(lambda: checkout_row(app, answer["id"]).status == "open", timeout=20)
    # a hold past the last ask, not past the turn: released a hold period after leaving
    assert (checkout_row(app, answer["id"]).expires_at - utcnow()).total_seconds() <= 5


def test_the_sweep_expires_many_left_sessions_at_stripe_at_once(make_app):
    from checkout.operations import sweep_reservations

    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_QUEUE_HOLD_SECONDS=20)
    answers = [buy(other_shopper(app, n), UMBRELLA).get_json() for n in range(4)]
    for answer in answers:
        wait_for(lambda a=answer: checkout_row(app, a["id"]).status == "open", timeout=20)
        set_deadline(app, answer["id"], -1)  # all four left
    assert sweep_reservations(get_database(app), stripe_client(app)) == 4
    assert held(app) == 0
    assert [session.status for answer in answers for session in sessions_of(app, answer["id"])] == ["expired"] * 4
