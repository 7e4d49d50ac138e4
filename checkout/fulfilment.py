"""What an order needs to be fulfilled: the delivery snapshot copied from its checkout, the buyer's account."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from .addresses import Address
from .models import CheckoutSession, Order
from .verification import verified_owner


def record_delivery(db: Session, order: Order, checkout: CheckoutSession, session: dict) -> None:
    """Copy the confirmed address and fee onto a new order; a guest order joins a verified account with its e-mail."""
    order.delivery_fee = checkout.delivery_fee or Decimal("0.00")
    if checkout.delivery:
        address = Address.from_record(checkout.delivery)
        order.ship_name, order.ship_mobile = address.name, address.mobile
        order.ship_province, order.ship_city, order.ship_district = address.province, address.city, address.district
        order.ship_address, order.ship_postcode = address.address, address.postcode
    if order.user_id is None and (owner := verified_owner(db, order.email)) is not None:
        order.user_id = owner.id


def order_address(order: Order) -> Address | None:
    """The address an order ships to (None for orders recorded before addresses were asked)."""
    name, mobile, province = order.ship_name, order.ship_mobile, order.ship_province
    city, district, street = order.ship_city, order.ship_district, order.ship_address
    if not (name and mobile and province and city and district and street):
        return None
    return Address(name, mobile, province, city, district, street, order.ship_postcode)
