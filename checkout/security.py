"""Security headers on every response, the app's and the static site's alike (a WSGI wrapper)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def content_security_policy(checkout_origin: str) -> str:
    """The CSP: same-origin everything, no plugins, no <base>, no framing; forms may go to Stripe."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",  # Pagefind's search runs WebAssembly
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {checkout_origin}",
        ]
    )


def security_headers(*, checkout_origin: str, production: bool) -> list[tuple[str, str]]:
    """The headers every response carries."""
    headers = [
        ("Content-Security-Policy", content_security_policy(checkout_origin)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if production:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeaders:
    """WSGI middleware adding the headers a response does not set itself."""

    def __init__(self, app: Callable, headers: list[tuple[str, str]]):
        self.app = app
        self.headers = headers

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, response_headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in response_headers}
            response_headers.extend(h for h in self.headers if h[0].lower() not in present)
            return start_response(status, response_headers, exc_info)

        return self.app(environ, start)
