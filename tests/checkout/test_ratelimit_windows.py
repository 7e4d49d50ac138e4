"""The limiter's windows and headers: what a limited POST is told, what nothing else pays for, where hits are counted."""

from __future__ import annotations

import time

import pytest
from limits.storage import RedisStorage

from checkout import create_app
from checkout.ratelimits import PRUNE_EVERY, ProcessCounters, SharedCounters, counters_for

from .test_ratelimits import buy_from


def test_a_limited_post_says_its_shortest_limit_how_many_are_left_and_when_the_window_ends(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="3 per minute;50 per hour").test_client()
    answers = [buy_from(client, "198.51.100.5", product="no-such-product") for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    resets = {int(a.headers["X-RateLimit-Reset"]) for a in answers}
    assert len(resets) == 1 and time.time() < resets.pop() <= time.time() + 61
    assert "Retry-After" not in answers[0].headers  # only a refusal says when to come back
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60


def test_the_limit_used_up_is_the_one_the_refusal_names(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="10 per minute;2 per hour").test_client()
    answers = [buy_from(client, "198.51.100.6", product="no-such-product") for _ in range(3)]
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert answers[2].headers["X-RateLimit-Limit"] == "2"
    assert 60 < int(answers[2].headers["Retry-After"]) <= 3600


def test_pages_the_limits_do_not_cover_carry_no_limit_headers(make_app):
    client = make_app(PLUS_RATE_LOGIN="1 per minute").test_client()
    for _ in range(3):  # showing the form is never limited, nor counted
        shown = client.get("/auth/login")
        assert shown.status_code == 200 and "X-RateLimit-Limit" not in shown.headers
    assert "X-RateLimit-Limit" not in client.get("/api/me").headers


def test_a_process_window_opens_at_the_first_hit_and_a_new_one_after_it_ends():
    now = [1000.0]
    counters = ProcessCounters(clock=lambda: now[0])
    assert counters.count("k", 60) == (1, 1060.0)
    now[0] = 1059.0
    assert counters.count("k", 60) == (2, 1060.0)
    now[0] = 1060.0
    assert counters.count("k", 60) == (1, 1120.0)
    assert counters.count("other", 3600) == (1, 4660.0)


def test_ended_windows_are_forgotten_so_a_rush_of_addresses_does_not_grow_the_process():
    now = [0.0]
    counters = ProcessCounters(clock=lambda: now[0])
    for n in range(1000):
        counters.count(f"address-{n}", 60)
    now[0] = PRUNE_EVERY + 1
    counters.count("late", 60)
    assert len(counters._windows) == 1


def test_the_storage_uri_names_where_hits_are_counted():
    assert isinstance(counters_for("memory://"), ProcessCounters)
    shared = counters_for("redis://127.0.0.1:6390/2")  # no connection until the first hit
    assert isinstance(shared, SharedCounters) and isinstance(shared.storage, RedisStorage)
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI"):
        counters_for("carrier-pigeon://loft")


def test_an_unknown_storage_is_refused_when_the_app_is_created(tmp_path):
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI"):
        create_app({"SECRET_KEY": "x", "PLUS_INSTANCE": str(tmp_path), "RATELIMIT_STORAGE_URI": "carrier-pigeon://loft"})
