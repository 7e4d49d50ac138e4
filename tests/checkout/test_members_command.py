"""`plus members list`: who has PLUS, since and until when, how it renews, bilingual; --csv for a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import select

from checkout.db import get_database
from checkout.models import User

from .helpers import flush, paid_member, sign_up, wait_for
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

    rows = list(csv.DictReader(io.StringIO(plus("members", "list", "--csv").output.removeprefix("\ufeff"))))
    by_email = {row["email"]: row for row in rows}
    assert list(rows[0]) == ["email", "since", "until", "renewal", "status"]
    assert by_email["card@example.com"]["renewal"] == "card" and by_email["lapsed@example.com"]["status"] == "expired"
    until = dt.datetime.fromisoformat(by_email["alipay@example.com"]["until"])
    assert until == member_until(live.app, "alipay@example.com").replace(tzinfo=dt.UTC)

    active = json.loads(plus("members", "list", "--status", "active", "--format", "json").output)
    assert active["total"] == 2 and {m["email"] for m in active["members"]} == {"card@example.com", "alipay@example.com"}
