"""发票: the buyer asks on the order page (personal or company title, 专票 details), the operator issues it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from admin.cli import cli
from checkout.db import get_database
from checkout.models import Order

from .helpers import ADMIN_TOKEN, csrf_token, outbox, spreadsheet
from .test_commands import env  # noqa: F401 - the fixture pointing `plus` at the test app
from .test_returns import order, order_page  # noqa: F401 - the paid order fixture

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CREDIT_CODE = "91350100M000100Y43"  # a valid 统一社会信用代码 (the check character is right)
COMPANY = {"title_type": "company", "kind": "normal", "title": "杭州某某科技有限公司", "tax_id": CREDIT_CODE.lower()}
SPECIAL = {
    **COMPANY,
    "kind": "special",
    "registered_address": "杭州市西湖区文三路 100 号",
    "registered_phone": "0571-88886666",
    "bank_name": "招商银行杭州分行",
    "bank_account": "5719 0000 1234 5678",
}


def ask_invoice(client, order, form: dict):  # noqa: F811
    """Fill in the invoice form of the order page and send it."""
    page = order_page(client.application, order)
    html = client.get(page).get_data(as_text=True)
    action = page.replace(f"/{order.number}?", f"/{order.number}/invoice?")
    return client.post(action, data={**form, "csrf_token": csrf_token(html)})


def test_a_company_invoice_is_stored_shown_editable_and_issued(live, client, order):  # noqa: F811
    saved = ask_invoice(client, order, COMPANY)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    assert "待开具" in page and "杭州某某科技有限公司" in page and CREDIT_CODE in page
    assert ask_invoice(client, order, SPECIAL).status_code == 302  # editable until issued
    shown = client.get(f"/api/admin/orders/{order.id}", headers=AUTH).get_json()["invoice"]
    assert shown["kind"] == "special" and shown["bank_account"] == "5719000012345678" and shown["tax_id"] == CREDIT_CODE
    bad = client.post(f"/api/admin/orders/{order.id}/invoice/issue", headers=AUTH, json={"number": "12"})
    assert bad.status_code == 400
    issued = client.post(f"/api/admin/orders/{order.id}/invoice/issue", headers=AUTH, json={"number": "26330000000012345678"})
    assert issued.status_code == 200 and issued.get_json()["status"] == "issued"
    [mail] = outbox(live.app, "invoice_issued")
    assert "26330000000012345678" in mail.body and "杭州某某科技有限公司" in mail.body
    late = ask_invoice(client, order, COMPANY)
    assert late.status_code == 409 and "发票已开具" in late.get_data(as_text=True)
    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    assert "已开具" in page and "26330000000012345678" in page and 'id="invoice-form"' not in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title_type": "company", "title": "某某公司"}, "企业抬头必须填写统一社会信用代码"),
        (
            {**COMPANY, "tax_id": CREDIT_CODE[:-1] + "0"},
            "统一社会信用代码校验位不符：多半是某一位抄错了，请对照营业执照逐位核对（前17位都对的话，最后一位应是「3」）",
        ),
        ({**COMPANY, "tax_id": "91350100M000100"}, "统一社会信用代码应为18位，这里是15位"),
        ({**SPECIAL, "bank_name": "", "registered_address": ""}, "专用发票还需填写：注册地址、开户银行"),
        ({**SPECIAL, "registered_phone": "12345"}, "注册电话格式不对"),
        ({"title_type": "personal", "kind": "special", "title": "张三"}, "增值税专用发票只能开给企业"),
        ({"title_type": "personal", "title": " "}, "请填写发票抬头"),
        ({"title": "张三"}, "请选择发票抬头类型：个人或企业"),
    ],
)
def test_invoice_mistakes_are_explained_in_chinese(live, client, order, form, message):  # noqa: F811
    refused = ask_invoice(client, order, form)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert client.get(f"/api/admin/orders/{order.id}", headers=AUTH).get_json()["invoice"] is None


def test_invoices_are_listed_as_json_and_csv(live, client, order, env):  # noqa: F811
    ask_invoice(client, order, {"title_type": "personal", "title": "张三"})
    listed = client.get("/api/admin/invoices", headers=AUTH, query_string={"status": "requested"}).get_json()
    assert listed["total"] == 1 and listed["invoices"][0]["order_number"] == order.number
    exported = client.get("/api/admin/invoices", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True)
    [row] = spreadsheet(exported)
    assert row["发票抬头"] == "张三" and row["抬头类型"] == "个人" and row["开票金额（元）"] == "102.65" and row["状态"] == "待开具"
    orders_csv = client.get("/api/admin/orders", headers=AUTH, query_string={"format": "csv"}).get_data(as_text=True)
    [order_row] = spreadsheet(orders_csv)
    assert {"已退款（元）", "付款争议", "售后", "发票状态", "发票抬头", "发票号码"} <= set(order_row)
    assert order_row["发票状态"] == "待开具" and order_row["已退款（元）"] == "0.00"
    issued = CliRunner().invoke(cli, ["orders", "invoices", "issue", order.number, "--number", "12345678"], catch_exceptions=False)
    assert issued.exit_code == 0, issued.output
    listed = CliRunner().invoke(cli, ["--lang", "en", "orders", "invoices", "list"], catch_exceptions=False)
    assert "issued" in listed.output and "12345678" in listed.output and "张三" in listed.output


def test_an_unpaid_order_gets_no_invoice(live, client, order):  # noqa: F811
    page = order_page(live.app, order)
    token = csrf_token(client.get(page).get_data(as_text=True))  # a page opened while the order was paid
    with get_database(live.app).transaction() as db:
        db.execute(update(Order).where(Order.id == order.id).values(status="payment_failed"))
    assert 'id="invoice-form"' not in client.get(page).get_data(as_text=True)
    action = page.replace(f"/{order.number}?", f"/{order.number}/invoice?")
    refused = client.post(action, data={"title_type": "personal", "title": "张三", "csrf_token": token})
    assert refused.status_code == 409 and "不能申请发票" in refused.get_data(as_text=True)
    assert client.get("/api/admin/invoices", headers=AUTH).get_json()["total"] == 0
