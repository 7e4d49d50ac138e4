"""The mails shoppers get, in zh-CN, written to the outbox inside the transaction of what they report."""

from __future__ import annotations

import datetime as dt

from flask import render_template
from sqlalchemy.orm import Session

from catalog.money import price_label

from . import links, outbox
from .localtime import local_date
from .models import CheckoutSession, InvoiceRequest, Order, ReturnRequest, User

BASIS_LABELS = {"price": "本店价", "member_price": "PLUS会员价", "tier": "阶梯价"}  # as the product page names them
PAYMENT_LABELS = {"card": "银行卡", "alipay": "支付宝", "wechat_pay": "微信支付"}


def order_link(order: Order) -> str:
    """Where the buyer sees the order: a member's account page, or a signed link for a guest."""
    path = f"/account/orders/{order.number}"
    if order.user_id is None:
        path += "?t=" + links.order_token(order.id, order.email)
    return links.public(path)


def _order_mail(db: Session, order: Order, kind: str, subject: str, *, key: str = "", **context: object) -> None:
    if not order.email:
        return
    body = render_template(
        f"mail/{kind}.txt", order=order, link=order_link(order), basis_labels=BASIS_LABELS, subtotal=order_subtotal(order), **context
    )
    outbox.enqueue(db, kind=kind, key=f"{kind}:{order.id}{key}"[:120], to=order.email, subject=subject, body=body)


def order_subtotal(order: Order):
    """The goods' total, without the delivery fee."""
    return order.amount_total - (order.delivery_fee or 0)


def order_paid(db: Session, order: Order) -> None:
    """The confirmation: lines, price basis, delivery fee, total, address, the order's link."""
    _order_mail(db, order, "order_paid", f"订单 {order.number} 已付款，我们将尽快发货")


def order_shipped(db: Session, order: Order, parcel: list[tuple[str, int, int]], *, correcting: bool = False) -> None:
    """The order left: carrier, tracking number and what is in the parcel ((title, sent, cancelled) per line);
    `correcting` a shipped order's carrier or number, the mail says what changed rather than 已发货 again."""
    # A corrected tracking number is news to the buyer: one mail per number, not per command.
    subject = f"订单 {order.number} 的快递信息已更新" if correcting else f"订单 {order.number} 已发货"
    _order_mail(db, order, "order_shipped", subject, key=f":{order.tracking or ''}", parcel=parcel, correcting=correcting)


def order_refunded(db: Session, order: Order) -> None:
    """The money went back."""
    _order_mail(db, order, "order_refunded", f"订单 {order.number} 已退款")


def return_word(order: Order, request: ReturnRequest) -> str:
    """取消 for lines asked back before the order shipped (nothing to send back, they stay), else 退货."""
    return "取消" if order.shipped_at is None or request.requested_at < order.shipped_at else "退货"


def _return_mail(db: Session, order: Order, request: ReturnRequest, kind: str, subject: str) -> None:
    word = return_word(order, request)
    _order_mail(db, order, kind, subject.format(word=word), key=f":{request.id}", request=request, word=word)


def return_requested(db: Session, order: Order, request: ReturnRequest) -> None:
    """The return was received: what it covers, what approving it refunds, what happens next."""
    _return_mail(db, order, request, "return_requested", f"{{word}}申请 {request.number} 已收到")


def return_approved(db: Session, order: Order, request: ReturnRequest) -> None:
    """The return was approved and its amount refunded."""
    _return_mail(db, order, request, "return_approved", f"{{word}} {request.number} 已通过，退款 {price_label(request.amount)}")


def return_refused(db: Session, order: Order, request: ReturnRequest) -> None:
    """The return was refused, and why."""
    _return_mail(db, order, request, "return_refused", f"{{word}}申请 {request.number} 未通过")


def invoice_issued(db: Session, order: Order, invoice: InvoiceRequest) -> None:
    """The invoice was issued: its number and title."""
    _order_mail(db, order, "invoice_issued", f"订单 {order.number} 的发票已开具", invoice=invoice)


def password_reset(db: Session, user: User, link: str) -> None:
    """A one-time reset link (its token exists only in this mail)."""
    body = render_template("mail/password_reset.txt", link=link)
    outbox.enqueue(db, kind="password_reset", to=user.email, subject="重置您的PLUS会员店密码", body=body)


SIGNUP_MAILS = {
    "created": (
        "确认您的PLUS会员店账户",
        "欢迎注册PLUS会员店。请在1小时内打开以下链接确认邮箱并登录：\n{link}\n\n如果不是您本人操作，请忽略本邮件，账户不会启用。",
    ),
    "unconfirmed": (
        "确认您的PLUS会员店账户",
        "您（或他人）用此邮箱注册了PLUS会员店，密码已更新为最近一次注册时填写的密码。请在1小时内打开以下链接确认邮箱并登录：\n{link}\n\n如果不是您本人操作，请忽略本邮件。",
    ),
    "exists": (
        "您已有PLUS会员店账户",
        "有人用此邮箱申请注册，但该邮箱已有账户，未做任何更改。如果忘记了密码，请在1小时内打开以下链接设置新密码：\n{link}\n\n如果不是您本人操作，请忽略本邮件。",
    ),
}
"""The sign-up mails by what sign-up found: a new account, one never confirmed, or an existing one."""


def sign_up(db: Session, user: User, outcome: str, link: str) -> None:
    """The one mail a sign-up sends; the form answers the same for every address, this says which case it was."""
    subject, body = SIGNUP_MAILS[outcome]
    outbox.enqueue(db, kind=f"sign_up_{outcome}", to=user.email, subject=subject, body=body.format(link=link))


def verify_email(db: Session, user: User) -> None:
    """The sign-up mail: open the link to prove the address (and see orders paid with it as a guest)."""
    link = links.public(f"/auth/verify/{links.verify_token(user.id, user.email)}")
    body = render_template("mail/verify_email.txt", link=link, days=links.VERIFY_LINK_DAYS)
    outbox.enqueue(db, kind="verify_email", to=user.email, subject="请验证您的PLUS会员店邮箱", body=body)


def membership_reminder(db: Session, user: User) -> None:
    """PLUS ends soon and will not renew by itself (one mail per end date)."""
    body = render_template("mail/membership_reminder.txt", user=user, link=links.public("/account/membership"))
    key = f"membership_reminder:{user.id}:{user.member_until:%Y%m%d%H%M%S}"
    outbox.enqueue(db, kind="membership_reminder", key=key, to=user.email, subject="您的PLUS会员即将到期", body=body)


def membership_paid(db: Session, user: User, checkout: CheckoutSession, *, next_charge: dt.datetime | None) -> None:
    """The receipt of a year of PLUS (paid once or by a card subscription): until when, and whether and when the card renews it."""
    line = checkout.lines[0]
    body = render_template(
        "mail/membership_paid.txt",
        user=user,
        subscription=checkout.mode == "subscription",
        trial=bool(line.get("trial_end")),
        price=line["unit_price"],
        next_charge=next_charge,
        link=links.public("/account/"),
    )
    subject = f"PLUS会员已开通，有效期至 {local_date(user.member_until)}"
    outbox.enqueue(db, kind="membership_paid", key=f"membership_paid:{checkout.id}", to=user.email, subject=subject, body=body)
