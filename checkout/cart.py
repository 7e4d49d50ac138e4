"""A cart as the browser sends it, priced by the catalog: only product ids and quantities are read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog import Catalog
from catalog.pricing import PurchaseRefused, check_purchase, quote

from .errors import Refusal

MAX_LINES = 50
MAX_QUANTITY = 9999

REFUSAL_STATUS = {"members_only": 403, "below_moq": 422, "invalid_quantity": 400}


class CartError(Refusal):
    """A cart the store refuses, with the code, zh-CN message and HTTP status an API returns."""


@dataclass(frozen=True)
class Line:
    """One priced line: the unit price is the catalog's for this buyer at this quantity."""

    product_id: str
    title: str
    quantity: int
    unit_price: Decimal
    basis: str
    stock_limit: int | None

    @property
    def total(self) -> Decimal:
        """The line total in yuan."""
        return self.unit_price * self.quantity

    def as_record(self) -> dict:
        """The line as stored with the checkout session (Decimal kept exact as text)."""
        return {
            "product": self.product_id,
            "title": self.title,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "basis": self.basis,
            "stock_limited": self.stock_limit is not None,
        }


def parse_items(body: object) -> list[tuple[str, int]]:
    """(product id, quantity) pairs from a request body, repeated products merged; nothing else is read."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise CartError(400, "malformed_body", '请求体须为 {"items": [{"product": "…", "quantity": 1}]}')
    items = body["items"]
    if not items:
        raise CartError(400, "empty_cart", "购物车是空的")
    if len(items) > MAX_LINES:
        raise CartError(400, "too_many_lines", f"一次最多结算{MAX_LINES}种商品")
    merged: dict[str, int] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("product"), str):
            raise CartError(400, "malformed_body", "每一项都需要 product（商品编号）和 quantity（数量）")
        quantity = item.get("quantity")
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)  # JSON does not tell 3 from 3.0
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise CartError(400, "invalid_quantity", f"数量须为1到{MAX_QUANTITY}之间的整数")
        merged[item["product"]] = merged.get(item["product"], 0) + quantity
    return list(merged.items())


def price_items(catalog: Catalog, items: list[tuple[str, int]], *, member: bool) -> list[Line]:
    """Price each line from the catalog, refusing what its rules forbid."""
    lines = []
    for product_id, quantity in items:
        product = catalog.products.get(product_id)
        if product is None:
            raise CartError(404, "unknown_product", f"商品 {product_id[:80]!r} 不存在或已下架")
        if quantity > MAX_QUANTITY:  # repeated lines of one product, added up
            raise CartError(400, "invalid_quantity", f"同一商品数量不能超过{MAX_QUANTITY}")
        try:
            check_purchase(product, quantity, member=member)
        except PurchaseRefused as refusal:
            raise CartError(REFUSAL_STATUS.get(refusal.code, 422), refusal.code, refusal.message) from None
        limit = product.limit_per_order or catalog.settings.max_line_quantity
        if quantity > limit:  # one cart cannot hold a whole shelf for the checkout's lifetime
            raise CartError(422, "over_order_limit", f"「{product.title}」每单最多买{limit}件，请减少数量（大宗采购请联系客服）")
        if product.stock is not None and quantity > product.stock:
            raise CartError(409, "out_of_stock", f"「{product.title}」库存不足")
        price = quote(product, quantity, member=member)
        lines.append(Line(product_id, product.title, quantity, price.unit_price, price.basis, product.stock))
    return lines
