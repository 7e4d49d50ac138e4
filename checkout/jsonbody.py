"""A JSON request body parsed safely: bounded size and nesting, so no body can crash a view (RecursionError)."""

from __future__ import annotations

import json

from flask import request

MAX_DEPTH = 20
MAX_BYTES = 64 * 1024


class MalformedBody(ValueError):
    """A body that is not JSON, too large or nested too deep (the API answers 400 malformed_body)."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without recursion (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json(raw: bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> object:
    """The JSON value of `raw`, or MalformedBody when it is too large, too deep or not UTF-8 JSON."""
    if len(raw) > max_bytes:
        raise MalformedBody(f"请求体不能超过{max_bytes // 1024} KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody("请求体须为 UTF-8 编码的 JSON") from exc
    if nesting_depth(text) > max_depth:
        raise MalformedBody(f"JSON 嵌套不能超过{max_depth}层")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedBody("请求体不是有效的 JSON") from exc


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def request_json() -> object:
    """The current request's JSON body (MalformedBody when unsafe or invalid)."""
    return parse_json(request.get_data(cache=True))
