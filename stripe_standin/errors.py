"""Stripe-shaped API errors: `{"error": {"type", "code", "message", "param"}}` with Stripe's HTTP status."""

from __future__ import annotations


class StripeError(Exception):
    """An error the stand-in answers with, shaped like Stripe's."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None, param: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param

    def body(self) -> dict:
        """The JSON body Stripe would send."""
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = "parameter_invalid") -> StripeError:
    """A 400 invalid_request_error about one parameter."""
    return StripeError(400, message, code=code, param=param)


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    """The 404 Stripe answers for an unknown object id."""
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def unknown_parameter(param: str) -> StripeError:
    """The 400 Stripe answers for a parameter it does not know."""
    return StripeError(400, f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def required(param: str) -> StripeError:
    """The 400 Stripe answers for a missing required parameter."""
    return StripeError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def unauthenticated(message: str) -> StripeError:
    """A 401 authentication error."""
    return StripeError(401, message, type="invalid_request_error")
