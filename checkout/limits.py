"""Holds that cannot starve the shop, and purchase limits per shopper.

Starting a checkout holds stock for up to PLUS_CHECKOUT_TTL_MINUTES. Without a cap one guest
could hold a whole product, and a script could hold the catalogue. So (settings.yaml):
- each line is capped (`max_line_quantity`, a product's `limit_per_order`), in checkout.cart;
- one shopper holds at most `max_units_held` units in unpaid checkouts at once: an account by its
  id; a guest by the cookie this module gives it and, for scripts without cookies, by address;
- a shopper starting again gives up their earlier unpaid checkouts first (`release_earlier`), so a
  retry never holds a second lot and never meets "库存不足" caused by their own abandoned try;
- a product's `limit_per_member` counts the shopper's paid orders within `limit_window_days` and
  their held checkouts.
The checks run inside the transaction that holds the stock (`HoldCheck.__call__`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from catalog import Catalog

from .cancel import LIVE, cancel_checkout
from .cart import CartError, Line
from .db import Database
from .models import CheckoutSession, Order, OrderLine, User, utcnow
from .status import OrderStatus

GUEST_KEY = "guest"
# Orders that count against a purchase limit: everything except money that never arrived.
COUNTED = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.AMOUNT_MISMATCH)


class HoldRefused(CartError):
    """A checkout the caps refuse (answered like any refused cart: status, code, zh-CN message)."""


@dataclass(frozen=True)
class Holder:
    """Who starts a checkout: `user:<id>` or `guest:<token>`, and a guest's address."""

    shopper: str
    user_id: int | None
    address: str | None
    fresh: bool = False
    """A guest given its token by this request: it cannot have started a checkout before."""


def holder_for(session: MutableMapping[str, Any], user: User | None, remote_addr: str | None) -> Holder:
    """The holder of a request (a guest gets a random token in its signed session cookie)."""
    if user is not None:
        return Holder(f"user:{user.id}", user.id, None)
    token = session.get(GUEST_KEY)
    fresh = not isinstance(token, str) or len(token) > 40
    if fresh:
        token = session[GUEST_KEY] = secrets.token_urlsafe(16)
    return Holder(f"guest:{token}", None, (remote_addr or "")[:45] or None, fresh)


# The hot path's statements, built once (building one costs more CPU than running it on SQLite).
_LIVE_OF_SHOPPER = (CheckoutSession.shopper == bindparam("shopper")) & (CheckoutSession.kind == "order") & CheckoutSession.status.in_(LIVE)
_EARLIER = select(CheckoutSession.id).where(_LIVE_OF_SHOPPER)
_HELD = CheckoutSession.stock_held.is_(True) & CheckoutSession.status.in_(LIVE)
_HELD_BY_MEMBER = select(func.coalesce(func.sum(CheckoutSession.held_units), 0)).where(
    _HELD & (CheckoutSession.shopper == bindparam("shopper"))
)
_HELD_BY_GUEST = select(func.coalesce(func.sum(CheckoutSession.held_units), 0)).where(
    _HELD
    & or_(
        CheckoutSession.shopper == bindparam("shopper"),
        (CheckoutSession.client_ip == bindparam("address")) & CheckoutSession.user_id.is_(None),
    )
)
_HELD_LINES = select(CheckoutSession.lines).where(_LIVE_OF_SHOPPER)


def release_earlier(database: Database, client: stripe.StripeClient | None, holder: Holder) -> int:
    """End the holder's unpaid order checkouts (Stripe first, no transaction open); how many were ended."""
    if holder.fresh:
        return 0
    with database.engine.connect() as connection:
        earlier = connection.scalars(_EARLIER, {"shopper": holder.shopper}).all()
    return sum(cancel_checkout(database, client, checkout_id) for checkout_id in earlier)


def held_units(lines: Iterable[Line]) -> int:
    """Units of the stock-limited lines: what a checkout takes from the shelves."""
    return sum(line.quantity for line in lines if line.stock_limit is not None)


@dataclass(frozen=True)
class HoldCheck:
    """The caps of one checkout, checked in the transaction that holds its stock."""

    holder: Holder
    units: int
    max_units_held: int
    member_limits: dict[str, tuple[str, int, int]]
    """product id → (title, limit per member, units in this cart)."""
    window: dt.timedelta

    @classmethod
    def of(cls, catalog: Catalog, lines: list[Line], holder: Holder) -> HoldCheck:
        """The caps the catalog sets for these lines."""
        settings = catalog.settings
        limits = {
            line.product_id: (line.title, limit, line.quantity)
            for line in lines
            if (limit := catalog.products[line.product_id].limit_per_member) is not None
        }
        return cls(holder, held_units(lines), settings.max_units_held, limits, dt.timedelta(days=settings.limit_window_days))

    def __call__(self, db: Session) -> None:
        """Refuse (HoldRefused) what would go over a cap; the caller's transaction then rolls back."""
        if self.holder.user_id is not None and db.get_bind().dialect.name == "postgresql":
            db.get(User, self.holder.user_id, with_for_update=True)  # one checkout of an account at a time
        if self.units:
            self._check_held(db)
        for product_id, (title, limit, quantity) in self.member_limits.items():
            bought = self._bought(db, product_id)
            if bought + quantity > limit:
                left = max(0, limit - bought)
                raise HoldRefused(
                    422,
                    "over_member_limit",
                    f"「{title}」每人限购{limit}件，您已购买或待付款{bought}件，还可买{left}件"
                    if bought
                    else f"「{title}」每人限购{limit}件",
                )

    def _check_held(self, db: Session) -> None:
        holder = self.holder
        if holder.address is None:
            query, params = _HELD_BY_MEMBER, {"shopper": holder.shopper}
        else:  # a guest: its address too (cookies are easy to drop)
            query, params = _HELD_BY_GUEST, {"shopper": holder.shopper, "address": holder.address}
        held = db.connection().scalar(query, params) or 0
        if held + self.units > self.max_units_held:
            raise HoldRefused(
                429,
                "too_many_held",
                f"您同时待付款的商品最多{self.max_units_held}件（已占用{held}件）：请先完成或取消之前的结算，或减少数量",
            )

    def _bought(self, db: Session, product_id: str) -> int:
        since = utcnow() - self.window
        paid: int | None = 0
        if self.holder.user_id is not None:
            paid = db.scalar(
                select(func.coalesce(func.sum(OrderLine.quantity), 0))
                .join(Order, Order.id == OrderLine.order_id)
                .where(
                    Order.user_id == self.holder.user_id,
                    OrderLine.product_id == product_id,
                    Order.status.in_([str(s) for s in COUNTED]),
                    Order.created_at >= since,
                )
            )
        held = db.connection().scalars(_HELD_LINES, {"shopper": self.holder.shopper}).all()
        holding = sum(int(line["quantity"]) for lines in held for line in lines if line["product"] == product_id)
        return int(paid or 0) + holding
