"""The `/v1` HTTP API: authentication, idempotency, expansion, lists and thin views over the domain modules."""

from __future__ import annotations

import base64
import functools
import json

from flask import Blueprint, Response, current_app, g, request

from . import sessions
from .errors import StripeError, invalid, missing, unauthenticated
from .params import Reader, expand_paths, parse_form
from .store import public

bp = Blueprint("stripe_api", __name__, url_prefix="/v1")

RETRIEVABLE = {  # path segment → (object kind, list filters Stripe offers)
    "payment_intents": ("payment_intent", ("customer",)),
    "charges": ("charge", ("customer", "payment_intent")),
    "customers": ("customer", ("email",)),
    "refunds": ("refund", ("charge", "payment_intent")),
    "invoices": ("invoice", ("customer", "subscription", "status")),
    "products": ("product", ()),
    "prices": ("price", ()),
}


def standin():
    """The Standin this app runs."""
    return current_app.extensions["stripe_standin"]


def json_response(body: dict, status: int = 200) -> Response:
    """A JSON response with Stripe's headers."""
    response = Response(json.dumps(body, ensure_ascii=False, indent=2), status, mimetype="application/json")
    response.headers["Request-Id"] = g.get("request_id", "")
    response.headers["Stripe-Version"] = standin().webhooks.api_version
    return response


@bp.before_request
def authenticate():
    """Accept any test-mode secret key, by Bearer or Basic auth, as Stripe does."""
    header = request.headers.get("Authorization", "")
    key = ""
    if header.startswith("Bearer "):
        key = header[7:].strip()
    elif header.startswith("Basic "):
        try:
            key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
    if not key:
        raise unauthenticated(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise unauthenticated(f"Invalid API Key provided: {key[:8]}{'*' * 4}{key[-4:]} (the stand-in accepts test keys, sk_test_…, only)")
    g.api_key = key


def params() -> dict:
    """The request's parameters, parsed from the form body (POST) or the query string."""
    if "params" not in g:
        source = request.form if request.method == "POST" else request.args
        g.params = parse_form(source.items(multi=True))
    return g.params


def event_request() -> dict:
    """What an event records about the API request that caused it."""
    return {"id": g.request_id, "idempotency_key": request.headers.get("Idempotency-Key")}


def idempotent(view):
    """Replay the first response for a reused Idempotency-Key; refuse the key with different parameters."""

    @functools.wraps(view)
    def wrapper(**kwargs):
        key = request.headers.get("Idempotency-Key")
        store = standin().store
        with store.transaction():
            fingerprint = json.dumps([request.path, params()], sort_keys=True)
            if key:
                stored = store.idempotent_result(g.api_key, key)
                if stored and stored[0] != fingerprint:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{key}' if you meant "
                        "to execute a different request.",
                        type="idempotency_error",
                    )
                if stored:
                    response = Response(stored[2], stored[1], mimetype="application/json")
                    response.headers["Idempotent-Replayed"] = "true"
                    response.headers["Original-Request"] = g.request_id
                    return response
            response = view(**kwargs)
            if key:
                store.remember(g.api_key, key, fingerprint, response.status_code, response.get_data(as_text=True))
            return response

    return wrapper


def render(obj: dict, paths: list[str] | None = None) -> dict:
    """The object as the API shows it, with the request's `expand[]` (or the given paths) applied."""
    shown = public(obj)
    for path in expand_paths(params()) if paths is None else paths:
        segments = path.split(".")
        if obj["object"] == "checkout.session" and segments[0] == "line_items":
            shown["line_items"] = list_object(sessions.line_items(obj), f"/v1/checkout/sessions/{obj['id']}/line_items", has_more=False)
        _expand(shown, segments, path)
    return shown


def _expand(value, segments: list[str], path: str):
    if not segments or value is None:
        return value
    head, rest = segments[0], segments[1:]
    if not isinstance(value, dict):
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    if value.get("object") == "list" and head == "data":
        value["data"] = [_expand(item, rest, path) for item in value["data"]]
        return value
    if head not in value:
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    child = value[head]
    if isinstance(child, str):
        loaded = standin().store.get(child)
        if loaded is None:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        child = public(loaded)
    value[head] = _expand(child, rest, path)
    return value


def list_object(items: list[dict], url: str, *, has_more: bool) -> dict:
    """Stripe's list shape."""
    return {"object": "list", "data": items, "has_more": has_more, "url": url}


def paginate(items: list[dict], url: str, reader: Reader, kind: str) -> dict:
    """Apply `created`, `limit`, `starting_after` and `ending_before` to newest-first objects."""
    if reader.has("created"):
        items = [item for item in items if _created_matches(item["created"], reader)]
    limit = reader.int("limit", low=1, high=100) or 10
    ids = [item["id"] for item in items]
    after, before = reader.str("starting_after"), reader.str("ending_before")
    if after and before:
        raise invalid("You may only specify one of these parameters: ending_before, starting_after.")
    for name, cursor in (("starting_after", after), ("ending_before", before)):
        if cursor and cursor not in ids and standin().store.get(cursor, kind) is None:
            raise missing(kind, cursor, name)
    if after:
        start = ids.index(after) + 1 if after in ids else len(ids)
        page = items[start : start + limit]
        has_more = start + limit < len(items)
    elif before:
        end = ids.index(before) if before in ids else 0
        page = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        page, has_more = items[:limit], len(items) > limit
    paths = []
    for path in expand_paths(params()):
        if not path.startswith("data."):
            raise invalid(f"This property cannot be expanded ({path}). List expansions start with `data.`", "expand")
        paths.append(path[5:])
    return list_object([render(item, paths) for item in page], url, has_more=has_more)


def _created_matches(created: int, reader: Reader) -> bool:
    if isinstance(reader.data["created"], str):
        return created == reader.int("created")
    bounds = reader.sub("created", need=True).only("gt", "gte", "lt", "lte")
    checks = {"gt": lambda v: created > v, "gte": lambda v: created >= v, "lt": lambda v: created < v, "lte": lambda v: created <= v}
    return all(checks[name](bounds.int(name, need=True)) for name in checks if bounds.has(name))


def list_view(kind: str, url: str, filters: tuple[str, ...], reader: Reader) -> Response:
    """A list endpoint filtering by equality on `filters` (plus created and cursors)."""
    reader.only("limit", "starting_after", "ending_before", "created", *filters)
    items = standin().store.all(kind)
    for name in filters:
        if reader.has(name):
            wanted = reader.str(name)
            items = [item for item in items if item.get(name) == wanted]
    return json_response(paginate(items, url, reader, kind))


def load(kind: str, object_id: str) -> dict:
    """The stored object, or Stripe's 404."""
    obj = standin().store.get(object_id, kind)
    if obj is None:
        raise missing(kind, object_id)
    return obj
