"""The API's error shape: `{"error": {"code", "message"}}` with the right status, and refusals."""

from __future__ import annotations

from flask import Response, jsonify, render_template, request

from .jsonbody import MalformedBody, request_json


def api_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """A JSON error response."""
    return jsonify({"error": {"code": code, "message": message}}), status


class Refusal(Exception):
    """A request the store refuses, in the asker's words: an HTTP status, an API code and a zh-CN message.

    A view with a form catches it to show `message` beside the form; any other is answered by `refused`."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def refused(error: Refusal) -> tuple[Response | str, int]:
    """The answer to a refusal (registered for the whole app): the JSON error under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return api_error(error.status, error.code, error.message)
    return render_template("errors/refused.html", message=error.message), error.status


def require_json() -> tuple[Response, int] | None:
    """A 415 error unless the request body is declared JSON (the API takes no forms)."""
    if request.mimetype != "application/json":
        return api_error(415, "unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）")
    return None


def json_body() -> object:
    """The parsed JSON body; a body too large, too deep or not JSON raises MalformedBody (answered 400 malformed_body)."""
    return request_json()


def malformed_body(error: MalformedBody) -> tuple[Response, int]:
    """The answer to a body that is not safe JSON."""
    return api_error(400, "malformed_body", str(error))
