"""How a mail leaves: SMTP (the standard library's smtplib) when MAIL_SERVER is set, else a .eml file.

Only the outbox worker calls this, after the commit that wrote the mail; no request and no
database transaction ever waits for a mail server.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from catalog.messages import say
from catalog.store import Company
from catalog.yamlfile import YamlProblem, read_file

log = logging.getLogger("plus.checkout.mail")


class PermanentFailure(Exception):
    """The server refused this message for good (a bad recipient): retrying would not help."""


def store_reply_to(content: Path) -> str | None:
    """The store's 客服 address (store.yaml → company.email): where "请回复本邮件" reaches a person.

    Read from the file when mails go out (a sender process may never load the whole catalog);
    None, and mails without Reply-To, while store.yaml is unreadable (the catalog reports why).
    """
    try:
        return Company.model_validate(read_file(content / "store.yaml")["company"]).email
    except (YamlProblem, ValueError, KeyError, TypeError) as exc:
        log.warning(
            say(
                "邮件：没有回复地址，store.yaml 的 company.email 读不出：%s", "mail: no Reply-To, store.yaml's company.email unreadable: %s"
            ),
            exc,
        )
        return None


def build_message(config: dict, *, ref: str, to: str, subject: str, body: str, reply_to: str | None = None) -> EmailMessage:
    """A plain-text UTF-8 mail; its Message-ID comes from the outbox row, so a resend is recognisable."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    if reply_to:  # the sender is a no-reply address: answers go to the store's customer service
        message["Reply-To"] = reply_to
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(config["MAIL_FROM"])[1].partition("@")[2] or "plus.invalid"
    message["Message-ID"] = make_msgid(idstring=ref, domain=domain)
    message.set_content(body)
    return message


class Transport:
    """Sends messages over one SMTP connection, or writes them to a folder when no server is set."""

    def __init__(self, config: dict, folder: Path):
        self.config = config
        self.folder = folder
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect (and log in) when a server is configured; a failure raises and nothing was sent."""
        server = self.config.get("MAIL_SERVER")
        if server:
            # A connection failure raises here: nothing was sent, the caller keeps the mails for later.
            smtp = smtplib.SMTP(server, int(self.config["MAIL_PORT"]), timeout=self.config.get("MAIL_TIMEOUT", 20))
            try:
                if self.config.get("MAIL_STARTTLS"):
                    smtp.starttls()
                if self.config.get("MAIL_USERNAME"):
                    smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp

    def close(self) -> None:
        """Say goodbye to the server."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):  # the mails were already accepted; a lost goodbye changes nothing
                self.smtp.close()

    def send(self, message: EmailMessage, name: str) -> None:
        """Hand one message over; PermanentFailure when the server refuses it for good."""
        if self.smtp is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{name}.eml"
            path.write_bytes(bytes(message))
            log.info(
                say("邮件（没有设置 MAIL_SERVER，只存成文件）给 %s：%s → %s", "mail (no MAIL_SERVER set) to %s: %s → %s"),
                message["To"],
                message["Subject"],
                path,
            )
            return
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        log.info(say("邮件已发给 %s：%s", "mail sent to %s: %s"), message["To"], message["Subject"])
