"""Starting Stripe Checkout: the server prices the cart, holds the stock, then asks Stripe for a session.

The priced lines are stored with the session before Stripe is called, so the order a webhook
records later is exactly what was charged, whatever the catalog says by then.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import stripe
from sqlalchemy import Row, and_, bindparam, case, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from catalog.messages import say
from catalog.pricing import to_fen

from .addresses import Address
from .cart import Line
from .db import Database, is_busy
from .limits import Holder, held_units
from .models import CheckoutSession, User, utcnow
from .stock import release, reserve
from .stripe_api import create_checkout_session
from .stripe_pace import Pace, paced

log = logging.getLogger("plus.checkout.payments")

MEMBERSHIP_PRODUCT = "plus-membership"
MEMBERSHIP_TITLE = "PLUS会员 年卡"
# Stripe refuses a session expiring less than 30 minutes after it is made; a minute of margin.
EXPIRY_MARGIN = dt.timedelta(minutes=1)
UNOPENED_HOLD = dt.timedelta(seconds=30)
RECORD_FOR = 60.0  # seconds a busy database is asked again to store a session Stripe opened


class PaymentProviderError(RuntimeError):
    """Stripe could not be reached or refused the request."""


@dataclass(frozen=True)
class Started:
    """A Stripe Checkout Session ready for the browser."""

    id: str
    url: str
    queued: bool = False  # the session is still being opened: `id` is the checkout's, `url` the page that waits for it


@dataclass(frozen=True)
class Delivery:
    """Where an order goes and what delivering it costs (decided by the server)."""

    address: Address
    fee: Decimal


@dataclass(frozen=True)
class Settings:
    """What starting a checkout needs from the app's configuration."""

    public_url: str
    cart_path: str
    payment_methods: tuple[str, ...]
    ttl_minutes: int
    membership_price: Decimal
    unopened_hold: dt.timedelta = UNOPENED_HOLD
    """How long a checkout waiting for its Stripe session keeps its stock after its waiting page last asked."""

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        """Read the settings from a Flask config."""
        from .config import payment_methods

        return cls(
            public_url=config["PUBLIC_URL"],
            cart_path=config["PLUS_CART_PATH"],
            payment_methods=tuple(payment_methods(config)),
            ttl_minutes=config["PLUS_CHECKOUT_TTL_MINUTES"],
            membership_price=config["PLUS_MEMBERSHIP_PRICE"],
            unopened_hold=dt.timedelta(seconds=config["PLUS_QUEUE_HOLD_SECONDS"]),
        )

    @property
    def lifetime(self) -> dt.timedelta:
        """How long a Stripe session stays payable, counted from the moment Stripe makes it."""
        return session_lifetime(self.ttl_minutes)


def session_lifetime(ttl_minutes: int) -> dt.timedelta:
    """PLUS_CHECKOUT_TTL_MINUTES and the margin Stripe's 30-minute minimum needs."""
    return dt.timedelta(minutes=ttl_minutes) + EXPIRY_MARGIN


def _method_params(methods: tuple[str, ...] | list[str]) -> dict:
    params: dict = {"payment_method_types": list(methods)}
    if "wechat_pay" in methods:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    return params


def _stripe_line(title: str, unit_price: Decimal, quantity: int, product_id: str, recurring: bool = False) -> dict:
    price_data: dict = {
        "currency": "cny",
        "unit_amount": to_fen(unit_price),
        "product_data": {"name": title, "metadata": {"product": product_id}},
    }
    if recurring:
        price_data["recurring"] = {"interval": "year"}
    return {"price_data": price_data, "quantity": quantity}


def _open(
    database: Database,
    record: CheckoutSession,
    wanted: list[tuple[str, str, int, int | None]],
    check: Callable[[Session], None] | None = None,
) -> None:
    """Commit the checkout record and its stock hold in one transaction (after `check`, the caps of checkout.limits).

    The record is inserted as one Core statement (the ORM's unit of work costs more CPU than the
    rest of the transaction); it stays a plain, detached object for the opener.
    """
    with database.transaction() as db:
        if check is not None:
            check(db)
        record.stock_held = reserve(db, wanted)
        db.connection().execute(_NEW_CHECKOUT, _row(record))


_NEW_CHECKOUT = insert(CheckoutSession)
_COLUMNS = tuple(column.key for column in CheckoutSession.__table__.columns)
_OPENED = (
    update(CheckoutSession)
    .where(CheckoutSession.id == bindparam("checkout"), CheckoutSession.status == "pending")
    .values(
        stripe_session_id=bindparam("session"),
        stripe_url=bindparam("url"),
        status="open",
        # unclaimed (`keep`): the hold the waiting page's last ask set, if sooner: a shopper who left is released
        # a hold period after leaving, not a hold period after their turn came
        expires_at=case(
            (and_(bindparam("keep"), CheckoutSession.expires_at < bindparam("expires")), CheckoutSession.expires_at),
            else_=bindparam("expires"),
        ),
    )
)
_NOW_OF = select(CheckoutSession.status, CheckoutSession.stripe_session_id).where(CheckoutSession.id == bindparam("checkout"))


def _row(record: CheckoutSession) -> dict:
    """The columns a new record sets (the others keep their defaults)."""
    return {key: record.__dict__[key] for key in _COLUMNS if key in record.__dict__}


Opener = Callable[[CheckoutSession, dict], "Started | None"]
"""Opens the Stripe session of a held checkout: now (returns it) or queued (returns None, the session follows)."""


def waiting(settings: Settings, checkout_id: str) -> Started:
    """A checkout whose Stripe session is queued: the page that waits for it."""
    return Started(checkout_id, f"{settings.public_url}/checkout/{checkout_id}/pay", queued=True)


def give_back(database: Database, checkout_id: str, status: str = "failed") -> None:
    """End a checkout that will get no Stripe session (failed, or abandoned: expired) and release its stock."""
    with database.transaction() as db:
        current = db.get(CheckoutSession, checkout_id)
        if current is not None and current.status == "pending" and not release(db, current, status):
            current.status = status


def create_session(
    database: Database,
    client: stripe.StripeClient,
    record: CheckoutSession,
    params: dict,
    *,
    pace: Pace | None = None,
    lifetime: dt.timedelta | None = None,
    handed: Callable[[], bool] | None = None,
    unclaimed: dt.timedelta = UNOPENED_HOLD,
) -> Started:
    """Ask Stripe for the session (in the process's pace, 429s retried); on failure give the stock back, on success remember the id.

    With `lifetime`, the session expires that long after this call (not after the request that
    queued it: a session opened late must still live the 30 minutes Stripe asks for).
    `handed()` says whether the request that started it is there to take it (else the shopper's
    waiting page must fetch it within `unclaimed`, or the sweep expires it: the shopper left).
    """
    key = f"plus-checkout-{record.id}"  # every retry sends the same key: one session, however often
    if lifetime is not None:
        params = {**params, "expires_at": int((utcnow() + lifetime).timestamp())}
    try:
        if pace is None:
            session = create_checkout_session(client, params, key)
        else:
            session = paced(pace, lambda: create_checkout_session(client, params, key))
        if not session.url:  # hosted Checkout always has one: without it the shopper has nowhere to pay
            raise stripe.StripeError(f"session {session.id} came back without a url")
    except stripe.StripeError as exc:
        log.error(say("Stripe 拒绝了结账 %s：%s", "Stripe refused checkout %s: %s"), record.id, exc)
        give_back(database, record.id)
        raise PaymentProviderError("支付服务暂时不可用，请稍后再试") from exc
    expires = dt.datetime.fromtimestamp(params["expires_at"], dt.UTC) if "expires_at" in params else record.expires_at
    keep = handed is not None and not handed()
    if keep:
        expires = min(expires, utcnow() + unclaimed)  # checkout.waiting moves it to Stripe's expiry when the page fetches it
    values = {"checkout": record.id, "session": session.id, "url": session.url, "expires": expires, "keep": keep}
    current = _record_opened(database, values)
    if current is not None and current.stripe_session_id != session.id:  # ended meanwhile (given up, cancelled): nobody may pay it
        _expire_quietly(client, session.id)
        raise CheckoutClosed(record.id)
    return Started(session.id, session.url)


def _record_opened(database: Database, values: dict, *, give_up_after: float = RECORD_FOR) -> Row | None:
    """Store the opened session (None), or the checkout as it is when it was no longer pending.

    Stripe made the session: losing it to a busy database would leave the shopper waiting for a
    page that never opens, so a busy database is asked again (for up to `give_up_after` seconds).
    """
    deadline = time.monotonic() + give_up_after
    while True:
        try:
            with database.writing() as connection:
                if connection.execute(_OPENED, values).rowcount:
                    return None
                return connection.execute(_NOW_OF, {"checkout": values["checkout"]}).first()
        except (OperationalError, PoolTimeout) as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            log.warning(
                say("结账 %s：数据库忙，重新记录它的 Stripe 付款会话", "checkout %s: database busy, recording its Stripe session again"),
                values["checkout"],
            )
            time.sleep(random.uniform(0.1, 0.5))


def _expire_quietly(client: stripe.StripeClient, session_id: str) -> None:
    try:
        client.v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as exc:  # it expires on its own; a payment would still become an order (webhook)
        log.warning(
            say("已结束的结账的 Stripe 付款会话 %s 没能作废：%s", "could not expire Stripe session %s of an ended checkout: %s"),
            session_id,
            exc,
        )


def direct(database: Database, client: stripe.StripeClient, lifetime: dt.timedelta | None = None) -> Opener:
    """An opener that calls Stripe on the caller's thread."""
    return lambda record, params: create_session(database, client, record, params, lifetime=lifetime)


def start_order(
    database: Database,
    client: stripe.StripeClient,
    settings: Settings,
    lines: list[Line],
    *,
    revision: str,
    member: bool,
    user: User | None,
    delivery: Delivery | None = None,
    now: dt.datetime | None = None,
    holder: Holder | None = None,
    check: Callable[[Session], None] | None = None,
    opener: Opener | None = None,
) -> Started:
    """Hold the stock for priced lines; open Stripe Checkout (address given; maybe queued) or send to the address step."""
    now = now or utcnow()
    # Given an address, the session opens now or from the queue: until then the hold lasts only while
    # the shopper's waiting page keeps asking (checkout.waiting); at the address step, for the TTL.
    expires = now + (settings.unopened_hold if delivery is not None else settings.lifetime)
    subtotal = sum((line.total for line in lines), Decimal("0.00"))
    record = CheckoutSession(
        id=str(uuid.uuid4()),
        kind="order",
        mode="payment",
        user_id=user.id if user else None,
        lines=[line.as_record() for line in lines],
        amount_total=subtotal + (delivery.fee if delivery else Decimal("0.00")),
        currency="cny",
        member_pricing=member,
        catalog_revision=revision,
        status="pending",
        delivery=delivery.address.as_record() if delivery else None,
        delivery_fee=delivery.fee if delivery else None,
        shopper=holder.shopper if holder else None,
        client_ip=holder.address if holder else None,
        held_units=held_units(lines),
        expires_at=expires,
        created_at=now,
    )
    _open(database, record, [(line.product_id, line.title, line.quantity, line.stock_limit) for line in lines], check)
    if delivery is None:  # the shopper gives the address on our page next; the stock is held meanwhile
        return Started(record.id, f"{settings.public_url}/checkout/{record.id}/delivery")
    opener = opener or direct(database, client, settings.lifetime)
    return opener(record, order_params(settings, record, user.email if user else None)) or waiting(settings, record.id)


def order_params(settings: Settings, record: CheckoutSession, email: str | None) -> dict:
    """Stripe's parameters for an order checkout, from the stored record only (a retry sends the same)."""
    fee = record.delivery_fee or Decimal("0.00")
    params = {
        "mode": "payment",
        "line_items": [
            _stripe_line(line["title"], Decimal(line["unit_price"]), int(line["quantity"]), line["product"]) for line in record.lines
        ],
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "配送费" if fee else "包邮",
                    "fixed_amount": {"amount": to_fen(fee), "currency": "cny"},
                }
            }
        ],
        "success_url": f"{settings.public_url}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.public_url}/checkout/{record.id}/cancel",  # expires the session, releases the stock
        "client_reference_id": record.id,
        "metadata": {"plus_ref": record.id, "kind": "order", "user": str(record.user_id or "")},
        "expires_at": int((utcnow() + settings.lifetime).timestamp()),  # the opener counts it again when Stripe is called
        **_method_params(settings.payment_methods),
    }
    if email:
        params["customer_email"] = email
    return params


class CheckoutClosed(Exception):
    """The checkout expired, failed or was paid: the shopper starts again from the cart."""


class AddressLocked(Exception):
    """This checkout was already confirmed to another address (in another tab): it cannot change any more."""

    def __init__(self, address: Address):
        super().__init__(address.one_line())
        self.address = address


def confirm_delivery(
    database: Database,
    client: stripe.StripeClient,
    settings: Settings,
    checkout_id: str,
    delivery: Delivery,
    *,
    email: str | None,
    opener: Opener | None = None,
) -> Started:
    """Store the address and fee of a held checkout (once: the first confirmation wins), then open Stripe Checkout.

    A second submission (a double click, the back button) gets the same Stripe session: the
    parameters come from the stored record and the idempotency key is the checkout's.
    """
    with database.transaction() as db:
        record = db.get(CheckoutSession, checkout_id)
        if record is None or record.kind != "order" or record.status not in ("pending", "open"):
            raise CheckoutClosed(checkout_id)
        subtotal = sum((Decimal(line["unit_price"]) * int(line["quantity"]) for line in record.lines), Decimal("0.00"))
        db.execute(
            update(CheckoutSession)
            .where(CheckoutSession.id == checkout_id, CheckoutSession.status == "pending", CheckoutSession.delivery.is_(None))
            .values(
                delivery=delivery.address.as_record(),
                delivery_fee=delivery.fee,
                amount_total=subtotal + delivery.fee,
                expires_at=utcnow() + settings.unopened_hold,  # queued from now on: held while the waiting page asks
            )
            .execution_options(synchronize_session=False)
        )
        db.refresh(record)
    if record.delivery is None:
        raise CheckoutClosed(checkout_id)  # opened before checkouts asked for an address: start again from the cart
    if record.delivery != delivery.address.as_record():
        raise AddressLocked(Address.from_record(record.delivery))
    if record.status == "open" and record.stripe_session_id:
        session = client.v1.checkout.sessions.retrieve(record.stripe_session_id)
        if session.status != "open" or not session.url:
            raise CheckoutClosed(checkout_id)
        return Started(session.id, session.url)
    opener = opener or direct(database, client, settings.lifetime)
    return opener(record, order_params(settings, record, email)) or waiting(settings, record.id)


def start_membership(
    database: Database,
    client: stripe.StripeClient,
    settings: Settings,
    user: User,
    method: str,
    *,
    revision: str,
    now: dt.datetime | None = None,
    pace: Pace | None = None,
    first_charge: dt.datetime | None = None,
) -> Started:
    """A year of PLUS: a card subscription, or a one-time payment by Alipay or WeChat Pay.

    A returning member pays as the Stripe customer their first subscription made (`customer`), so
    Stripe keeps one customer per member; a new one is known by e-mail only (`customer_email`).
    With `pace` (the process's, checkout.session_queue) the session waits its turn with the rush's
    product checkouts and Stripe's 429s are retried with the same idempotency key.
    With `first_charge` (card only) the subscription is a trial until then: nothing is charged today.
    """
    if method != "card" and method not in settings.payment_methods:
        raise ValueError(f"unknown payment method {method!r}")
    now = now or utcnow()
    customer = user.stripe_customer_id
    try:
        return _membership_session(
            database, client, settings, user, method, customer, revision=revision, now=now, pace=pace, first_charge=first_charge
        )
    except PaymentProviderError as exc:
        if customer is None or not _unknown_customer(exc.__cause__):
            raise
    # A customer Stripe does not know: deleted there, or made by the stand-in or in test mode before
    # the live keys were set. Forget it, or this member could never pay again.
    log.warning(
        say("会员 %s：Stripe 已经没有客户 %s：改用邮箱付款", "member %s: Stripe has no customer %s any more: paying by e-mail instead"),
        user.id,
        customer,
    )
    with database.transaction() as db:
        db.execute(update(User).where(User.id == user.id, User.stripe_customer_id == customer).values(stripe_customer_id=None))
    return _membership_session(
        database, client, settings, user, method, None, revision=revision, now=now, pace=pace, first_charge=first_charge
    )


def _unknown_customer(error: BaseException | None) -> bool:
    return isinstance(error, stripe.InvalidRequestError) and error.param == "customer" and error.code == "resource_missing"


def _membership_session(
    database: Database,
    client: stripe.StripeClient,
    settings: Settings,
    user: User,
    method: str,
    customer: str | None,
    *,
    revision: str,
    now: dt.datetime,
    pace: Pace | None = None,
    first_charge: dt.datetime | None = None,
) -> Started:
    """Record a membership checkout and open its Stripe session (`customer` and `customer_email` exclude each other).

    A trial charges nothing today: the record's `amount_total` is 0 (what the session must report)
    and its line keeps the yearly price and the trial's end.
    """
    expires = now + settings.lifetime
    subscription = method == "card"
    price = settings.membership_price
    trial_end = first_charge if subscription else None
    line: dict = {
        "product": MEMBERSHIP_PRODUCT,
        "title": MEMBERSHIP_TITLE,
        "quantity": 1,
        "unit_price": str(price),
        "basis": "membership",
        "stock_limited": False,
    }
    if trial_end is not None:
        line["trial_end"] = trial_end.isoformat()
    record = CheckoutSession(
        id=str(uuid.uuid4()),
        kind="membership",
        mode="subscription" if subscription else "payment",
        user_id=user.id,
        lines=[line],
        amount_total=Decimal(0) if trial_end else price,
        currency="cny",
        member_pricing=False,
        catalog_revision=revision,
        status="pending",
        expires_at=expires,
        created_at=now,
    )
    _open(database, record, [])
    metadata = {"plus_ref": record.id, "kind": "membership", "user": str(user.id)}
    params: dict = {
        "mode": record.mode,
        "line_items": [_stripe_line(MEMBERSHIP_TITLE, price, 1, MEMBERSHIP_PRODUCT, recurring=subscription)],
        "success_url": f"{settings.public_url}/account/?membership=success",
        "cancel_url": f"{settings.public_url}/account/membership",
        "client_reference_id": record.id,
        "metadata": metadata,
        "expires_at": int(expires.timestamp()),
        **_method_params(["card"] if subscription else [method]),
    }
    if subscription:
        params["subscription_data"] = {"metadata": {"plus_user": str(user.id), "plus_ref": record.id}}
        if trial_end is not None:
            params["subscription_data"]["trial_end"] = int(trial_end.timestamp())
    if customer:
        params["customer"] = customer
    else:
        params["customer_email"] = user.email
    return create_session(database, client, record, params, pace=pace, lifetime=settings.lifetime)
