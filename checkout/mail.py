"""Outgoing mail: through SMTP when MAIL_SERVER is set, otherwise written to the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("plus.checkout.mail")


def send_mail(to: str, subject: str, body: str, config: dict | None = None) -> None:
    """Send a plain-text mail (or log it when no mail server is configured)."""
    config = config if config is not None else current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("mail (no MAIL_SERVER set) to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=20) as smtp:
        if config.get("MAIL_STARTTLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    log.info("mail sent to %s: %s", to, subject)
