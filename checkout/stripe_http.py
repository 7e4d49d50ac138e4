"""The stripe library's HTTP transport: urllib3's connection pool, with the environment read once.

The library's default transport (`requests`) reads the environment (proxies, CA bundles, .netrc)
and merges settings on every call: about a millisecond of CPU per Stripe request, as much as the
rest of the call. This one keeps what matters of it — TLS verified against the library's CA
bundle, an `HTTPS_PROXY`/`NO_PROXY` from the environment (read when the client is made), keep-alive
connections shared by the threads, timeouts, the library's own retries of connection errors —
and nothing else.
"""

from __future__ import annotations

import textwrap
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import stripe
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError, TimeoutError

TIMEOUT = 80.0  # seconds, as the library's default transport
CONNECTIONS = 64  # kept open per host: the Stripe queue's workers and the request threads that call Stripe


class PooledClient(stripe.HTTPClient):
    """A `stripe.HTTPClient` on one urllib3 pool (thread-safe), proxied as the environment said for `base`."""

    name = "urllib3"

    def __init__(self, base: str, *, timeout: float = TIMEOUT, proxy: str | None = None):
        proxy = proxy or environment_proxy(base)
        super().__init__(proxy=proxy)
        options: dict[str, Any] = {"maxsize": CONNECTIONS, "cert_reqs": "CERT_REQUIRED", "ca_certs": stripe.ca_bundle_path}
        self._pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self._timeout = urllib3.Timeout(total=timeout)

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, *, _usage: list[str] | None = None
    ) -> tuple[Any, int, Mapping[str, str]]:
        try:
            response = self._pool.request(
                method.upper(), url, body=post_data, headers=dict(headers or {}), timeout=self._timeout, retries=False, redirect=False
            )
        except SSLError as exc:
            raise _connection_error("Could not verify Stripe's SSL certificate.", exc, retry=False) from exc
        except (TimeoutError, NewConnectionError, ProtocolError) as exc:  # retried by the library, as with `requests`
            raise _connection_error("Unexpected error communicating with Stripe.", exc, retry=True) from exc
        except HTTPError as exc:
            raise _connection_error("Unexpected error communicating with Stripe.", exc, retry=False) from exc
        return response.data, response.status, response.headers

    def close(self) -> None:
        self._pool.clear()


def environment_proxy(base: str) -> str | None:
    """The proxy the environment names for `base` (`HTTPS_PROXY`, unless `NO_PROXY` excludes its host), or None."""
    parts = urlsplit(base)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _connection_error(message: str, error: Exception, *, retry: bool) -> stripe.APIConnectionError:
    text = textwrap.fill(message) + f"\n\n(Network error: {type(error).__name__}: {error})"
    return stripe.APIConnectionError(text, should_retry=retry)
