"""The checkout's log, which an operator reads under `plus serve` or in the server's journal, is in the
operator's language, as the `plus` commands are."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import re
from pathlib import Path

import pytest

from catalog.messages import set_language
from checkout.catalogs import get_catalog
from tests.language import stray_chinese, stray_english

from .helpers import post_event
from .test_webhooks import as_paid, open_session

CODES = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b|\b(?:evt|cs|pi|ch|re|cus|sub)_\w+|\b[a-z]+\b(?=\s*$)")
"""What is data in a log line, not words: Stripe event types and outcomes (checkout.session.completed,
already_complete; a last word such as `synced` is the outcome the webhook answers Stripe), and Stripe ids."""


@pytest.fixture
def lang():
    yield
    set_language(None)


def logged(app, client, caplog, event_id: str) -> list[str]:
    """The checkout's log lines of a paid order, a replayed event and a forged one."""
    caplog.clear()
    session = as_paid(app, open_session(client))
    for _ in range(2):  # the event, and Stripe's replay of it
        assert post_event(client, "checkout.session.completed", session, event_id=event_id).status_code == 200
    assert post_event(client, "checkout.session.completed", session, secret="whsec_" + "x" * 24).status_code == 400
    return [CODES.sub(" ", record.getMessage()) for record in caplog.records if record.name.startswith("plus.checkout")]


def test_a_paid_order_is_logged_in_the_operators_language(app, client, caplog, lang):
    with app.app_context():
        get_catalog()  # loaded (and logged) once, before
    caplog.set_level(logging.INFO, logger="plus.checkout")
    set_language("zh")
    zh = logged(app, client, caplog, "evt_zh")
    set_language("en")
    en = logged(app, client, caplog, "evt_en")
    assert len(zh) >= 4 and len(zh) == len(en), (zh, en)  # the order, two webhooks answered, one refused
    *zh, refused = zh  # its end is the Stripe library's reason, as the library words it
    assert [line for line in zh if stray_english(line)] == [], zh
    assert refused.startswith("Stripe 通知被拒收：签名或时间不对（检查 STRIPE_WEBHOOK_SECRET"), refused
    assert stray_chinese("\n".join(en)) == [], en
    assert any("已记录" in line for line in zh), zh
    assert any(line.endswith("：重复送达，已处理过") for line in zh), zh  # what the webhook did, in words too


def test_log_lines_are_timed_in_beijing_time_as_the_commands_show():
    from admin.checkout_commands import _BeijingTime

    record = logging.LogRecord("plus.checkout", logging.INFO, __file__, 1, "x", None, None)
    record.created = dt.datetime(2026, 12, 2, 18, 12, tzinfo=dt.UTC).timestamp()  # 3 December 02:12 in Beijing
    assert _BeijingTime("%(asctime)s %(message)s").format(record) == "2026-12-03 02:12:00 x"


@pytest.mark.parametrize("package", ["checkout", "storefront", "admin", "catalog"])
def test_every_log_line_has_its_chinese(package):
    """A new `log.info("…")` with a bare string, not `say(zh, en)`, would be the one English line of a
    Chinese log (the Stripe stand-in, a developer's tool, and the frozen migrations are left out)."""
    bare = []
    for path in sorted((Path(__file__).parents[2] / package).rglob("*.py")):
        if "migrations" in path.parts:  # run once by `plus db upgrade`, frozen as written
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "log"
                and node.func.attr in {"info", "warning", "error", "exception", "critical"}
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            ):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []
