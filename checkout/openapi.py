"""The OpenAPI 3.1 description of the JSON API (served at /api/openapi.json, checked by schemathesis)."""

from __future__ import annotations

from . import invoices, returns
from .operations import MAX_FILTER_TEXT, MAX_OFFSET, MAX_PAGE
from .status import OrderStatus

MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "CNY yuan as a decimal string"}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/Error{code}"} for code in codes}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


RETURN = {
    "type": "object",
    "description": "A buyer's return of some order lines: requested → refunding → refunded, or refused",
    "required": ["id", "number", "order_id", "status", "reason", "amount", "lines", "requested_at"],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string"},
        "order_id": {"type": "integer"},
        "order_number": {"type": "string"},
        "status": {"type": "string", "enum": list(returns.STATUSES)},
        "reason": {"type": "string", "enum": list(returns.REASONS)},
        "note": {"type": "string"},
        "amount": {**MONEY, "description": "What approval refunds: the lines at the unit prices charged (no delivery fee)"},
        "restock": {"type": "boolean"},
        "restocked": {"type": "boolean"},
        "stripe_refund_id": NULLABLE_STRING,
        "refusal": NULLABLE_STRING,
        "requested_at": {"type": "string", "format": "date-time"},
        "decided_at": NULLABLE_TIME,
        "refunded_at": NULLABLE_TIME,
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["order_line_id", "product", "title", "quantity", "amount"],
                "properties": {
                    "order_line_id": {"type": "integer"},
                    "product": {"type": "string"},
                    "title": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "amount": MONEY,
                },
            },
        },
    },
}

INVOICE = {
    "type": "object",
    "description": "The buyer's 发票 request of an order (one per order)",
    "required": ["order_id", "status", "title_type", "kind", "title", "requested_at"],
    "properties": {
        "order_id": {"type": "integer"},
        "order_number": {"type": "string"},
        "amount": {**MONEY, "description": "What to invoice: paid minus refunded"},
        "status": {"type": "string", "enum": list(invoices.STATUS_LABELS)},
        "title_type": {"type": "string", "enum": list(invoices.TITLE_TYPES)},
        "kind": {"type": "string", "enum": list(invoices.KINDS), "description": "normal 普票, special 专票"},
        "title": {"type": "string"},
        "tax_id": {"type": ["string", "null"], "description": "统一社会信用代码 (company titles)"},
        "registered_address": NULLABLE_STRING,
        "registered_phone": NULLABLE_STRING,
        "bank_name": NULLABLE_STRING,
        "bank_account": NULLABLE_STRING,
        "invoice_number": NULLABLE_STRING,
        "requested_at": {"type": "string", "format": "date-time"},
        "updated_at": NULLABLE_TIME,
        "issued_at": NULLABLE_TIME,
    },
}

ORDER = {
    "type": "object",
    "required": ["id", "number", "status", "amount_total", "currency", "lines", "catalog_revision", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string"},
        "status": {"type": "string", "enum": [status.value for status in OrderStatus]},
        "email": NULLABLE_STRING,
        "user_id": {"type": ["integer", "null"]},
        "amount_total": MONEY,
        "currency": {"type": "string"},
        "member_pricing": {"type": "boolean"},
        "catalog_revision": {"type": "string"},
        "stripe_session_id": {"type": "string"},
        "stripe_payment_intent": NULLABLE_STRING,
        "stripe_refund_id": NULLABLE_STRING,
        "carrier": NULLABLE_STRING,
        "tracking": NULLABLE_STRING,
        "created_at": {"type": "string", "format": "date-time"},
        "paid_at": NULLABLE_TIME,
        "shipped_at": NULLABLE_TIME,
        "refunded_at": NULLABLE_TIME,
        "delivery_fee": MONEY,
        "payment_method": NULLABLE_STRING,
        "refunded_amount": {**MONEY, "description": "Refunded so far at Stripe (returns, the Dashboard, full refunds)"},
        "dispute_status": {"type": ["string", "null"], "description": "Stripe's status of a dispute of the payment"},
        "returns": {"type": "array", "items": {"$ref": "#/components/schemas/Return"}},
        "invoice": {"oneOf": [{"$ref": "#/components/schemas/Invoice"}, {"type": "null"}]},
        "shipping_address": {
            "type": ["object", "null"],
            "description": "Where the order goes, as the buyer confirmed it before paying (null on orders recorded before addresses were asked)",
            "required": ["name", "mobile", "province", "city", "district", "address", "postcode"],
            "properties": {
                "name": {"type": "string"},
                "mobile": {"type": "string", "pattern": r"^1[3-9]\d{9}$"},
                "province": {"type": "string"},
                "city": {"type": "string"},
                "district": {"type": "string"},
                "address": {"type": "string"},
                "postcode": NULLABLE_STRING,
            },
        },
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["product", "title", "quantity", "unit_price", "line_total"],
                "properties": {
                    "product": {"type": "string"},
                    "title": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "unit_price": MONEY,
                    "basis": {"type": "string"},
                    "line_total": MONEY,
                },
            },
        },
    },
}

ADDRESS = {
    "type": "object",
    "description": "A mainland delivery address; without it the answer's url is the store's address step",
    "required": ["name", "mobile", "province", "city", "district", "address"],
    "properties": {
        "name": {"type": "string", "maxLength": 20},
        "mobile": {"type": "string", "description": "11 digits; +86, spaces and dashes are accepted"},
        "province": {"type": "string", "description": "a province, municipality or autonomous region (浙江省 or 浙江)"},
        "city": {"type": "string", "maxLength": 20},
        "district": {"type": "string", "maxLength": 20},
        "address": {"type": "string", "maxLength": 120},
        "postcode": {"type": "string", "pattern": r"^\d{6}$"},
    },
}

ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
OPTIONAL_BODY = {"required": False, "content": _json({"type": "object"})}


RETURN_ID = {"name": "return_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


CSV = {
    "schema": {
        "type": "string",
        "description": "For the owner's spreadsheet (Excel, WPS), in zh-CN: Chinese headers, times in Beijing time"
        " (the header says so), status words as the shop shows them, amounts as plain numbers in yuan (元 in the"
        ' header), digits-only identifiers as ="…" so they stay text, formula-looking text defused with \', and a'
        " UTF-8 byte-order mark first. Programs read the JSON.",
    }
}
"""A `?format=csv` answer."""


def _work_list(summary: str, operation_id: str, statuses: list[str], name: str, schema: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": statuses}},
                {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
            ],
            "responses": {
                "200": {
                    "description": "The list",
                    "content": {
                        **_json(
                            {
                                "type": "object",
                                "required": [name, "total"],
                                "properties": {
                                    name: {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
                                    "total": {"type": "integer"},
                                },
                            }
                        ),
                        "text/csv": CSV,
                    },
                },
                **_errors(400, 401, 403, 503),
            },
        }
    }


def _action(summary: str, operation_id: str, parameter: dict, body: dict, answer: str, codes: tuple[int, ...]) -> dict:
    return {
        "post": {
            "summary": summary,
            "operationId": operation_id,
            "security": [{"bearer": []}],
            "parameters": [parameter],
            "requestBody": {"required": bool(body.get("required")), "content": _json(body)},
            "responses": {
                "200": {"description": "Done (or done already)", "content": _json({"$ref": f"#/components/schemas/{answer}"})},
                **_errors(*codes),
            },
        }
    }


def _after_sale_paths() -> dict:
    return {
        "/api/admin/returns": _work_list(
            "Returns: the 200 newest, or those of one status oldest first (JSON or CSV)",
            "listReturns",
            list(returns.STATUSES),
            "returns",
            "Return",
        ),
        "/api/admin/returns/{return_id}/approve": _action(
            "Approve a return: refund its lines at Stripe once (a retry completes an interrupted one), restock if asked",
            "approveReturn",
            RETURN_ID,
            {"type": "object", "properties": {"restock": {"type": "boolean", "default": False}}},
            "Return",
            (400, 401, 403, 404, 409, 415, 502, 503),
        ),
        "/api/admin/returns/{return_id}/refuse": _action(
            "Refuse a waiting return; the reason is mailed to the buyer",
            "refuseReturn",
            RETURN_ID,
            {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 200}}},
            "Return",
            (400, 401, 403, 404, 409, 415, 503),
        ),
        "/api/admin/invoices": _work_list(
            "Invoice requests: the 200 newest, or those of one status oldest first (JSON or CSV)",
            "listInvoices",
            list(invoices.STATUS_LABELS),
            "invoices",
            "Invoice",
        ),
        "/api/admin/orders/{order_id}/invoice/issue": _action(
            "Mark an order's invoice issued with its number; the buyer is mailed",
            "issueInvoice",
            ORDER_ID,
            {"type": "object", "required": ["number"], "properties": {"number": {"type": "string", "pattern": "^[0-9A-Za-z]{8,20}$"}}},
            "Invoice",
            (400, 401, 403, 404, 409, 415, 503),
        ),
    }


def _paths() -> dict:
    return {
        "/api/checkout": {
            "post": {
                "summary": "Start a Stripe Checkout for a cart; prices come from the catalog, never from the body",
                "operationId": "createCheckout",
                "requestBody": {
                    "required": True,
                    "content": _json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 50,
                                    "items": {
                                        "type": "object",
                                        "required": ["product", "quantity"],
                                        "properties": {
                                            "product": {"type": "string"},
                                            "quantity": {"type": "integer", "minimum": 1, "maximum": 9999},
                                        },
                                    },
                                },
                                "address": ADDRESS,
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "Where to send the browser: Stripe Checkout (`next: pay`, an address was given) or the store's address step (`next: address`)",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["id", "url", "next"],
                                "properties": {
                                    "id": {
                                        "type": "string",
                                        "description": "the Stripe session id (pay), or the held checkout's id (address)",
                                    },
                                    "url": {"type": "string"},
                                    "next": {"type": "string", "enum": ["pay", "address"]},
                                    "delivery_fee": MONEY,
                                },
                            }
                        ),
                    },
                    "202": {
                        "description": "The stock is held and Stripe's session is being opened (a rush): the browser waits on `url`",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["id", "url", "next", "status_url"],
                                "properties": {
                                    "id": {"type": "string", "description": "the held checkout's id"},
                                    "url": {"type": "string", "description": "the page that waits for the pay page"},
                                    "next": {"type": "string", "enum": ["wait"]},
                                    "status_url": {"type": "string"},
                                },
                            }
                        ),
                    },
                    **_errors(400, 403, 404, 409, 413, 415, 422, 429, 503),
                },
            }
        },
        "/api/checkout/{checkout_id}": {
            "get": {
                "summary": "Whether a checkout this browser started has its Stripe pay page yet (poll while `queued`)",
                "operationId": "checkoutStatus",
                "parameters": [{"name": "checkout_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 36}}],
                "responses": {
                    "200": {
                        "description": "queued (poll again after `Retry-After`), open (go to `url`) or closed (start again from the cart)",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["id", "status", "url"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "status": {"type": "string", "enum": ["queued", "open", "closed"]},
                                    "url": {"type": ["string", "null"]},
                                },
                            }
                        ),
                    },
                    **_errors(404),
                },
            }
        },
        "/api/checkout/{checkout_id}/delivery-fee": {
            "get": {
                "summary": "The delivery fee of a held checkout to a province (the address step shows it before payment)",
                "operationId": "deliveryFee",
                "parameters": [
                    {"name": "checkout_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 36}},
                    {"name": "province", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "The fee, or that the province is not served",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["province", "served", "fee", "message", "subtotal", "total"],
                                "properties": {
                                    "province": {"type": "string"},
                                    "served": {"type": "boolean"},
                                    "fee": MONEY,
                                    "message": {"type": "string"},
                                    "subtotal": MONEY,
                                    "total": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"},
                                },
                            }
                        ),
                    },
                    **_errors(400, 404, 503),
                },
            }
        },
        "/api/health": {
            "get": {
                "summary": "For load balancers: is the database answering and a catalog loaded",
                "operationId": "health",
                "responses": {
                    "200": {
                        "description": "Ready to sell",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["ok", "catalog_revision"],
                                "properties": {"ok": {"const": True}, "catalog_revision": {"type": "string"}},
                            }
                        ),
                    },
                    "503": {
                        "description": "The database or the catalog is unavailable",
                        "content": _json({"type": "object", "required": ["ok"], "properties": {"ok": {"const": False}}}),
                    },
                },
            }
        },
        "/api/me": {
            "get": {
                "summary": "Who is logged in (for showing member prices)",
                "operationId": "me",
                "responses": {
                    "200": {
                        "description": "The visitor",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["authenticated", "email", "member", "member_until"],
                                "properties": {
                                    "authenticated": {"type": "boolean"},
                                    "email": NULLABLE_STRING,
                                    "member": {"type": "boolean"},
                                    "member_until": NULLABLE_TIME,
                                },
                            }
                        ),
                    }
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}},
            }
        },
        "/api/stripe/webhook": {
            "post": {
                "summary": "Stripe's signed events (verified with STRIPE_WEBHOOK_SECRET)",
                "operationId": "stripeWebhook",
                "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": _json({"type": "object"})},
                "responses": {
                    "200": {
                        "description": "Applied, a replay, or an event type the store ignores",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["received"],
                                "properties": {"received": {"type": "boolean"}, "outcome": {"type": "string"}},
                            }
                        ),
                    },
                    **_errors(400, 413, 503),
                },
            }
        },
        "/api/admin/orders": {
            "get": {
                "summary": "Orders, newest first (JSON or CSV)",
                "operationId": "listOrders",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": [status.value for status in OrderStatus]}},
                    {"name": "email", "in": "query", "schema": {"type": "string", "maxLength": MAX_FILTER_TEXT}},
                    {"name": "product", "in": "query", "schema": {"type": "string", "maxLength": MAX_FILTER_TEXT}},
                    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}},
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
                ],
                "responses": {
                    "200": {
                        "description": "One page of orders",
                        "content": {
                            **_json(
                                {
                                    "type": "object",
                                    "required": ["orders", "total", "limit", "offset", "next_offset"],
                                    "properties": {
                                        "orders": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}},
                                        "total": {"type": "integer"},
                                        "limit": {"type": "integer"},
                                        "offset": {"type": "integer"},
                                        "next_offset": {"type": ["integer", "null"]},
                                    },
                                }
                            ),
                            "text/csv": CSV,
                        },
                    },
                    **_errors(400, 401, 403, 503),
                },
            }
        },
        "/api/admin/orders/{order_id}": {
            "get": {
                "summary": "One order",
                "operationId": "getOrder",
                "security": [{"bearer": []}],
                "parameters": [ORDER_ID],
                "responses": {
                    "200": {"description": "The order", "content": _json({"$ref": "#/components/schemas/Order"})},
                    **_errors(401, 403, 404, 503),
                },
            }
        },
        "/api/admin/orders/{order_id}/ship": {
            "post": {
                "summary": "Mark a paid order shipped",
                "operationId": "shipOrder",
                "security": [{"bearer": []}],
                "parameters": [ORDER_ID],
                "requestBody": {
                    "required": False,
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "carrier": {"type": "string", "maxLength": 120},
                                "tracking": {"type": "string", "maxLength": 120},
                            },
                        }
                    ),
                },
                "responses": {
                    "200": {"description": "The shipped order", "content": _json({"$ref": "#/components/schemas/Order"})},
                    **_errors(400, 401, 403, 404, 409, 415, 503),
                },
            }
        },
        "/api/admin/orders/{order_id}/refund": {
            "post": {
                "summary": "Refund a paid order in full through Stripe",
                "operationId": "refundOrder",
                "security": [{"bearer": []}],
                "parameters": [ORDER_ID],
                "requestBody": OPTIONAL_BODY,
                "responses": {
                    "200": {"description": "The refunded order", "content": _json({"$ref": "#/components/schemas/Order"})},
                    **_errors(400, 401, 403, 404, 409, 415, 502, 503),
                },
            }
        },
    }


def spec(public_url: str) -> dict:
    """The OpenAPI document for a store served at `public_url`."""
    codes = (400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PLUS Store checkout API",
            "version": "1.0.0",
            "description": "Cart checkout, visitor state, a health check, Stripe webhooks and the operators' admin API.",
        },
        "servers": [{"url": public_url}],
        "paths": _paths() | _after_sale_paths(),
        "components": {
            "schemas": {"Order": ORDER, "Return": RETURN, "Invoice": INVOICE, "Error": ERROR},
            "responses": {
                f"Error{code}": {"description": f"HTTP {code}", "content": _json({"$ref": "#/components/schemas/Error"})} for code in codes
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "PLUS_ADMIN_TOKEN"}},
        },
    }
