"""Money on the order page and in the order's mails follows the one rule: ¥69, ¥8.55, never ¥69.00."""

from __future__ import annotations

import re

from catalog.money import price_label

from .helpers import ADMIN_TOKEN, outbox
from .test_invoices import COMPANY, ask_invoice
from .test_returns import ask_return, order, order_page, reread, returns_of  # noqa: F401 - the paid order fixture

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EXACT_WHOLE = re.compile(r"¥\d+\.00(?!\d)")


def test_the_order_page_and_every_mail_write_whole_yuan_without_decimals(live, client, order):  # noqa: F811
    vacuum = next(line for line in order.lines if line.product_id == "aux-vacuum")
    assert ask_return(client, order, {"aux-vacuum": 1}).status_code == 302
    [request] = returns_of(live.app, order)
    assert request.amount == vacuum.unit_price and request.amount == request.amount.to_integral_value()  # a whole amount
    assert client.post(f"/api/admin/returns/{request.id}/approve", headers=AUTH, json={}).status_code == 200
    assert ask_invoice(client, order, COMPANY).status_code == 302
    issued = client.post(f"/api/admin/orders/{order.id}/invoice/issue", headers=AUTH, json={"number": "26330000000012345678"})
    assert issued.status_code == 200, issued.get_json()

    page = client.get(order_page(live.app, order)).get_data(as_text=True)
    mails = {mail.kind: mail for mail in outbox(live.app)}
    assert {"order_paid", "return_requested", "return_approved", "invoice_issued"} <= set(mails)
    after = reread(live.app, order)
    texts = {"page": page} | {kind: f"{mail.subject}\n{mail.body}" for kind, mail in mails.items()}
    for where, text in texts.items():
        assert not EXACT_WHOLE.findall(text), (where, EXACT_WHOLE.findall(text))
    refund = price_label(request.amount)
    assert f'已原路退款 <span class="pc-price">{refund}</span>' in page
    assert refund in mails["return_requested"].body and refund in mails["return_approved"].subject
    assert f"发票金额：{price_label(after.amount_total - after.refunded_amount)}" in mails["invoice_issued"].body
