"""`plus members list`: who has PLUS, since and until when, how it renews, bilingual; --csv for a spreadsheet."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from checkout.db import get_database
from checkout.localtime import local_time
from checkout.models import User

from .helpers import flush, paid_member, sign_up, spreadsheet, wait_for
from .test_commands import env, plus  # noqa: F401 - the fixture pointing `plus` at the test app
from .test_membership import buy_membership


def a_member(live, email: str, method: str) -> None:
    client = live.app.test_client()
    sign_up(client, email)
    buy_membership(live, client, method)


def member_until(app, email: str) -> dt.datetime | None:
    with get_database(app).sessions() as db:
        return db.scalar(select(User.member_until).where(User.email == email))


def test_members_are_listed_with_how_their_plus_renews(live, env):  # noqa: F811
    a_member(live, "card@example.com", "card")
    a_member(live, "alipay@example.com", "alipay")
    flush(live.standin)
    wait_for(lambda: member_until(live.app, "alipay@example.com"))  # Alipay confirms a moment later
    paid_member(live.app, "lapsed@example.com", 730)  # paid once, two years ago

    table = plus("members", "list")
    assert table.exit_code == 0, table.output
    lines = {line.split()[0]: line.split()[5:] for line in table.output.splitlines() if "@" in line}
    assert lines == {
        "card@example.com": ["有效", "银行卡自动续费"],
        "alipay@example.com": ["有效", "一次付清"],
        "lapsed@example.com": ["已过期", "一次付清"],
    }
    assert table.output.splitlines()[-1] == "共 3 位会员"
    table = plus("--lang", "en", "members", "list")
    lines = {line.split()[0]: line.split(maxsplit=5)[5] for line in table.output.splitlines() if "@" in line}
    assert lines == {
        "card@example.com": "active   card, renews yearly",
        "alipay@example.com": "active   paid once (Alipay, WeChat Pay)",
        "lapsed@example.com": "expired  paid once (Alipay, WeChat Pay)",
    }
    assert table.output.splitlines()[-1] == "3 member(s)"

    rows = spreadsheet(plus("members", "list", "--csv").output)
    by_email = {row["邮箱"]: row for row in rows}
    assert list(rows[0]) == ["邮箱", "开通时间（北京时间）", "到期时间（北京时间）", "状态", "续费方式"]
    assert by_email["card@example.com"]["续费方式"] == "银行卡自动续费" and by_email["lapsed@example.com"]["状态"] == "已过期"
    assert by_email["alipay@example.com"]["到期时间（北京时间）"] == local_time(member_until(live.app, "alipay@example.com"))

    active = json.loads(plus("members", "list", "--status", "active", "--format", "json").output)
    assert active["total"] == 2 and {m["email"] for m in active["members"]} == {"card@example.com", "alipay@example.com"}
