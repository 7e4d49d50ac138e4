"""`plus` commands in a second terminal use the `plus serve` running on the same instance folder.

`plus serve` on its embedded defaults writes instance/serve.json (its URL, its Stripe stand-in);
commands read it when the environment sets neither key nor URL, never in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from admin.cli import cli
from checkout.config import SERVED_FILE, forget_served, record_served, served_settings
from checkout.models import OutboxMail

from .helpers import wait_for
from .test_serve import PLUS, Server, buy_at, servers  # noqa: F401 (servers: the fixture)

STANDIN = {"STRIPE_API_BASE": "http://127.0.0.1:4321", "STRIPE_SECRET_KEY": "sk_test_local_1", "STRIPE_WEBHOOK_SECRET": "whsec_local_1"}
DEVELOPMENT = {"PLUS_PRODUCTION": False}


def test_the_record_round_trips_and_is_private(tmp_path):
    path = record_served(str(tmp_path), {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN, "SECRET_KEY": "not recorded"})
    assert path == tmp_path / SERVED_FILE and oct(path.stat().st_mode & 0o777) == "0o600"
    assert json.loads(path.read_text()) == {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN, "pid": os.getpid()}
    assert served_settings(DEVELOPMENT, str(tmp_path), environ={}) == {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN}
    assert [p.name for p in tmp_path.iterdir()] == [SERVED_FILE]  # no temporary file left behind
    forget_served(str(tmp_path))
    assert not path.exists()
    assert served_settings(DEVELOPMENT, str(tmp_path), environ={}) == {}


def test_the_environment_wins_and_stripe_keys_come_as_a_set(tmp_path):
    record_served(str(tmp_path), {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN})
    assert served_settings(DEVELOPMENT, str(tmp_path), environ={"PUBLIC_URL": "http://shop.test"}) == STANDIN
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE"):  # a key of its own (or its own stand-in): none of the served ones
        assert served_settings(DEVELOPMENT, str(tmp_path), environ={key: "x"}) == {"PUBLIC_URL": "http://127.0.0.1:8123"}


def test_production_never_uses_the_record(tmp_path):
    record_served(str(tmp_path), {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN})
    assert served_settings({"PLUS_PRODUCTION": True}, str(tmp_path), environ={}) == {}


def test_a_store_that_died_without_cleaning_up_is_not_used_nor_removed_by_another(tmp_path):
    gone = subprocess.Popen(["true"])  # noqa: S607
    gone.wait()
    (tmp_path / SERVED_FILE).write_text(json.dumps({"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN, "pid": gone.pid}))
    assert served_settings(DEVELOPMENT, str(tmp_path), environ={}) == {}
    forget_served(str(tmp_path))  # not this process's file
    assert (tmp_path / SERVED_FILE).exists()


def _without_keys(monkeypatch, instance) -> None:
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "PUBLIC_URL", "PLUS_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PLUS_INSTANCE", str(instance))


def test_production_commands_fail_closed_beside_a_running_store(tmp_path, monkeypatch):
    _without_keys(monkeypatch, tmp_path)
    record_served(str(tmp_path), {"PUBLIC_URL": "http://127.0.0.1:8123", **STANDIN})  # this test process is "running"
    for key, value in {"PLUS_ENV": "production", "SECRET_KEY": "k", "MAIL_SERVER": "smtp.invalid", "DATABASE_URL": "sqlite://"}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, ["orders", "reconcile"])
    assert result.exit_code == 1 and "STRIPE_SECRET_KEY" in result.output and "拒绝启动" in result.output


def test_with_no_store_and_no_key_the_command_says_what_to_do(tmp_path, monkeypatch):
    _without_keys(monkeypatch, tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plus.db'}")
    result = CliRunner().invoke(cli, ["orders", "reconcile"])
    assert result.exit_code == 1
    assert "./dev serve" in result.output and "STRIPE_SECRET_KEY" in result.output
    assert "请在另一个终端运行" in result.output and "start ./dev serve" not in result.output
    english = CliRunner().invoke(cli, ["--lang", "en", "orders", "reconcile"]).output
    assert "start ./dev serve" in english and "请在另一个终端运行" not in english


@pytest.mark.slow  # starts `plus serve` (about 3 s)
def test_a_refund_from_a_second_terminal_reaches_the_served_stand_in_and_mails_the_served_url(tmp_path, content, servers, today):  # noqa: F811
    instance = tmp_path / "instance"
    env = {
        "PLUS_INSTANCE": str(instance),
        "PLUS_CONTENT": str(content.root),
        "PLUS_TODAY": today.isoformat(),
        "PLUS_SITE_DIR": str(tmp_path / "site"),
    }
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "SECRET_KEY", "PLUS_ENV"):
        env[key] = ""
    server = Server(tmp_path, env, ["--no-build"])
    server.env["PUBLIC_URL"] = ""  # as README runs it: the URL comes from --port
    servers.append(server.start())
    success = buy_at(server, "new@example.com")
    wait_for(lambda: "支付成功" in requests.get(success, timeout=5).text, timeout=20)  # paid: the order is recorded
    terminal = {**os.environ, **env, "PUBLIC_URL": ""}  # the second terminal: the same folder, no key, no URL

    refunded = subprocess.run([PLUS, "orders", "refund", "PLUS00000001", "--yes"], env=terminal, capture_output=True, text=True, timeout=60)
    assert refunded.returncode == 0, refunded.stderr
    assert "PLUS00000001 已全额退款（re_" in refunded.stdout
    engine = create_engine(f"sqlite:///{instance / 'plus.db'}")
    with engine.connect() as db:
        [body] = db.scalars(select(OutboxMail.body).where(OutboxMail.kind == "order_refunded")).all()
    engine.dispose()
    assert f"{server.url}/account/orders/PLUS00000001" in body and ":8000" not in body

    server.process.send_signal(signal.SIGINT)  # Ctrl+C: a clean stop removes the record
    server.process.wait(timeout=20)
    assert not (instance / SERVED_FILE).exists()
    alone = subprocess.run([PLUS, "orders", "reconcile"], env=terminal, capture_output=True, text=True, timeout=60)
    assert alone.returncode == 1 and "./dev serve" in alone.stderr


@pytest.mark.slow  # starts `plus serve` (about 3 s)
def test_a_sigterm_stops_the_store_as_ctrl_c_does_and_removes_its_record(tmp_path, content, servers, today):  # noqa: F811
    instance = tmp_path / "instance"
    env = {"PLUS_INSTANCE": str(instance), "PLUS_CONTENT": str(content.root), "PLUS_TODAY": today.isoformat()}
    env["PLUS_SITE_DIR"] = str(tmp_path / "site")
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "SECRET_KEY", "PLUS_ENV"):
        env[key] = ""
    server = Server(tmp_path, env, ["--no-build"])
    servers.append(server.start())
    assert (instance / SERVED_FILE).exists()  # (the stand-in's test key and this process's id, while it runs)
    server.process.send_signal(signal.SIGTERM)  # systemd, kill
    server.process.wait(timeout=20)
    assert not (instance / SERVED_FILE).exists()
    assert "正在停止" in server.log.read_text(encoding="utf-8")  # (said, as on Ctrl-C)
