"""`plus deploy nginx`: the config covers the app's routes, refuses what would break it, and nginx accepts it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from admin.cli import cli
from admin.deploy.nginx import (
    APP_PREFIXES,
    NginxConfigError,
    NginxSite,
    app_pattern,
    render_nginx,
    standalone_conf,
)
from checkout import create_app
from checkout.db import get_database

from .procs import have

UPSTREAMS = ("127.0.0.1:8001", "10.0.0.7:8001")


def site(**changes) -> NginxSite:
    return NginxSite(**{"root": Path("/srv/plus/output"), "upstreams": UPSTREAMS, **changes})


def test_every_checkout_route_is_proxied_and_no_page_of_the_site_is(tmp_path, seed_site):
    app = create_app({"SECRET_KEY": "x", "PLUS_INSTANCE": str(tmp_path / "instance")})
    proxied = re.compile(app_pattern(APP_PREFIXES).strip('"'))
    routes = [rule.rule for rule in app.url_map.iter_rules()] + ["/api/health"]
    assert [route for route in routes if not proxied.match(route)] == []
    _, built = seed_site
    pages = ["/" + str(path.relative_to(built)) for path in built.rglob("*") if path.is_file()]
    assert [page for page in pages if proxied.match(page)] == []
    get_database(app).engine.dispose()


def test_the_config_names_every_upstream_and_the_site_folder():
    conf = render_nginx(site())
    for upstream in UPSTREAMS:
        assert f"server {upstream} " in conf
    assert "root /srv/plus/output;" in conf
    assert "gzip_static on;" in conf and "brotli_static" not in conf
    assert "brotli_static on;" in render_nginx(site(brotli=True))


def test_hsts_only_over_https_unless_asked():
    assert "Strict-Transport-Security" not in render_nginx(site())
    tls = render_nginx(site(tls_cert=Path("/etc/ssl/plus.pem"), tls_key=Path("/etc/ssl/plus.key"), listen="443"))
    assert "Strict-Transport-Security" in tls and "return 301 https://$host$request_uri;" in tls
    assert "Strict-Transport-Security" in render_nginx(site(hsts=True))  # TLS ended at a load balancer before nginx


@pytest.mark.parametrize(
    "changes",
    [
        {"upstreams": ()},
        {"upstreams": ("127.0.0.1:8001; return 200",)},
        {"upstreams": ("evil.example:80 backup",)},
        {"upstreams": ("127.0.0.1:8001\n",)},
        {"server_name": "shop.example\n"},
        {"server_name": "shop.example; include /etc/passwd"},
        {"listen": "80 default_server"},
        {"root": Path("relative/output")},
        {"root": Path("/srv/my site")},
        {"root": Path("/srv/$document_root")},
        {"tls_cert": Path("/etc/ssl/plus.pem")},
        {"checkout_origin": "https://checkout.stripe.com; script-src *"},
        {"app_prefixes": ("/api/", "/(.*)/")},
    ],
)
def test_values_that_would_change_the_config_are_refused(changes):
    with pytest.raises(NginxConfigError):
        render_nginx(site(**changes))


def test_plus_deploy_nginx_prints_the_config(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "deploy",
            "nginx",
            "--output-dir",
            str(tmp_path / "out"),
            "--upstream",
            UPSTREAMS[0],
            "--upstream",
            UPSTREAMS[1],
            "--server-name",
            "plus.example.cn",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"root {tmp_path / 'out'};" in result.output and "server_name plus.example.cn;" in result.output
    refused = CliRunner().invoke(cli, ["deploy", "nginx", "--upstream", "127.0.0.1:8001;"])
    assert refused.exit_code == 1 and "is not host:port" in refused.output


@pytest.mark.skipif(not (have("nginx") and shutil.which("openssl")), reason="needs nginx and openssl")
def test_nginx_accepts_the_https_config(tmp_path):
    cert, key = tmp_path / "plus.pem", tmp_path / "plus.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=plus.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    conf = render_nginx(
        site(root=tmp_path, tls_cert=cert, tls_key=key, listen="127.0.0.1:8443", http_listen="127.0.0.1:8080", server_name="plus.test")
    )
    (tmp_path / "nginx.conf").write_text(standalone_conf(conf, tmp_path), encoding="utf-8")
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
