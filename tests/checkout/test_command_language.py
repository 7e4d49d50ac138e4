"""The operator commands speak one language: zh-CN by default, a Chinese operator reading no stray
English; with `--lang en`, today's English words and no Chinese but the data. Output for programs
(--format json) is the same in both; --format csv, for the owner's spreadsheet, is in the operator's language."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from admin.cli import cli
from checkout.db import get_database
from checkout.models import Order, order_number
from checkout.status import OrderStatus
from tests.language import CJK, column_of, columns, stray_chinese, stray_english

from .helpers import ADDRESS, UMBRELLA, buy, flush, paid_member, pay, post_event, spreadsheet, wait_for
from .test_admin import AUTH
from .test_charges import order_of
from .test_commands import env  # noqa: F401 - the fixture pointing `plus` at the test app
from .test_invoices import SPECIAL, ask_invoice
from .test_returns import ask_return, paid_order, returns_of
from .test_webhooks import as_paid, open_session

DATA = (
    *ADDRESS.values(),
    "13800138000",
    "24骨全自动雨伞",
    "奥克斯家用大吸尘器",
    "大吸力有线",
    "颜色不喜欢",
    "已超过退货期限",
    "顺丰",
    *(value for value in SPECIAL.values() if not value.isascii()),
)
"""What buyers and operators typed, and product titles: Chinese in both languages."""


def plus(lang: str, *args: str, input: str | None = None):
    result = CliRunner().invoke(cli, ["--lang", lang, *args], catch_exceptions=False, input=input)
    return result


def speaks(lang: str, *args: str, input: str | None = None, exit_code: int = 0) -> str:
    """The output of `plus --lang LANG ARGS…`, checked to be all in that language."""
    result = plus(lang, *args, input=input)
    assert result.exit_code == exit_code, result.output
    if lang == "zh":
        assert not stray_english(result.output), result.output
    else:
        assert not stray_chinese(result.output, *DATA), result.output
    return result.output


@pytest.fixture
def shop(live, client, env):  # noqa: F811
    """Three paid orders: one partly refunded (a return approved) and shipped, one with a refused return
    and a company's 专票, one waiting; a personal invoice issued; a member and a lapsed one."""
    orders = [
        paid_order(live, client, [{"product": "umbrella", "quantity": 3}, {"product": "aux-vacuum", "quantity": 1}]),
        paid_order(live, client, [{"product": "umbrella", "quantity": 2}]),
        paid_order(live, client, [{"product": "umbrella", "quantity": 1}]),
    ]
    ask_return(client, orders[0], {"umbrella": 1}, note="颜色不喜欢")
    ask_return(client, orders[1], {"umbrella": 1}, reason="other")
    ask_invoice(client, orders[0], {"title_type": "personal", "title": "张三"})
    ask_invoice(client, orders[1], SPECIAL)
    [first], [second] = returns_of(live.app, orders[0]), returns_of(live.app, orders[1])
    assert plus("en", "orders", "returns", "approve", first.number).exit_code == 0
    assert plus("en", "orders", "returns", "refuse", second.number, "--reason", "已超过退货期限").exit_code == 0
    assert plus("en", "orders", "invoices", "issue", orders[0].number, "--number", "12345678").exit_code == 0
    assert plus("en", "orders", "ship", orders[0].number, "--carrier", "顺丰", "--tracking", "SF1").exit_code == 0
    paid_member(live.app, "member@example.com", 10)
    paid_member(live.app, "lapsed@example.com", 730)
    flush(live.standin)
    return orders


def test_the_order_list_is_a_table_in_the_operators_language(shop):
    zh = speaks("zh", "orders", "list").splitlines()
    assert zh[0].split() == ["订单号", "下单时间", "状态", "实付金额", "邮箱"]
    rows = {line.split()[0]: line for line in zh if line.startswith("PLUS")}
    assert rows["PLUS00000001"].split()[3] == "已发货" and rows["PLUS00000003"].split()[3] == "已付款"  # one word, not "已付款 paid"
    for line in rows.values():  # aligned by display width: 已付款 takes six columns
        amount = re.search(r"¥[\d.]+", line).group()  # ¥ next to its amount, the amounts aligned right
        assert column_of(line, amount) + len(amount) == column_of(zh[0], "实付金额") + len("实付金额") * 2
        assert column_of(line, "buyer@") == column_of(zh[0], "邮箱")
    assert all(columns(line) <= 80 for line in zh if not line.startswith("    →")), zh
    first = zh.index(rows["PLUS00000001"])  # what was bought by its title, under the row, then where it goes and what came back
    assert zh[first + 1 : first + 7] == [
        "    商品：24骨全自动雨伞 × 3，奥克斯家用大吸尘器 × 1",
        "    → 张三 13800138000 浙江省杭州市西湖区文三路 100 号 2 幢 301 室（配送费 ¥8.00）",
        "    快递：顺丰 SF1",
        "    部分退款 ¥8.55",
        "    ↩ TH00000001 已退款 ¥8.55：24骨全自动雨伞 × 1",
        "显示 3 笔，共 3 笔订单",  # (the oldest order is last)
    ]
    assert "    ↩ TH00000002 未通过 ¥8.55：24骨全自动雨伞 × 1" in zh
    assert zh[-1] == "显示 3 笔，共 3 笔订单"

    en = speaks("en", "orders", "list").splitlines()
    assert en[0].split() == ["order", "created", "status", "total", "email"]
    rows = {line.split()[0]: line for line in en if line.startswith("PLUS")}
    assert rows["PLUS00000001"].split()[3] == "shipped" and rows["PLUS00000003"].split()[3] == "paid"
    assert "    items: 24骨全自动雨伞 × 3, 奥克斯家用大吸尘器 × 1" in en
    assert (
        "    parcel: 顺丰 SF1" in en and "    partly refunded ¥8.55" in en and "    ↩ TH00000001 refunded ¥8.55: 24骨全自动雨伞 × 1" in en
    )
    assert "    → 张三 13800138000 浙江省杭州市西湖区文三路 100 号 2 幢 301 室 (delivery ¥8.00)" in en
    assert en[-1] == "3 of 3 order(s)"


def test_a_wrong_status_is_told_the_statuses_there_are_in_80_columns(env):  # noqa: F811
    zh, en = plus("zh", "orders", "list", "--status", "xyz"), plus("en", "orders", "list", "--status", "已付")
    assert zh.exit_code == en.exit_code == 2
    zh, en = zh.output.split("错误：", 1)[1], en.output.split("Error: ", 1)[1]  # (after click's usage lines)
    assert "没有“xyz”这个状态" in zh and all(status.label in zh for status in OrderStatus), zh
    assert stray_english(zh) == ["xyz", "paid"]  # what was typed, and the example of a code
    assert "'已付' is not an order status" in en and all(status.value in en for status in OrderStatus), en
    assert all(columns(line) <= 80 for line in (zh + en).splitlines()), zh + en


def test_a_disputed_payment_shows_under_its_order_in_the_operators_words(shop, client):
    disputed = shop[2]
    dispute = {"id": "dp_test_x", "object": "dispute", "payment_intent": disputed.stripe_payment_intent, "status": "needs_response"}
    assert post_event(client, "charge.dispute.created", dispute, event_id="evt_dispute").status_code == 200
    zh, en = speaks("zh", "orders", "list").splitlines(), speaks("en", "orders", "list").splitlines()
    assert zh.count("    付款争议：争议待回应，了结前不能发货") == 1 and en.count("    disputed at the bank: needs_response") == 1
    row = next(i for i, line in enumerate(zh) if line.startswith(disputed.number))
    assert "    付款争议：争议待回应，了结前不能发货" in zh[row : row + 4]  # under its own order


def test_an_order_of_many_long_titled_items_and_a_long_email_fits_80_columns(live, client, env, shop_content):  # noqa: F811
    long_title = "奥克斯家用大吸尘器 大吸力有线卧式 山姆同款 静音节能新款"
    shop_content.product(
        "long-vacuum", UMBRELLA.replace("title: 24骨全自动雨伞", f"title: {long_title}").replace("price: 8.55", "price: 9.90")
    )
    items = [{"product": product, "quantity": 1} for product in ("umbrella", "long-vacuum", "aux-vacuum")]
    session_id = buy(client, items).get_json()["id"]
    email = "zhangsan.family@example.com.cn"  # 30 characters, longer than most (the row is 50 columns before it)
    assert len(email) == 30
    pay(live.standin, session_id, email=email)
    flush(live.standin)
    wait_for(lambda: order_of(live.app, session_id))
    for lang in ("zh", "en"):
        listed = speaks(lang, "orders", "list").splitlines()
        # (the address stays on one line, however long: it is copied onto the courier's label whole)
        assert all(columns(line) <= 80 for line in listed if not line.startswith("    →")), "\n".join(listed)
        row = next(line for line in listed if line.startswith("PLUS"))
        assert row.endswith(email) and "umbrella" not in "\n".join(listed)  # titles, not product ids
        under = "\n".join(listed[listed.index(row) + 1 :])
        assert "24骨全自动雨伞 × 1" in under and "奥克斯家用大吸尘器 × 1" in under
        assert "奥克斯家用大吸尘器 大吸力有线… × 1" in under and long_title not in under  # a long title abbreviated


@pytest.mark.parametrize(
    ("command", "zh_heading", "zh_words", "en_heading", "en_words", "total"),
    [
        (
            ("orders", "returns", "list"),
            ["售后单号", "订单号", "状态", "退款金额", "原因"],
            ["已退款", "未通过", "其他原因", "未通过：已超过退货期限", "\n    商品：24骨全自动雨伞 × 1\n"],  # titles, under the row
            ["return", "order", "status", "amount", "reason"],
            ["refunded", "refused", "other", "refused: 已超过退货期限", "\n    items: 24骨全自动雨伞 × 1\n"],
            ("共 2 个售后单", "2 return(s)"),
        ),
        (
            ("orders", "invoices", "list"),
            ["订单号", "状态", "开票金额", "发票类型", "抬头类型", "发票号码", "发票抬头"],
            ["已开具", "待开具", "普通发票", "专用发票", "个人", "企业"],
            ["order", "status", "amount", "kind", "title", "type", "number", "title"],
            ["issued", "requested", "normal", "special", "personal", "company"],
            ("共 2 个发票申请", "2 invoice request(s)"),
        ),
        (
            ("members", "list"),
            ["邮箱", "开通时间", "到期时间", "状态", "续费方式"],
            ["有效", "已过期", "一次付清"],
            ["email", "since", "until", "status", "renewal"],
            ["active", "expired", "paid once (Alipay, WeChat Pay)"],
            ("共 2 位会员", "2 member(s)"),
        ),
    ],
)
def test_the_other_lists_are_tables_in_the_operators_language(shop, command, zh_heading, zh_words, en_heading, en_words, total):
    zh = speaks("zh", *command)
    assert zh.splitlines()[0].split() == zh_heading and zh.splitlines()[-1] == total[0]
    assert all(word in zh for word in zh_words), zh
    heading = zh.splitlines()[0]
    for line in zh.splitlines()[1:-1]:
        if not line.startswith(" "):  # each cell under its heading, whatever its width in columns
            assert column_of(line, line.split()[1]) == column_of(heading, zh_heading[1]), zh
    en = speaks("en", *command)
    assert en.splitlines()[0].split() == en_heading and en.splitlines()[-1] == total[1]
    assert all(word in en for word in en_words), en
    assert plus("zh", *command, "--format", "json").output == plus("en", *command, "--format", "json").output  # for programs


def test_shipping_refunding_and_reconciling_speak_the_operators_language(shop):
    third = shop[2].number
    assert speaks("zh", "orders", "ship", third, "--carrier", "顺丰", "--tracking", "SF2").splitlines() == [
        f"{third} 已发货（顺丰 SF2），已邮件通知买家",
        "  寄往：张三 13800138000 浙江省杭州市西湖区文三路 100 号 2 幢 301 室（配送费 ¥8.00）",
        "  装箱：24骨全自动雨伞 × 1",
    ]
    assert speaks("en", "orders", "ship", third, "--tracking", "SF3") == (
        f"{third} already shipped: tracking 顺丰 SF2 → 顺丰 SF3, the buyer is mailed the new one\n"
    )
    assert (
        speaks("zh", "orders", "ship", third, "--tracking", "SF4")
        == f"{third} 本来就已发货：快递信息 顺丰 SF3 → 顺丰 SF4，已把新的快递信息邮件告诉买家\n"
    )
    asked = speaks("zh", "orders", "refund", third, input="n\n", exit_code=1)
    gone = "货已寄出：全额退款不会收回货物，请先与买家谈好退货。"
    assert asked == f"{gone}确定全额退款 {third}（已发货，¥16.55，buyer@example.com）？ [y/N]: n\n没有退款\n"
    asked = speaks("en", "orders", "refund", third, input="n\n", exit_code=1)
    gone = "The goods have left: a full refund does not bring them back. "
    assert asked == f"{gone}refund {third} (shipped, ¥16.55, buyer@example.com) in full? [y/N]: n\nnothing refunded\n"
    assert speaks("zh", "orders", "refund", third, "--yes").startswith(f"{third} 已全额退款（re_")
    assert speaks("zh", "orders", "reconcile") == "核对 3 笔已付款：补记 0 笔，未知 0 笔\n"
    assert speaks("en", "orders", "reconcile") == "checked 3 paid session(s): 0 recorded, 0 unknown\n"
    assert speaks("zh", "orders", "sweep") == "释放了 0 个过期未付的库存预留\n"
    assert speaks("en", "orders", "sweep") == "released 0 expired reservation(s)\n"


def test_returns_and_invoices_are_decided_in_the_operators_language(live, client, env):  # noqa: F811
    orders = [paid_order(live, client, [{"product": "umbrella", "quantity": 2}]) for _ in range(2)]
    for order in orders:
        ask_return(client, order, {"umbrella": 1})
        ask_invoice(client, order, {"title_type": "personal", "title": "张三"})
    [first], [second] = returns_of(live.app, orders[0]), returns_of(live.app, orders[1])
    assert (
        speaks("zh", "orders", "returns", "approve", first.number, "--restock")
        == f"{first.number} 已退款 ¥8.55，已回库存，已邮件通知买家\n"
    )
    assert (
        speaks("zh", "orders", "returns", "refuse", second.number, "--reason", "已超过退货期限")
        == f"{second.number} 已拒绝，已邮件通知买家\n"
    )
    number = orders[0].number
    assert (
        speaks("zh", "orders", "invoices", "issue", number, "--number", "12345678") == f"{number} 的发票 12345678 已开具，已邮件通知买家\n"
    )
    number = orders[1].number
    expected = f"invoice 87654321 of {number} issued; the buyer is mailed\n"
    assert speaks("en", "orders", "invoices", "issue", number, "--number", "87654321") == expected


def test_mail_members_and_the_database_speak_the_operators_language(shop, env, monkeypatch):  # noqa: F811
    assert speaks("zh", "members", "remind") == "提醒了 0 位会员（邮件已排队：plus mail send）\n"
    assert speaks("en", "members", "remind") == "reminded 0 member(s) (mails queued: plus mail send)\n"
    assert speaks("zh", "mail", "send").startswith("已发 ")
    assert speaks("zh", "mail", "send", "--retry-failed").splitlines()[0] == "重新排队 0 封失败的邮件"
    assert speaks("zh", "mail", "send").startswith("没有待发邮件：最近 24 小时已发 ")
    assert speaks("en", "mail", "send").startswith("nothing waiting: ")
    assert speaks("zh", "db", "upgrade") == "数据库已是最新\n"
    assert speaks("en", "db", "upgrade") == "database is up to date\n"
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    assert "请在另一个终端运行 ./dev serve" in speaks("zh", "orders", "reconcile", exit_code=1)
    assert "start ./dev serve" in speaks("en", "orders", "reconcile", exit_code=1)


class Stopped:
    """A werkzeug server stopped (Ctrl+C) as soon as it starts serving."""

    def __init__(self, *_args, **_kwargs):
        pass

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


def test_plus_serve_says_where_it_serves_in_the_operators_language(env, monkeypatch, caplog, tmp_path):  # noqa: F811
    monkeypatch.setattr("admin.serve.make_server", Stopped)
    caplog.set_level(logging.INFO, logger="plus.admin.serve")
    said = {}
    for lang in ("zh", "en"):
        caplog.clear()
        assert plus(lang, "serve", "--no-build", "--output", str(tmp_path), "--port", "8123").exit_code == 0
        said[lang] = [record.getMessage() for record in caplog.records if record.name == "plus.admin.serve"]
    url = env.config["PUBLIC_URL"]
    assert f"PLUS 商店：{url}（按 Ctrl+C 停止）" in said["zh"] and "正在停止" in said["zh"], said
    assert "在另一个终端运行的 plus 命令会使用这个商店" in said["zh"][0], said
    assert not stray_english("\n".join(said["zh"])), said
    assert f"PLUS Store at {url} (Ctrl+C to stop)" in said["en"] and "stopping" in said["en"], said
    assert said["en"][0].startswith("plus commands in another terminal use this store (")
    assert not stray_chinese("\n".join(said["en"])), said


def test_what_the_order_services_refuse_is_said_in_the_operators_language(live, client, env):  # noqa: F811
    refunded, returned = (paid_order(live, client, [{"product": "umbrella", "quantity": 2}]) for _ in range(2))
    post_event(client, "checkout.session.completed", as_paid(env, open_session(client), payment_status="unpaid"))
    unpaid = order_number(3)
    assert plus("en", "orders", "refund", refunded.number, "--yes").exit_code == 0
    ask_return(client, returned, {"umbrella": 1})
    [approved] = returns_of(live.app, returned)
    assert plus("en", "orders", "returns", "approve", approved.number).exit_code == 0
    refusals = [
        (("orders", "ship", "PLUS00000042"), "订单 PLUS00000042 不存在", "order PLUS00000042 does not exist"),
        (("orders", "refund", "PLUS00000042"), "订单 PLUS00000042 不存在", "order PLUS00000042 does not exist"),
        (
            ("orders", "refund", unpaid, "--yes"),
            f"订单 {unpaid} 当前状态为待付款确认，不能退款",
            f"order {unpaid} is awaiting_payment: it cannot be refunded",
        ),
        (
            ("orders", "ship", refunded.number),
            f"订单 {refunded.number} 当前状态为已退款，不能发货",
            f"order {refunded.number} is refunded: it cannot be shipped",
        ),
        (("orders", "returns", "approve", "TH00000007"), "售后单 TH00000007 不存在", "return TH00000007 does not exist"),
        (
            ("orders", "returns", "refuse", approved.number, "--reason", "已超过退货期限"),
            f"售后单 {approved.number} 已批准（已退款），不能再拒绝",
            f"return {approved.number} was approved already (refunded): it cannot be refused",
        ),
        (
            ("orders", "invoices", "issue", returned.number, "--number", "12345678"),
            f"订单 {returned.number} 没有发票申请",  # named as the operator typed it, not 订单 2
            f"order {returned.number} has no invoice request",
        ),
    ]
    for command, zh, en in refusals:
        assert speaks("zh", *command, exit_code=1) == f"错误：{zh}\n"
        assert speaks("en", *command, exit_code=1) == f"Error: {en}\n"


def downloaded(printed: str) -> str:
    """What the web admin's download of a CSV `plus` printed in zh holds: the same (CliRunner's output has \\n for \\r\\n)."""
    return printed.replace("\n", "\r\n")


def test_the_csv_exports_are_for_the_owners_spreadsheet(shop, live, client):
    before_dawn = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC)  # 30 November in UTC, 1 December in Beijing
    with get_database(live.app).transaction() as db:
        db.execute(update(Order).where(Order.id == shop[2].id).values(created_at=before_dawn))
    first, second, third = (order.number for order in shop)

    exported = plus("zh", "orders", "list", "--format", "csv").output
    rows = {row["订单号"]: row for row in spreadsheet(exported)}
    headers = list(rows[first])
    assert headers[:3] == ["订单号", "状态", "下单时间（北京时间）"] and "实付金额（元）" in headers
    assert all(CJK.search(header) for header in headers), headers  # no snake_case for the owner
    assert rows[third]["下单时间（北京时间）"] == "2026-12-01 01:30"
    assert [rows[number]["状态"] for number in (first, second, third)] == ["已发货", "已付款", "已付款"]
    assert sum(Decimal(row["实付金额（元）"]) for row in rows.values()) == Decimal("144.30")  # plain numbers: they sum
    assert rows[first]["已退款（元）"] == "8.55" and rows[first]["配送费（元）"] == "8.00"
    assert rows[first]["商品"] == "24骨全自动雨伞 × 3（单价 ¥8.55）；奥克斯家用大吸尘器 × 1（单价 ¥69.00）"
    assert rows[first]["售后"] == "TH00000001 已退款 ¥8.55" and rows[first]["快递公司"] == "顺丰"
    assert rows[first]["发票状态"] == "已开具" and rows[first]["发票号码"] == '="12345678"'  # digits a spreadsheet keeps as text
    assert rows[first]["手机"] == '="13800138000"' and rows[first]["会员价"] == "否"
    assert client.get("/api/admin/orders", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True) == downloaded(exported)

    rows = {row["order"]: row for row in spreadsheet(plus("en", "orders", "list", "--format", "csv").output)}
    assert list(rows[first])[:3] == ["order", "status", "created (Beijing time)"] and "total (CNY)" in rows[first]
    assert rows[third]["created (Beijing time)"] == "2026-12-01 01:30"
    assert [rows[number]["status"] for number in (first, second, third)] == ["shipped", "paid", "paid"]
    assert sum(Decimal(row["total (CNY)"]) for row in rows.values()) == Decimal("144.30")
    assert rows[first]["items"] == "24骨全自动雨伞 × 3 (¥8.55 each); 奥克斯家用大吸尘器 × 1 (¥69.00 each)"
    assert rows[first]["member prices"] == "no"
    json_zh, json_en = (plus(lang, "orders", "list", "--format", "json").output for lang in ("zh", "en"))
    assert json_zh == json_en and json.loads(json_zh)["orders"][-1]["created_at"] == before_dawn.isoformat()  # json: unchanged

    exported = plus("zh", "orders", "returns", "list", "--format", "csv").output
    returns = {row["售后单号"]: row for row in spreadsheet(exported)}
    assert [returns[number]["状态"] for number in ("TH00000001", "TH00000002")] == ["已退款", "未通过"]
    assert returns["TH00000002"]["原因"] == "其他原因" and returns["TH00000002"]["拒绝理由"] == "已超过退货期限"
    assert sum(Decimal(row["退款金额（元）"]) for row in returns.values()) == Decimal("17.10")
    assert returns["TH00000001"]["商品"] == "24骨全自动雨伞 × 1（¥8.55）" and returns["TH00000001"]["订单号"] == first
    assert all(CJK.search(header) for header in returns["TH00000001"]) and "申请时间（北京时间）" in returns["TH00000001"]
    assert client.get("/api/admin/returns", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True) == downloaded(exported)
    returns = {row["return"]: row for row in spreadsheet(plus("en", "orders", "returns", "list", "--format", "csv").output)}
    assert returns["TH00000001"]["status"] == "refunded" and returns["TH00000001"]["amount (CNY)"] == "8.55"

    exported = plus("zh", "orders", "invoices", "list", "--format", "csv").output
    invoices = {row["订单号"]: row for row in spreadsheet(exported)}
    assert invoices[first]["状态"] == "已开具" and invoices[first]["发票号码"] == '="12345678"'
    assert invoices[second]["发票类型"] == "增值税专用发票" and invoices[second]["抬头类型"] == "企业"
    assert invoices[second]["银行账号"] == '="5719000012345678"' and invoices[second]["开票金额（元）"] == "25.10"
    assert all(CJK.search(header) for header in invoices[first]) and "申请时间（北京时间）" in invoices[first]
    assert client.get("/api/admin/invoices", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True) == downloaded(exported)
    invoices = {row["order"]: row for row in spreadsheet(plus("en", "orders", "invoices", "list", "--format", "csv").output)}
    assert invoices[second]["kind"] == "special" and invoices[second]["amount (CNY)"] == "25.10"

    members = {row["邮箱"]: row for row in spreadsheet(plus("zh", "members", "list", "--format", "csv").output)}
    assert list(members["member@example.com"]) == ["邮箱", "开通时间（北京时间）", "到期时间（北京时间）", "状态", "续费方式"]
    assert members["member@example.com"]["状态"] == "有效" and members["lapsed@example.com"]["状态"] == "已过期"
    assert members["lapsed@example.com"]["续费方式"] == "一次付清"
    members = {row["email"]: row for row in spreadsheet(plus("en", "members", "list", "--csv").output)}
    assert members["member@example.com"]["status"] == "active" and "until (Beijing time)" in members["member@example.com"]
