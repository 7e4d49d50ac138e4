"""The nginx front of a PLUS Store: static files from the built site, the checkout's routes to the app.

`render_nginx()` fills admin/deploy/templates/nginx.conf (a server block for nginx's http context);
`standalone_conf()` wraps it into a whole nginx.conf that runs unprivileged in the foreground
(tests, benchmarks). Every value that reaches the config is checked first: nothing a caller
passes can open a new directive.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from checkout.security import security_headers

TEMPLATES = Path(__file__).with_name("templates")

APP_PREFIXES = ("/api/", "/auth/", "/account/", "/checkout/")
"""Where the checkout's routes live (checkout/*.py blueprints); everything else is the static store."""

STRIPE_CHECKOUT = "https://checkout.stripe.com"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")

_UPSTREAM = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$|^unix:/[A-Za-z0-9._/-]+$")
_SERVER_NAME = re.compile(r"^(?:[A-Za-z0-9*_.-]+)(?: [A-Za-z0-9*_.-]+)*$")
_LISTEN = re.compile(r"^(?:(?:[0-9.]+|\[[0-9A-Fa-f:]+\]):)?\d{1,5}$")
_UNSAFE = re.compile(r"[\s\"'$;{}\\#]")
_HEADER_UNSAFE = re.compile(r"[\"$\\\r\n]")


class NginxConfigError(ValueError):
    """A value that cannot go into the nginx config."""


@dataclass(frozen=True)
class NginxSite:
    """What the nginx front needs to know: where the site is, where the app instances listen."""

    root: Path
    upstreams: tuple[str, ...]
    server_name: str = "_"
    listen: str = "80"
    http_listen: str = "80"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    hsts: bool | None = None
    brotli: bool = False
    checkout_origin: str = STRIPE_CHECKOUT
    app_prefixes: tuple[str, ...] = APP_PREFIXES

    @property
    def https(self) -> bool:
        """Whether nginx terminates TLS itself."""
        return self.tls_cert is not None


def app_pattern(prefixes: tuple[str, ...]) -> str:
    """The nginx location regex matching the route prefixes, with or without their trailing slash."""
    names = "|".join(re.escape(prefix.strip("/")) for prefix in prefixes)
    return f'"^/({names})(/|$)"'


def _check(site: NginxSite) -> None:
    if not site.upstreams:
        raise NginxConfigError("at least one --upstream (host:port of an app instance) is needed")
    for upstream in site.upstreams:
        if not _UPSTREAM.fullmatch(upstream):
            raise NginxConfigError(f"upstream {upstream!r} is not host:port, [ipv6]:port or unix:/path")
    if not _SERVER_NAME.fullmatch(site.server_name):
        raise NginxConfigError(f"server name {site.server_name!r} is not a list of host names")
    for listen in (site.listen, site.http_listen):
        if not _LISTEN.fullmatch(listen):
            raise NginxConfigError(f"listen {listen!r} is not a port or address:port")
    paths = [site.root] + [p for p in (site.tls_cert, site.tls_key) if p is not None]
    for path in paths:
        if not path.is_absolute() or _UNSAFE.search(str(path)):
            raise NginxConfigError(f"{path} must be an absolute path without spaces, quotes or ; {{ }} $ # \\")
    for prefix in site.app_prefixes:
        if not re.fullmatch(r"/[a-z0-9_-]+/", prefix):
            raise NginxConfigError(f"route prefix {prefix!r} is not /name/")
    if (site.tls_cert is None) != (site.tls_key is None):
        raise NginxConfigError("TLS needs both a certificate and its key")
    if not re.fullmatch(r"https?://[A-Za-z0-9.:-]+", site.checkout_origin):
        raise NginxConfigError(f"checkout origin {site.checkout_origin!r} is not scheme://host[:port]")


def static_headers(site: NginxSite) -> list[tuple[str, str]]:
    """The headers nginx adds to static files: the app's own (checkout.security), HSTS with TLS."""
    hsts = site.https if site.hsts is None else site.hsts
    headers = security_headers(checkout_origin=site.checkout_origin, production=hsts)
    for name, value in headers:
        if _HEADER_UNSAFE.search(value):
            raise NginxConfigError(f"header {name} holds a character nginx would interpret: {value!r}")
    return headers


def render_nginx(site: NginxSite) -> str:
    """The nginx config (http context) for `site`."""
    _check(site)
    environment = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    return environment.get_template("nginx.conf").render(
        root=site.root,
        upstreams=site.upstreams,
        server_name=site.server_name,
        listen=site.listen,
        http_listen=site.http_listen,
        https=site.https,
        tls_cert=site.tls_cert,
        tls_key=site.tls_key,
        brotli=site.brotli,
        headers=static_headers(site),
        app_pattern=app_pattern(site.app_prefixes),
    )


def standalone_conf(
    site_conf: str, prefix: Path, *, brotli_module: Path | None = None, access_log: bool = False, workers: str = "1"
) -> str:
    """A whole nginx.conf around `site_conf` that runs as this user in the foreground, files below `prefix`."""
    temp = {name: prefix / "tmp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    (prefix / "plus.conf").write_text(site_conf, encoding="utf-8")
    load = f"load_module {brotli_module};\n" if brotli_module else ""
    log = f"access_log {prefix / 'access.log'};" if access_log else "access_log off;"
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would become nobody and not read a private tmp folder
    return (
        f"{load}{user}daemon off;\nmaster_process on;\nworker_processes {workers};\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    {log}\n    sendfile on;\n    tcp_nopush on;\n    keepalive_timeout 65;\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
        + f"    include {prefix / 'plus.conf'};\n}}\n"
    )
