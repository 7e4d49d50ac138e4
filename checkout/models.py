"""The checkout's tables: members, memberships, reservations, orders and the webhook ledger.

Money is stored as integer fen and read back as Decimal yuan; times are stored in UTC.
Uniqueness that protects against doubled orders lives here as constraints, not as checks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from catalog.pricing import from_fen, to_fen


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Yuan(TypeDecorator):
    """A Decimal amount in yuan, stored exactly as integer fen."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else to_fen(Decimal(value))

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else from_fen(value)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC (SQLite keeps no zone, so it is added back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC time")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base with stable constraint names (Alembic compares them)."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A customer account; a member while `member_until` lies in the future."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    member_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_for: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """Set when the member opened the link mailed to the address: only then are guest orders adopted."""
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When the owner of the address opened a mailed link (sign-up confirmation or reset); None: no log-in yet."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_member(self, now: dt.datetime | None = None) -> bool:
        """True while a paid membership covers `now`."""
        return self.member_until is not None and self.member_until > (now or utcnow())


class PasswordReset(Base):
    """A one-time mailed link (a password reset or a sign-up confirmation); only a hash of its token is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), default="reset", server_default="reset")
    """reset (set a new password) or confirm (prove the address of a new account)."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MembershipPeriod(Base):
    """Paid PLUS time: a card subscription or a one-time yearly payment, keyed by its Stripe id."""

    __tablename__ = "membership_periods"
    __table_args__ = (CheckConstraint("kind IN ('subscription', 'one_time')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    stripe_ref: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[int] = mapped_column(BigInteger, default=0)
    """The `created` time of the newest Stripe event applied, to spot out-of-order deliveries."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockCounter(Base):
    """Units of one product reserved or sold, counted against the catalog's `stock`."""

    __tablename__ = "stock_counters"
    __table_args__ = (CheckConstraint("committed >= 0", name="committed"),)

    product_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    committed: Mapped[int] = mapped_column(Integer, default=0)


class CheckoutSession(Base):
    """A Stripe Checkout Session as the server priced it: the lines, the revision, the stock held."""

    __tablename__ = "checkout_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('order', 'membership')", name="kind"),
        Index("ix_checkout_sessions_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_url: Mapped[str | None] = mapped_column(String(2048))  # the pay page, for the page that waits for it
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20), default="payment")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    amount_total: Mapped[Decimal] = mapped_column(Yuan)
    currency: Mapped[str] = mapped_column(String(3), default="cny")
    member_pricing: Mapped[bool] = mapped_column(Boolean, default=False)
    catalog_revision: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending (no Stripe session yet), open, complete, expired or failed."""
    stock_held: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    """The confirmed delivery address (see checkout.addresses.Address.as_record); None until the shopper gives one."""
    delivery_fee: Mapped[Decimal | None] = mapped_column(Yuan)
    shopper: Mapped[str | None] = mapped_column(String(64), index=True)
    """Who holds the stock: `user:<id>` or `guest:<cookie token>` (checkout.limits)."""
    client_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    """A guest's address: a script without cookies is still one address."""
    held_units: Mapped[int] = mapped_column(Integer, default=0)
    """Units of the stock-limited lines, summed by the cap on units held at once."""
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def order_number(order_id: int) -> str:
    """An order's number as shoppers and operators quote it: PLUS00000012."""
    return f"PLUS{order_id:08d}"


def return_number(return_id: int) -> str:
    """A return's number as buyers and operators quote it: TH00000003."""
    return f"TH{return_id:08d}"


class Order(Base):
    """A paid (or paying) order: its lines at the price charged, never recomputed."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkout_id: Mapped[str] = mapped_column(ForeignKey("checkout_sessions.id"), unique=True)
    stripe_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255))
    stripe_customer: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    amount_total: Mapped[Decimal] = mapped_column(Yuan)
    currency: Mapped[str] = mapped_column(String(3))
    member_pricing: Mapped[bool] = mapped_column(Boolean, default=False)
    catalog_revision: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), index=True)
    """awaiting_payment, paid, payment_failed, shipped or refunded."""
    carrier: Mapped[str | None] = mapped_column(String(80))
    tracking: Mapped[str | None] = mapped_column(String(120))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivery_fee: Mapped[Decimal] = mapped_column(Yuan, default=Decimal("0.00"))
    payment_method: Mapped[str | None] = mapped_column(String(40))
    # The delivery address as the buyer confirmed it: a snapshot, never a reference an address book edit could change.
    ship_name: Mapped[str | None] = mapped_column(String(40))
    ship_mobile: Mapped[str | None] = mapped_column(String(20))
    ship_province: Mapped[str | None] = mapped_column(String(20))
    ship_city: Mapped[str | None] = mapped_column(String(40))
    ship_district: Mapped[str | None] = mapped_column(String(40))
    ship_address: Mapped[str | None] = mapped_column(String(200))
    ship_postcode: Mapped[str | None] = mapped_column(String(6))
    refunded_amount: Mapped[Decimal] = mapped_column(Yuan, default=Decimal("0.00"))
    """Refunded so far at Stripe (the charge's `amount_refunded`): part of the total, or all of it."""
    dispute_status: Mapped[str | None] = mapped_column(String(32))
    """Stripe's status of a dispute of the payment (needs_response … won, lost); an open one blocks shipping."""
    dispute_synced_at: Mapped[int] = mapped_column(BigInteger, default=0)
    """The `created` time of the newest dispute event applied, so an older one arriving late changes nothing."""

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan", lazy="selectin"
    )
    returns: Mapped[list[ReturnRequest]] = relationship(order_by="ReturnRequest.id", lazy="selectin", viewonly=True)
    invoice: Mapped[InvoiceRequest | None] = relationship(lazy="selectin", viewonly=True)

    @property
    def number(self) -> str:
        """The order number shoppers and operators quote."""
        return order_number(self.id)

    @property
    def parcel(self) -> str:
        """Carrier and tracking number as shown to buyer and operator (`顺丰 SF123`), "" before shipping."""
        return " ".join(filter(None, [self.carrier, self.tracking]))


class OrderLine(Base):
    """One product of an order, at the unit price computed when the session was created."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Yuan)
    basis: Mapped[str] = mapped_column(String(20))
    line_total: Mapped[Decimal] = mapped_column(Yuan)

    order: Mapped[Order] = relationship(back_populates="lines")


class WebhookEvent(Base):
    """Every Stripe event applied, by id: a replay finds its row and changes nothing."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedAddress(Base):
    """An entry of a member's address book; orders copy it, so editing it changes no order."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(40))
    district: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(6))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMail(Base):
    """A mail written in the transaction of the change it reports, sent after the commit (checkout.outbox)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    """One mail per event (e.g. `order-paid:12`): a state change applied twice writes one row."""
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnRequest(Base):
    """A buyer's request to return some lines of an order, and what the operator decided.

    requested → refunding (the operator approved; the refund's intent is recorded before Stripe is
    called) → refunded; or requested → refused. A return left `refunding` by a crash is completed by
    approving it again: the refund's idempotency key and its `plus_return` metadata find the one made.
    """

    __tablename__ = "return_requests"
    __table_args__ = (CheckConstraint("status IN ('requested', 'refunding', 'refunded', 'refused')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    reason: Mapped[str] = mapped_column(String(20))
    """no_reason (七天无理由), quality, wrong_item or other (checkout.returns.REASONS)."""
    note: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Yuan)
    """What approving refunds: the returned lines at the unit prices the order charged."""
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    restocked: Mapped[bool] = mapped_column(Boolean, default=False)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255))
    refusal: Mapped[str | None] = mapped_column(String(200))
    """Why the operator refused, as the buyer reads it."""
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="request", order_by="ReturnLine.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def number(self) -> str:
        """The return's number as buyers and operators quote it."""
        return return_number(self.id)


class ReturnLine(Base):
    """Units of one order line a return asks to send back."""

    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Yuan)

    request: Mapped[ReturnRequest] = relationship(back_populates="lines")


class InvoiceRequest(Base):
    """The buyer's 发票 request of an order (one per order, editable until the operator issues it)."""

    __tablename__ = "invoice_requests"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'issued')", name="status"),
        CheckConstraint("title_type IN ('personal', 'company')", name="title_type"),
        CheckConstraint("kind IN ('normal', 'special')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="requested", index=True)
    title_type: Mapped[str] = mapped_column(String(10))
    """personal (个人) or company (企业)."""
    kind: Mapped[str] = mapped_column(String(10), default="normal")
    """normal (增值税普通发票) or special (增值税专用发票, companies only)."""
    title: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(18))
    """The company's 统一社会信用代码 (checked with catalog.store's GB 32100-2015 check)."""
    registered_address: Mapped[str | None] = mapped_column(String(200))
    registered_phone: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    invoice_number: Mapped[str | None] = mapped_column(String(20))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
