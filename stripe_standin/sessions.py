"""Checkout Sessions: creation from Stripe's parameters, expiry, and the line items shown and charged."""

from __future__ import annotations

import re
from typing import Any

from .errors import StripeError, invalid, missing
from .params import Reader
from .store import new_id

PAYMENT_METHODS = ("card", "alipay", "wechat_pay")
ASYNC_METHODS = ("alipay", "wechat_pay")  # settled a moment after the customer confirms
INTERVALS = ("day", "week", "month", "year")
MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 3600
MIN_TRIAL, MAX_TRIAL = 48 * 3600, 730 * 86400  # Stripe: a trial ends 48 hours to 730 days after the session is made
EXPIRY_SLACK = 10  # the client computed expires_at a moment before we received it
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s]+$")


def create(params: Reader, *, now: int, pay_base: str, customer_exists) -> tuple[dict, list[dict]]:
    """A new open session (and the products its ad-hoc prices refer to) built from create parameters."""
    params.only(
        "mode",
        "line_items",
        "payment_method_types",
        "payment_method_options",
        "customer",
        "customer_email",
        "client_reference_id",
        "metadata",
        "success_url",
        "cancel_url",
        "expires_at",
        "locale",
        "subscription_data",
        "payment_intent_data",
        "shipping_options",
    )
    mode = params.enum("mode", ("payment", "setup", "subscription"), need=True)
    if mode == "setup":
        raise invalid("The stand-in supports `payment` and `subscription` modes only.", "mode")
    methods = _payment_methods(params, mode)
    products, lines = [], []
    for item in params.list("line_items", need=True):
        if not isinstance(item, Reader):
            raise invalid("Invalid object", "line_items")
        product, line = _line_item(item, mode, now)
        products.append(product)
        lines.append(line)
    if not lines:
        raise invalid("line_items must contain at least one item.", "line_items")
    currencies = {line["currency"] for line in lines}
    if len(currencies) > 1:
        raise invalid("All line items must use the same currency.", "line_items")
    _check_mode(mode, lines, params)
    currency = next(iter(currencies))
    options = _shipping_options(params, mode, currency, now)
    shipping = options[0]["shipping_amount"] if options else 0  # the first option is preselected, as at Stripe
    subscription_data = _extra_data(params, "subscription_data", mode, "subscription", now)
    session_id = new_id("cs_test", 58)
    # with a trial nothing is charged today: the session totals the first invoice, as at Stripe
    subtotal = 0 if subscription_data.get("trial_end") else sum(line["amount_total"] for line in lines)
    total = subtotal + shipping
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": subtotal,
        "amount_total": total,
        "cancel_url": _url(params, "cancel_url"),
        "client_reference_id": params.str("client_reference_id", max_length=200),
        "created": now,
        "currency": currency,
        "customer": _customer(params, customer_exists),
        "customer_details": None,
        "customer_email": _email(params),
        "expires_at": _expires_at(params, now),
        "invoice": None,
        "livemode": False,
        "locale": params.str("locale"),
        "metadata": params.metadata() or {},
        "mode": mode,
        "payment_intent": None,
        "payment_method_options": _method_options(params, methods),
        "payment_method_types": methods,
        "payment_status": "unpaid",
        "status": "open",
        "subscription": None,
        "success_url": _url(params, "success_url"),
        "shipping_cost": (
            {"amount_subtotal": shipping, "amount_tax": 0, "amount_total": shipping, "shipping_rate": options[0]["shipping_rate"]}
            if options
            else None
        ),
        "shipping_options": [{"shipping_amount": o["shipping_amount"], "shipping_rate": o["shipping_rate"]} for o in options],
        "total_details": {"amount_discount": 0, "amount_shipping": shipping, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": f"{pay_base.rstrip('/')}/pay/{session_id}",
        "_line_items": lines,
        "_shipping_names": {o["shipping_rate"]: o["display_name"] for o in options},
        "_payment_intent_data": _extra_data(params, "payment_intent_data", mode, "payment", now),
        "_subscription_data": subscription_data,
    }
    return session, products


def line_items(session: dict) -> list[dict]:
    """The session's line items, as `GET …/line_items` shows them."""
    return session["_line_items"]


def recurring_lines(session: dict) -> list[dict]:
    """The line items billed again each period."""
    return [line for line in session["_line_items"] if line["price"]["recurring"]]


def expire(session: dict, now: int) -> dict:
    """Mark an open session expired; Stripe refuses any other status."""
    if session["status"] != "open":
        raise invalid(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
            f'has a status of "{session["status"]}".',
            code=None,
        )
    session["status"] = "expired"
    session["url"] = None
    session["_expired_at"] = now
    return session


def _payment_methods(params: Reader, mode: str) -> list[str]:
    methods = params.list("payment_method_types") or ["card"]
    for index, method in enumerate(methods):
        param = f"payment_method_types[{index}]"
        if method not in PAYMENT_METHODS:
            raise invalid(
                f"Invalid {param}: must be one of {', '.join(PAYMENT_METHODS)} (the payment methods the stand-in simulates)", param
            )
        if mode == "subscription" and method != "card":
            raise invalid(f"The payment method type `{method}` cannot be used in `subscription` mode.", param)
    if len(set(methods)) != len(methods):
        raise invalid("payment_method_types must not repeat a type.", "payment_method_types")
    return methods


def _method_options(params: Reader, methods: list[str]) -> dict:
    options = params.sub("payment_method_options")
    result: dict[str, dict[str, Any]] = {}
    if options is not None:
        options.only("card", "alipay", "wechat_pay")
        for name in ("card", "alipay"):
            sub = options.sub(name)
            if sub is not None:
                sub.only()
                result[name] = {}
        wechat = options.sub("wechat_pay")
        if wechat is not None:
            wechat.only("client", "app_id")
            client = wechat.enum("client", ("web",), need=True)
            result["wechat_pay"] = {"app_id": wechat.str("app_id"), "client": client}
    if "wechat_pay" in methods and "wechat_pay" not in result:
        raise invalid(
            "payment_method_options[wechat_pay][client] is required when `wechat_pay` is one of the payment_method_types.",
            "payment_method_options[wechat_pay][client]",
            code="parameter_missing",
        )
    return result


def _line_item(item: Reader, mode: str, now: int) -> tuple[dict, dict]:
    item.only("price_data", "quantity", "price")
    if item.has("price"):
        raise StripeError(
            404,
            f"No such price: '{item.str('price')}' (the stand-in only knows price_data)",
            code="resource_missing",
            param=item.path("price"),
        )
    quantity = item.int("quantity", need=True, low=1, high=999_999)
    data = item.sub("price_data", need=True)
    data.only("currency", "unit_amount", "product_data", "recurring")
    currency = data.str("currency", need=True).lower()
    if not re.fullmatch(r"[a-z]{3}", currency):
        raise invalid(f"Invalid currency: {currency}", data.path("currency"))
    unit_amount = data.int("unit_amount", need=True, low=0, high=99_999_999)
    product = _product(data.sub("product_data", need=True), now)
    recurring = None
    if (spec := data.sub("recurring")) is not None:
        spec.only("interval", "interval_count")
        recurring = {
            "interval": spec.enum("interval", INTERVALS, need=True),
            "interval_count": spec.int("interval_count", low=1, high=365) or 1,
            "usage_type": "licensed",
        }
    if recurring and mode == "payment":
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
            data.path("recurring"),
        )
    price = {
        "id": new_id("price"),
        "object": "price",
        "active": False,
        "billing_scheme": "per_unit",
        "created": now,
        "currency": currency,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product["id"],
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }
    amount = unit_amount * quantity
    line = {
        "id": new_id("li"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": currency,
        "description": product["name"],
        "price": price,
        "quantity": quantity,
    }
    return product, line


def _product(data: Reader, now: int) -> dict:
    data.only("name", "description", "images", "metadata")
    name = data.str("name", need=True, max_length=250)
    if not name.strip():
        raise invalid("The product name must not be empty.", data.path("name"))
    images = data.list("images")
    if len(images) > 8:
        raise invalid("A product may have at most 8 images.", data.path("images"))
    for index, image in enumerate(images):
        if not isinstance(image, str) or not _URL.match(image):
            raise invalid("Not a valid URL", f"{data.path('images')}[{index}]", code="url_invalid")
    return {
        "id": new_id("prod"),
        "object": "product",
        "active": True,
        "created": now,
        "description": data.str("description"),
        "images": images,
        "livemode": False,
        "metadata": data.metadata() or {},
        "name": name,
        "updated": now,
    }


def _shipping_options(params: Reader, mode: str, currency: str, now: int) -> list[dict]:
    """`shipping_options[n][shipping_rate_data]` with a fixed amount (ids of saved rates are not supported)."""
    options = params.list("shipping_options")
    if options and mode != "payment":
        raise invalid("shipping_options can only be used in `payment` mode.", "shipping_options")
    if len(options) > 5:
        raise invalid("You may only specify up to 5 shipping options.", "shipping_options")
    result = []
    for index, option in enumerate(options):
        if not isinstance(option, Reader):
            raise invalid("Invalid object", f"shipping_options[{index}]")
        option.only("shipping_rate", "shipping_rate_data")
        if option.has("shipping_rate"):
            raise StripeError(
                404,
                "No such shipping rate (the stand-in only knows shipping_rate_data)",
                code="resource_missing",
                param=option.path("shipping_rate"),
            )
        data = option.sub("shipping_rate_data", need=True)
        data.only("type", "display_name", "fixed_amount", "metadata")
        data.enum("type", ("fixed_amount",))
        name = data.str("display_name", need=True, max_length=100)
        fixed = data.sub("fixed_amount", need=True)
        fixed.only("amount", "currency")
        amount = fixed.int("amount", need=True, low=0, high=99_999_999)
        if fixed.str("currency", need=True).lower() != currency:
            raise invalid("The shipping rate's currency must match the line items' currency.", fixed.path("currency"))
        result.append({"shipping_amount": amount, "shipping_rate": new_id("shr"), "display_name": name})
    return result


def _check_mode(mode: str, lines: list[dict], params: Reader) -> None:
    recurring = [line["price"]["recurring"] for line in lines if line["price"]["recurring"]]
    if mode == "subscription":
        if not recurring:
            raise invalid("You must provide at least one recurring price in `subscription` mode when using prices.", "line_items")
        cycles = {(spec["interval"], spec["interval_count"]) for spec in recurring}
        if len(cycles) > 1:
            raise invalid("All recurring prices must have the same interval.", "line_items")


def _url(params: Reader, name: str) -> str | None:
    value = params.str(name, max_length=5000)
    if value is not None and not _URL.match(value):
        raise invalid("Not a valid URL", name, code="url_invalid")
    return value


def _customer(params: Reader, customer_exists) -> str | None:
    customer = params.str("customer")
    if customer is None:
        return None
    if params.has("customer_email"):
        raise invalid("You may only specify one of these parameters: customer, customer_email.", "customer")
    if not customer_exists(customer):
        raise missing("customer", customer, "customer")
    return customer


def _email(params: Reader) -> str | None:
    value = params.str("customer_email", max_length=512)
    if value is not None and not _EMAIL.match(value):
        raise invalid(f"Invalid email address: {value}", "customer_email", code="email_invalid")
    return value


def _expires_at(params: Reader, now: int) -> int:
    value = params.int("expires_at")
    if value is None:
        return now + MAX_EXPIRY
    if value < now + MIN_EXPIRY - EXPIRY_SLACK:
        raise invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at")
    if value > now + MAX_EXPIRY + EXPIRY_SLACK:
        raise invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at")
    return value


def _extra_data(params: Reader, name: str, mode: str, allowed_mode: str, now: int) -> dict:
    data = params.sub(name)
    if data is None:
        return {}
    if mode != allowed_mode:
        raise invalid(f"You can not pass `{name}` in `{mode}` mode.", name)
    if name != "subscription_data":
        data.only("metadata", "description")
        return {"metadata": data.metadata() or {}, "description": data.str("description")}
    data.only("metadata", "description", "trial_end")
    return {"metadata": data.metadata() or {}, "description": data.str("description"), "trial_end": _trial_end(data, now)}


def _trial_end(data: Reader, now: int) -> int | None:
    """`subscription_data[trial_end]`: the first charge waits until then (48 hours to 730 days ahead, as at Stripe)."""
    value = data.int("trial_end")
    if value is None:
        return None
    if value < now + MIN_TRIAL - EXPIRY_SLACK:
        raise invalid("`subscription_data[trial_end]` must be at least 48 hours in the future.", data.path("trial_end"))
    if value > now + MAX_TRIAL:
        raise invalid("`subscription_data[trial_end]` must be at most 730 days in the future.", data.path("trial_end"))
    return value
