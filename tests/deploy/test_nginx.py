"""A real nginx on loopback in front of two app instances, serving the built seed site (`plus deploy nginx`)."""

from __future__ import annotations

import http.client
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from admin.deploy.nginx import BROTLI_MODULE, NginxSite, render_nginx, standalone_conf
from checkout.security import security_headers
from stripe_standin import serve_in_thread
from tests.checkout.helpers import ADDRESS

from .conftest import app_env
from .procs import Nginx, PlusServe, Process, Redis, free_port, have, start_two_instances

pytestmark = pytest.mark.skipif(not have("nginx"), reason="nginx is not installed (apt-get install nginx)")

IMMUTABLE = "public, max-age=31536000, immutable"
PAGE = "public, max-age=60, must-revalidate"


@dataclass
class Stack:
    """nginx, the app instances behind it, and what they serve."""

    nginx: Nginx
    apps: list[PlusServe]
    site: Path
    standin: str
    redis: Redis | None

    @property
    def url(self) -> str:
        return self.nginx.url


@pytest.fixture(scope="module")
def stack(seed_site, tmp_path_factory):
    content, site = seed_site
    tmp = tmp_path_factory.mktemp("nginx-stack")
    standin = serve_in_thread({"ASYNC_PAYMENT_DELAY": 0.2})
    started: list[Process] = []
    try:
        redis = Redis(tmp / "redis").start() if have("redis-server") else None
        if redis:
            started.append(redis)
        port = free_port()
        env = app_env(
            tmp,
            content,
            standin.url,
            f"sqlite:///{tmp / 'plus.db'}",
            PUBLIC_URL=f"http://127.0.0.1:{port}",
            PLUS_TRUSTED_PROXIES="1",
            PLUS_RATE_LOGIN="3 per minute",
        )
        if redis:
            env["RATELIMIT_STORAGE_URI"] = redis.url
        apps = list(start_two_instances(tmp, env, site, started))
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(standin.url))
        brotli = BROTLI_MODULE.exists()
        conf = render_nginx(
            NginxSite(
                root=site,
                upstreams=tuple(f"127.0.0.1:{app.port}" for app in apps),
                listen=f"127.0.0.1:{port}",
                brotli=brotli,
                checkout_origin=origin,
            )
        )
        prefix = tmp / "nginx"
        prefix.mkdir()
        (prefix / "nginx.conf").write_text(standalone_conf(conf, prefix, brotli_module=BROTLI_MODULE if brotli else None), encoding="utf-8")
        nginx = Nginx(prefix, port).start()
        started.append(nginx)
        yield Stack(nginx, apps, site, standin.url, redis)
    finally:
        for process in reversed(started):
            process.stop()
        standin.stop()


def raw_get(
    url: str,
    *,
    encoding: str | None = None,
    source: str | None = None,
    method: str = "GET",
    body: str | None = None,
    headers: dict | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with http.client: no decompression, optional client address (127.0.0.x)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(source, 0) if source else None)
    sent = dict(headers or {})
    if encoding:
        sent["Accept-Encoding"] = encoding
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def asset_urls(stack: Stack) -> dict[str, str]:
    """URLs the home page links (stylesheet with its ?v=) and one Pagefind fragment."""
    home = (stack.site / "index.html").read_text(encoding="utf-8")
    stylesheet = re.search(r'<link rel="stylesheet" href="(/theme/[^"]+\?v=[^"]+)"', home)
    assert stylesheet, "the home page links no versioned stylesheet"
    fragment = next((stack.site / "pagefind" / "fragment").iterdir())
    return {"stylesheet": stylesheet.group(1), "fragment": "/" + str(fragment.relative_to(stack.site))}


def test_a_product_page_is_served_by_nginx_from_the_site_folder(stack):
    status, headers, body = raw_get(f"{stack.url}/p/aux-vacuum/")
    assert status == 200
    assert body == (stack.site / "p" / "aux-vacuum" / "index.html").read_bytes()
    assert "69.00" in body.decode("utf-8")
    assert headers["cache-control"] == PAGE  # nginx's map, not the app's whitenoise


def test_dotfiles_in_the_site_folder_are_not_served(stack):
    dotfile = stack.site / ".left-behind.json"  # the seed site is shared: removed again below
    dotfile.write_text("{}", encoding="utf-8")
    try:
        status, _, _ = raw_get(f"{stack.url}/.left-behind.json")
    finally:
        dotfile.unlink()
    assert status == 404


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_precompressed_copies_are_sent_as_written(stack, encoding):
    if encoding == "br" and not BROTLI_MODULE.exists():
        pytest.skip("nginx's brotli module is not installed (apt-get install libnginx-mod-http-brotli-static)")
    suffix = {"gzip": ".gz", "br": ".br"}[encoding]
    status, headers, body = raw_get(f"{stack.url}/", encoding=encoding)
    assert status == 200 and headers["content-encoding"] == encoding
    assert body == (stack.site / f"index.html{suffix}").read_bytes()
    assert "Accept-Encoding" in headers["vary"]


@pytest.mark.parametrize(("asset", "expected"), [("stylesheet", IMMUTABLE), ("fragment", IMMUTABLE), ("/", PAGE), ("/sitemap.xml", PAGE)])
def test_hashed_assets_live_long_and_pages_briefly(stack, asset, expected):
    path = asset_urls(stack).get(asset, asset)
    status, headers, _ = raw_get(stack.url + path)
    assert status == 200
    assert headers["cache-control"] == expected


def test_a_search_shards_index_files_live_long_too(stack):
    fragment = next((stack.site / "pagefind" / "fragment").iterdir())
    shard = stack.site / "pagefind" / "shard-2" / "fragment"  # a catalog indexed in shards (storefront/search.py)
    shard.mkdir(parents=True)
    try:
        shutil.copy(fragment, shard / fragment.name)
        status, headers, _ = raw_get(f"{stack.url}/pagefind/shard-2/fragment/{fragment.name}")
        assert status == 200 and headers["cache-control"] == IMMUTABLE
    finally:
        shutil.rmtree(shard.parent)


def test_an_unversioned_stylesheet_is_not_cached_for_a_year(stack):
    path = asset_urls(stack)["stylesheet"].split("?")[0]
    assert "immutable" not in raw_get(stack.url + path)[1]["cache-control"]


def test_static_files_carry_the_same_security_headers_as_the_app(stack):
    _, static, _ = raw_get(f"{stack.url}/p/aux-vacuum/")
    _, app, _ = raw_get(f"{stack.apps[0].url}/api/me")
    names = [name.lower() for name, _ in security_headers(checkout_origin=stack.standin, production=False)]
    assert {name: static.get(name) for name in names} == {name: app.get(name) for name in names}
    assert "strict-transport-security" not in static  # plain http: no HSTS


def test_an_unknown_page_is_the_sites_404_page_with_headers(stack):
    status, headers, body = raw_get(f"{stack.url}/p/no-such-product/")
    assert status == 404
    assert body == (stack.site / "404.html").read_bytes()
    assert "object-src 'none'" in headers["content-security-policy"]


def test_checkout_routes_are_proxied_to_the_app(stack):
    me = requests.get(f"{stack.url}/api/me", timeout=10)
    assert me.status_code == 200 and me.json()["authenticated"] is False
    assert me.headers["Cache-Control"] == "no-store"
    started = requests.post(
        f"{stack.url}/api/checkout", json={"items": [{"product": "aux-vacuum", "quantity": 1}], "address": ADDRESS}, timeout=15
    )
    assert started.status_code == 201, started.text
    assert started.json()["url"].startswith(stack.standin)
    assert requests.get(f"{stack.url}/api/health", timeout=10).json()["ok"] is True
    login = requests.get(f"{stack.url}/auth/login", timeout=10)
    assert login.status_code == 200 and 'name="csrf_token"' in login.text
    account = requests.get(f"{stack.url}/account", allow_redirects=False, timeout=10)
    assert account.status_code in (301, 308) and account.headers["Location"] in ("/account/", f"{stack.url}/account/")
    assert requests.get(f"{stack.url}/account/", allow_redirects=False, timeout=10).headers["Location"].startswith("/auth/login")
    assert requests.get(f"{stack.url}/checkout/success", timeout=10).status_code == 200


def test_each_client_address_has_its_own_login_limit_behind_nginx(stack):
    if stack.redis is None:
        pytest.skip("redis-server is not installed: limits are not shared between the instances")
    token_page = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page.get(f"{stack.url}/auth/login", timeout=10).text).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in token_page.cookies)
    form = f"email=nobody%40example.com&password=wrong&csrf_token={token}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

    def attempt(source: str) -> tuple[int, str | None]:
        status, answer, _ = raw_get(f"{stack.url}/auth/login", source=source, method="POST", body=form, headers=headers)
        return status, answer.get("x-ratelimit-remaining")

    assert [attempt("127.0.0.2") for _ in range(3)] == [(401, "2"), (401, "1"), (401, "0")]
    assert attempt("127.0.0.2")[0] == 429
    assert attempt("127.0.0.3") == (401, "2")  # another shopper is not locked out with the first


def test_a_stopped_instance_is_routed_around(stack):
    stopped = stack.apps[1]
    stopped.stop()
    try:
        for _ in range(6):
            assert requests.get(f"{stack.url}/api/me", timeout=10).status_code == 200
    finally:
        stopped.start()
