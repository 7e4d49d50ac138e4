"""Production fails closed: a live store refuses to start without the settings that keep it honest."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.messages import say
from checkout import accounts, create_app
from checkout.config import ENV_KEYS, REQUIRED_IN_PRODUCTION, ConfigError

from .helpers import QUICK_HASHER

PLUS = str(Path(sys.executable).with_name("plus"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def complete(tmp_path: Path) -> dict[str, str]:
    """Every setting production requires, with harmless values."""
    return {
        "PLUS_ENV": "production",
        "PUBLIC_URL": "https://plus.example.com",
        "STRIPE_SECRET_KEY": "sk_test_" + "a" * 24,
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "b" * 32,
        "SECRET_KEY": "c" * 64,
        "MAIL_SERVER": "mail.invalid",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'plus.db'}",
        "PLUS_INSTANCE": str(tmp_path / "instance"),
    }


def clean_environment(monkeypatch) -> None:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize("missing", list(REQUIRED_IN_PRODUCTION))
def test_production_refuses_to_start_without_each_required_setting(monkeypatch, tmp_path, missing):
    clean_environment(monkeypatch)
    settings = complete(tmp_path)
    del settings[missing]
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert refused.value.missing == [missing]
    assert missing in str(refused.value) and "生产环境" in str(refused.value)


def test_an_https_public_url_alone_means_production(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setenv("PUBLIC_URL", "https://plus.example.com")
    monkeypatch.setenv("PLUS_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert refused.value.missing == list(REQUIRED_IN_PRODUCTION)
    assert not (tmp_path / "secret_key").exists()  # no key is made up per machine


def test_a_complete_production_configuration_starts(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    for key, value in complete(tmp_path).items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert app.config["PLUS_PRODUCTION"] is True and app.config["SESSION_COOKIE_SECURE"] is True


def test_a_production_app_hashes_passwords_at_owasp_cost_and_refuses_a_cheaper_hasher(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    for key, value in complete(tmp_path).items():
        monkeypatch.setenv(key, value)
    with create_app().app_context():
        assert accounts.hasher() is accounts.HASHER
    assert (accounts.HASHER.time_cost, accounts.HASHER.memory_cost, accounts.HASHER.parallelism) == (2, 19 * 1024, 1)
    with pytest.raises(ValueError, match="PLUS_PASSWORD_HASHER"):
        create_app({"PLUS_PASSWORD_HASHER": QUICK_HASHER})


def run_refused(command: list[str], tmp_path: Path, missing: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ENV_KEYS}
    env.update(complete(tmp_path))
    del env[missing]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)


@pytest.mark.slow  # starts `plus serve` once for each setting
@pytest.mark.parametrize("missing", list(REQUIRED_IN_PRODUCTION))
def test_plus_serve_exits_naming_the_missing_setting(tmp_path, missing):
    result = run_refused([PLUS, "serve", "--no-build", "--port", "1"], tmp_path, missing)
    assert result.returncode != 0
    assert missing in result.stderr and "生产环境" in result.stderr
    assert "stand-in" not in result.stderr  # it never started


@pytest.mark.slow  # starts gunicorn once for each setting
@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "MAIL_SERVER"])
def test_gunicorn_exits_naming_the_missing_setting(tmp_path, missing):
    command = [GUNICORN, "admin.serve:create_site()", "--bind", "127.0.0.1:0", "--chdir", str(Path.cwd())]
    result = run_refused(command, tmp_path, missing)
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_stand_in_signs_with_a_configured_webhook_secret(tmp_path):
    from admin.serve import start_standin

    settings, stop = start_standin(tmp_path, "http://127.0.0.1:9", "whsec_configured_" + "e" * 16)
    try:
        assert settings["STRIPE_WEBHOOK_SECRET"] == "whsec_configured_" + "e" * 16
    finally:
        stop()


def test_the_stand_in_never_runs_in_production(monkeypatch, tmp_path):
    from admin.serve import prepare_site

    clean_environment(monkeypatch)
    with pytest.raises(ConfigError):
        prepare_site({"PLUS_ENV": "production", "PLUS_INSTANCE": str(tmp_path)})
    assert not (tmp_path / "stripe-standin.sqlite3").exists()


def test_access_log_lines_never_show_a_reset_token():
    import logging

    from admin.serve import RedactTokens

    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s', ("127.0.0.1", "GET /auth/reset/SeCrEt-t0ken HTTP/1.1", "200"), None
    )
    assert RedactTokens().filter(record)
    assert "SeCrEt" not in record.getMessage() and "/auth/reset/…" in record.getMessage()


def test_the_request_log_has_one_clock_no_colours_and_no_reset_token(caplog):
    import logging
    import threading
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    from admin.serve import RedactTokens, RequestLog

    def app(environ, start_response):
        found = environ["PATH_INFO"] == "/cart/"
        start_response("200 OK" if found else "404 Not Found", [("Content-Type", "text/plain")])
        return [b"ok"]

    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").addFilter(redact := RedactTokens())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=RequestLog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in ("/cart/", "/auth/reset/SeCrEt-t0ken"):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5).read()
    finally:
        server.shutdown()
        logging.getLogger("werkzeug").removeFilter(redact)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert lines == ['127.0.0.1 "GET /cart/ HTTP/1.1" 200 -', '127.0.0.1 "GET /auth/reset/… HTTP/1.1" 404 -'], lines


def test_a_served_site_says_once_where_it_serves_the_static_site_from(monkeypatch, tmp_path, caplog):
    import logging

    from admin.serve import prepare_site

    clean_environment(monkeypatch)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("<!doctype html>", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="plus.checkout")
    site = prepare_site({"PLUS_INSTANCE": str(tmp_path / "instance"), "PLUS_SITE_DIR": str(site_dir)})
    try:
        said = [r.getMessage() for r in caplog.records if str(site_dir) in r.getMessage()]
        assert said == [say(f"网站页面取自 {site_dir}", f"serving the static site from {site_dir}")]
    finally:
        site.stop()
