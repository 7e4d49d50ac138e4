"""PLUS membership subscriptions: checkout, periods, renewal, cancellation and lapse, with their webhooks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests
import stripe

from stripe_standin import create_app, serve_in_thread
from stripe_standin.billing import add_interval
from tests.conftest import POLL

from .conftest import pay, subscription_params


@pytest.fixture
def member(client, browser):
    """A paid subscription checkout; the completed session."""
    session = client.v1.checkout.sessions.create(params=subscription_params())
    assert pay(browser, session).status_code == 303
    return client.v1.checkout.sessions.retrieve(session.id)


def one_year_after(timestamp: int) -> int:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    try:
        return int(moment.replace(year=moment.year + 1).timestamp())
    except ValueError:  # 29 February
        return int(moment.replace(year=moment.year + 1, day=28).timestamp())


def test_subscription_checkout_creates_an_active_subscription_one_interval_long(client, member, hook):
    assert (member.status, member.payment_status) == ("complete", "paid")
    subscription = client.v1.subscriptions.retrieve(member.subscription)
    assert subscription.status == "active"
    assert subscription.customer == member.customer
    assert subscription.metadata.to_dict() == {"account_id": "7"}
    assert subscription.current_period_end == one_year_after(subscription.current_period_start)
    assert subscription["items"].data[0].current_period_end == subscription.current_period_end
    assert client.v1.customers.retrieve(member.customer).email == "member@example.cn"
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == ("paid", 9900, "subscription_create")
    assert invoice.parent.subscription_details.subscription == subscription.id
    events = hook.wait_for("customer.subscription.created", "invoice.paid", "checkout.session.completed")
    order = [e.type for e in events]
    assert order.index("customer.subscription.created") < order.index("checkout.session.completed")


def test_subscriptions_take_cards_only(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=subscription_params(payment_method_types=["card", "alipay"]))
    assert caught.value.param == "payment_method_types[1]"


def test_subscription_mode_needs_a_recurring_price(client):
    params = subscription_params()
    del params["line_items"][0]["price_data"]["recurring"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=params)


def test_renew_bills_the_next_period(client, member, hook, standin):
    before = client.v1.subscriptions.retrieve(member.subscription)
    requests.post(f"{standin}/_standin/subscriptions/{member.subscription}/renew").raise_for_status()
    after = client.v1.subscriptions.retrieve(member.subscription)
    assert after.current_period_start == before.current_period_end
    assert after.current_period_end == one_year_after(before.current_period_end)
    assert after.latest_invoice != before.latest_invoice
    assert client.v1.invoices.retrieve(after.latest_invoice).billing_reason == "subscription_cycle"
    events = hook.wait_for("customer.subscription.updated")
    updated = next(e for e in events if e.type == "customer.subscription.updated")
    assert updated.data.previous_attributes.current_period_end == before.current_period_end
    assert [e.type for e in events].count("invoice.paid") == 2


def test_cancel_at_period_end_ends_the_subscription_at_renewal(client, member, hook, standin):
    updated = client.v1.subscriptions.update(member.subscription, params={"cancel_at_period_end": True})
    assert updated.cancel_at_period_end is True and updated.status == "active"
    requests.post(f"{standin}/_standin/subscriptions/{member.subscription}/renew").raise_for_status()
    ended = client.v1.subscriptions.retrieve(member.subscription)
    assert ended.status == "canceled" and ended.ended_at == updated.current_period_end
    hook.wait_for("customer.subscription.updated", "customer.subscription.deleted")


def test_delete_cancels_now_and_only_once(client, member, hook):
    canceled = client.v1.subscriptions.cancel(member.subscription)
    assert canceled.status == "canceled" and canceled.ended_at is not None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(member.subscription)
    deleted = [e for e in hook.wait_for("customer.subscription.deleted") if e.type == "customer.subscription.deleted"]
    assert [e.data.object.id for e in deleted] == [member.subscription]
    assert client.v1.subscriptions.list().data == []
    assert len(client.v1.subscriptions.list(params={"status": "all"}).data) == 1


def test_lapse_fails_the_renewal_and_ends_the_subscription(client, member, hook, standin):
    requests.post(f"{standin}/_standin/subscriptions/{member.subscription}/lapse").raise_for_status()
    lapsed = client.v1.subscriptions.retrieve(member.subscription)
    assert lapsed.status == "canceled"
    assert lapsed.cancellation_details.reason == "payment_failed"
    hook.wait_for("invoice.payment_failed", "customer.subscription.deleted")


def test_metadata_update_sends_previous_attributes(client, member, hook):
    client.v1.subscriptions.update(member.subscription, params={"metadata": {"note": "vip"}})
    event = next(e for e in hook.wait_for("customer.subscription.updated") if e.type == "customer.subscription.updated")
    assert event.data.object.metadata.to_dict() == {"account_id": "7", "note": "vip"}
    assert event.data.previous_attributes.metadata.to_dict() == {"account_id": "7"}


@pytest.mark.parametrize(
    "start, interval, count, end",
    [
        ("2027-01-31", "month", 1, "2027-02-28"),
        ("2027-01-31", "month", 2, "2027-03-31"),
        ("2028-02-29", "year", 1, "2029-02-28"),
        ("2026-11-25", "week", 2, "2026-12-09"),
        ("2026-12-15", "month", 1, "2027-01-15"),
    ],
)
def test_periods_keep_the_anchor_day(start, interval, count, end):
    def stamp(day: str) -> int:
        return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())

    assert add_interval(stamp(start), interval, count) == stamp(end)


def test_a_returning_member_keeps_their_customer(client, browser, member, hook):
    again = client.v1.checkout.sessions.create(params=subscription_params(customer=member.customer, customer_email=None))
    assert again.customer == member.customer
    assert "member@example.cn" in browser.get(again.url).text
    pay(browser, again, email="")
    renewed = client.v1.checkout.sessions.retrieve(again.id)
    assert renewed.customer == member.customer
    assert client.v1.subscriptions.retrieve(renewed.subscription).customer == member.customer
    hook.wait_for("checkout.session.completed", times=2)
    assert hook.types().count("customer.created") == 1


@pytest.mark.parametrize(
    "customer, email, param, status",
    [
        ("cus_unknown", None, "customer", 404),
        ("cus_unknown", "a@b.cn", "customer", 400),
    ],
)
def test_customer_must_exist_and_excludes_customer_email(client, customer, email, param, status):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=subscription_params(customer=customer, customer_email=email))
    assert (caught.value.param, caught.value.http_status) == (param, status)


def trial_params(trial_end: int) -> dict:
    return subscription_params(subscription_data={"metadata": {"account_id": "7"}, "trial_end": trial_end})


def test_a_trial_charges_nothing_until_it_ends_then_bills_at_its_end(client, browser, hook, standin):
    now = requests.get(f"{standin}/_standin/").json()["now"]
    trial_end = now + 200 * 86400  # a prepaid year that ends in 200 days
    session = client.v1.checkout.sessions.create(params=trial_params(trial_end))
    assert (session.amount_subtotal, session.amount_total) == (0, 0)
    assert pay(browser, session).status_code == 303
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.amount_total) == ("complete", "no_payment_required", 0)
    sub = client.v1.subscriptions.retrieve(done.subscription)
    assert (sub.status, sub.trial_end, sub.current_period_end, sub.billing_cycle_anchor) == ("trialing", trial_end, trial_end, trial_end)
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.total, first.amount_paid, first.status, first.payment_intent) == (0, 0, "paid", None)
    assert client.v1.payment_intents.list().data == []  # no charge at all
    hook.wait_for("customer.subscription.created", "invoice.paid", "checkout.session.completed")

    swept = requests.post(f"{standin}/_standin/clock", data={"advance": 200 * 86400}).json()
    assert swept["renewed"] == 1
    billed = client.v1.subscriptions.retrieve(sub.id)
    assert (billed.status, billed.current_period_start, billed.current_period_end) == ("active", trial_end, one_year_after(trial_end))
    invoice = client.v1.invoices.retrieve(billed.latest_invoice)
    assert (invoice.amount_paid, invoice.billing_reason) == (9900, "subscription_cycle")
    updated = [e for e in hook.wait_for("customer.subscription.updated") if e.type == "customer.subscription.updated"]
    assert updated[-1].data.previous_attributes.status == "trialing"


def test_the_sweeper_cannot_come_between_the_clock_moving_and_its_sweep(standin_config, browser):
    """The sweeper wakes every 0.05 s: one that woke right after the clock moved renewed first, and the answer said 0."""
    app = create_app({**standin_config, "SWEEP_INTERVAL": 0})
    running = serve_in_thread(app, poll_interval=POLL)
    try:
        client = stripe.StripeClient("sk_test_standin", base_addresses={"api": running.url}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=subscription_params())
        assert pay(browser, session).status_code == 303
        standin = app.extensions["stripe_standin"]
        advance = standin.clock.advance

        def the_sweeper_wakes_just_after(seconds: int) -> int:
            now = advance(seconds)
            sweeper = threading.Thread(target=standin.sweep)
            sweeper.start()
            sweeper.join(timeout=0.5)  # it waits for the clock's own sweep, or renews first
            return now

        standin.clock.advance = the_sweeper_wakes_just_after
        swept = requests.post(f"{running.url}/_standin/clock", data={"advance": 400 * 86400}).json()
        assert swept["renewed"] == 1
    finally:
        running.stop()


@pytest.mark.parametrize("days", [1, 731])
def test_a_trial_ends_48_hours_to_730_days_ahead(client, standin, days):
    now = requests.get(f"{standin}/_standin/").json()["now"]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=trial_params(now + days * 86400))
    assert caught.value.param == "subscription_data[trial_end]"


def test_trial_end_is_for_subscriptions_only(client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=subscription_params(mode="payment", subscription_data={"trial_end": 2_000_000_000}))


def test_a_trials_pay_page_says_nothing_is_paid_today_and_what_follows(client, browser, standin):
    now = requests.get(f"{standin}/_standin/").json()["now"]
    trial_end = now + 200 * 86400
    session = client.v1.checkout.sessions.create(params=trial_params(trial_end))
    page = browser.get(session.url).text
    first_day = dt.datetime.fromtimestamp(trial_end, dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert f"今日 ¥0，{first_day} 起每年 ¥99" in page, page
    assert "¥0.00" not in page


def test_moving_trial_end_makes_an_active_subscription_trial_until_then_without_an_invoice(client, member, hook, standin):
    active = client.v1.subscriptions.retrieve(member.subscription)
    later = active.current_period_end + 100 * 86400  # a prepaid year paid meanwhile ends then
    moved = client.v1.subscriptions.update(active.id, params={"trial_end": later, "proration_behavior": "none"})
    assert (moved.status, moved.trial_end, moved.current_period_end, moved.billing_cycle_anchor) == ("trialing", later, later, later)
    assert moved.latest_invoice == active.latest_invoice and len(client.v1.invoices.list().data) == 1
    event = next(e for e in hook.wait_for("customer.subscription.updated") if e.type == "customer.subscription.updated")
    assert event.data.previous_attributes.status == "active"
    now = requests.get(f"{standin}/_standin/").json()["now"]
    for bad in (now - 1, now + 731 * 86400):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.subscriptions.update(active.id, params={"trial_end": bad})
        assert caught.value.param == "trial_end"
    assert requests.post(f"{standin}/_standin/clock", data={"advance": later - now - 86400}).json()["renewed"] == 0
    assert requests.post(f"{standin}/_standin/clock", data={"advance": 2 * 86400}).json()["renewed"] == 1
    billed = client.v1.subscriptions.retrieve(active.id)
    assert (billed.status, billed.current_period_start, billed.current_period_end) == ("active", later, one_year_after(later))
