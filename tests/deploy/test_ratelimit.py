"""Log-in limits counted in redis hold across every worker and instance (RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import requests

from tests.checkout.helpers import csrf_token

from .conftest import app_env
from .procs import start_two_instances


def test_login_limit_is_shared_by_two_instances_through_redis(tmp_path, content, standin, redis, processes):
    env = app_env(
        tmp_path,
        content.root,
        standin,
        f"sqlite:///{tmp_path / 'plus.db'}",
        RATELIMIT_STORAGE_URI=redis.url,
        PLUS_RATE_LOGIN="3 per minute",
    )
    first, second = start_two_instances(tmp_path, env, tmp_path / "no-site", processes)
    browser = requests.Session()
    token = csrf_token(browser.get(f"{first.url}/auth/login", timeout=10).text)
    wrong = {"email": "nobody@example.com", "password": "wrong password", "csrf_token": token}

    remaining = []
    for base in (first.url, second.url, first.url):
        answer = browser.post(f"{base}/auth/login", data=wrong, timeout=10)
        assert answer.status_code == 401, answer.text
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]  # with memory:// each process (and worker) would start again at 2
    assert browser.post(f"{second.url}/auth/login", data=wrong, timeout=10).status_code == 429
