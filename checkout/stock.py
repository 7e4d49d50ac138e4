"""Stock reservations: units are held when a checkout starts and released when it expires or fails.

A counter per product holds the units reserved or sold; the catalog's `stock` is the limit. Each
reservation is one conditional UPDATE (`... WHERE committed + n <= stock`), which both SQLite (one
writer at a time) and PostgreSQL (a row lock, the condition re-checked after waiting) make atomic:
two buyers can never both take the last unit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from catalog.messages import say

from .db import rows_changed
from .models import CheckoutSession, StockCounter

log = logging.getLogger("plus.checkout.stock")


class OutOfStock(Exception):
    """Fewer units are left than a line asks for."""

    def __init__(self, product_id: str, title: str, available: int):
        super().__init__(product_id)
        self.product_id = product_id
        self.title = title
        self.available = available


# Built once: the hot path runs them for every checkout (building one costs more CPU than running it).
_TAKE = (
    update(StockCounter)
    .where(StockCounter.product_id == bindparam("product"), StockCounter.committed + bindparam("quantity") <= bindparam("limit"))
    .values(committed=StockCounter.committed + bindparam("quantity"))
)
_NEW_COUNTER = {
    name: dialect.insert(StockCounter).values(product_id=bindparam("product"), committed=0).on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _ensure_counter(db: Session, product_id: str) -> None:
    db.connection().execute(_NEW_COUNTER[db.get_bind().dialect.name], {"product": product_id})


def committed(db: Session, product_id: str) -> int:
    """Units of a product reserved or sold so far."""
    return db.scalar(select(StockCounter.committed).where(StockCounter.product_id == product_id)) or 0


def reserve(db: Session, wanted: Iterable[tuple[str, str, int, int | None]]) -> bool:
    """Hold units for (product id, title, quantity, stock limit) lines; all or none (raises OutOfStock).

    Returns whether anything was held (products without a stock limit are never counted). The
    caller's transaction makes the whole cart atomic: a refusal rolls back the lines before it.
    """
    held = False
    connection = db.connection()
    for product_id, title, quantity, limit in sorted(wanted):  # a fixed order avoids lock cycles
        if limit is None:
            continue
        params = {"product": product_id, "quantity": quantity, "limit": limit}
        taken = connection.execute(_TAKE, params).rowcount
        if taken == 0:  # no counter yet (the product's first hold), or too few left: make sure, then once more
            # Not `committed() == 0` first: on PostgreSQL another checkout's first hold may commit the
            # counter between the two statements, and this shopper would hear "out of stock" with all of it left.
            _ensure_counter(db, product_id)
            taken = connection.execute(_TAKE, params).rowcount
        if taken != 1:
            raise OutOfStock(product_id, title, max(0, limit - committed(db, product_id)))
        held = True
    return held


def take_unconditionally(db: Session, lines: list[dict]) -> None:
    """Count units as sold even past the limit: a payment Stripe took must become an order."""
    for line in lines:
        if line.get("stock_limited"):
            _ensure_counter(db, line["product"])
            db.execute(
                update(StockCounter)
                .where(StockCounter.product_id == line["product"])
                .values(committed=StockCounter.committed + int(line["quantity"]))
            )


_ENDED = {"complete": "已付款", "expired": "已过期", "failed": "没能开始付款"}
"""A checkout's status when its stock is released, as the log says it in Chinese."""


def release(db: Session, checkout: CheckoutSession, new_status: str) -> bool:
    """Give a checkout's held units back, once, and set its status; False if it held none."""
    claimed = db.execute(
        update(CheckoutSession)
        .where(CheckoutSession.id == checkout.id, CheckoutSession.stock_held.is_(True))
        .values(stock_held=False, status=new_status)
        .execution_options(synchronize_session=False)
    )
    db.refresh(checkout)
    if rows_changed(claimed) != 1:
        return False
    for line in checkout.lines:
        if line.get("stock_limited"):
            quantity = int(line["quantity"])
            done = db.execute(
                update(StockCounter)
                .where(StockCounter.product_id == line["product"], StockCounter.committed >= quantity)
                .values(committed=StockCounter.committed - quantity)
            )
            if rows_changed(done) != 1:
                log.error(
                    say("%s 的库存计数小于占用的 %d 件", "stock counter of %s is below a held reservation of %d"), line["product"], quantity
                )
    log.info(
        say("释放了结账 %s 的库存（%s）", "released the stock of checkout %s (%s)"),
        checkout.id,
        say(_ENDED.get(new_status, new_status), new_status),
    )
    return True
