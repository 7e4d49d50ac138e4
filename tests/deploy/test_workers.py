"""`plus serve --workers N`: gunicorn worker processes, one Stripe stand-in, nothing left behind."""

from __future__ import annotations

import signal

import requests

from tests.checkout.helpers import ADDRESS, wait_for
from tests.conftest import TODAY

from .procs import PlusServe, alive, children


def newcomer_env(tmp_path, content) -> dict:
    """No keys, no database URL: what a newcomer has."""
    env = {
        "PLUS_INSTANCE": str(tmp_path / "instance"),
        "PLUS_CONTENT": str(content.root),
        "PLUS_TODAY": TODAY.isoformat(),
        "PLUS_SITE_DIR": str(tmp_path / "site"),
    }
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI"):
        env[key] = ""
    return env


def test_two_workers_share_one_standin_and_a_payment_becomes_an_order(tmp_path, content, processes):
    server = PlusServe(
        tmp_path, newcomer_env(tmp_path, content), "--workers", "2", "--content", str(content.root), "--output", str(tmp_path / "site")
    )
    processes.append(server.start())
    wait_for(lambda: len(children(server.pid)) == 3, timeout=20)  # 2 workers, 1 stand-in
    assert "奥克斯家用大吸尘器" in requests.get(server.url + "/", timeout=10).text
    started = requests.post(
        f"{server.url}/api/checkout", json={"items": [{"product": "aux-vacuum", "quantity": 1}], "address": ADDRESS}, timeout=10
    )
    assert started.status_code == 201, started.text
    paid = requests.post(
        started.json()["url"],
        data={"payment_method": "card", "email": "w@example.com", "card_number": "4242424242424242"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    # the stand-in's webhook reaches whichever worker accepts it, and every worker accepts its signature
    wait_for(lambda: "支付成功" in requests.get(paid.headers["Location"], timeout=5).text, timeout=20)
    for _ in range(6):
        assert requests.get(f"{server.url}/api/health", timeout=5).json()["ok"] is True
    assert server.log.read_text().count("使用本地 Stripe 测试替身") == 1  # not one per worker (the log in zh-CN, as PLUS_LANG says)
    assert len(children(server.pid)) == 3


def test_killing_plus_serve_leaves_no_worker_or_standin_behind(tmp_path, content, processes):
    server = PlusServe(
        tmp_path, newcomer_env(tmp_path, content), "--workers", "2", "--content", str(content.root), "--output", str(tmp_path / "site")
    )
    processes.append(server.start())
    helpers = wait_for(lambda: len(children(server.pid)) == 3 and children(server.pid), timeout=20)
    server.stop(signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in helpers), timeout=30, interval=0.2)
