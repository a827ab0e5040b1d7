"""Outgoing mail that leaves only when the transaction that caused it commits.

`send_mail` queues the message on the current database session; a session event delivers the
queue after the outermost transaction commits and drops it on rollback, so a request or job
that fails sends nothing, and a message never announces a change that did not happen.

Delivery is through `TALENT_SMTP_URL` (`smtp://user:pass@host:587` — STARTTLS on port 587 —
or `smtps://user:pass@host:465`), or, when that is unset, into `DATA_DIR/outbox/` as one .eml
file per message. A failed delivery is logged: the change it reports is already committed.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from talent.core.db import utcnow
from talent.core.files import is_within, write_atomically
from talent.extensions import db

log = logging.getLogger(__name__)

_QUEUE = "talent.mail.queue"
SMTP_TIMEOUT = 20
# Text in any script stays readable on 7-bit relays: the body is sent as quoted-printable or
# base64, whichever is shorter, and non-ASCII headers as RFC 2047 encoded words.
MAIL_POLICY = policy.default.clone(cte_type="7bit")


@dataclass
class _Queued:
    message: EmailMessage
    smtp_url: str | None
    outbox: Path
    # Innermost transaction (savepoint) open when queued: rolling it back drops the message.
    transaction: SessionTransaction | None


def build_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a plain-text mail; it is delivered after the current transaction commits."""
    config = current_app.config
    session = db.session()
    session.info.setdefault(_QUEUE, []).append(
        _Queued(
            message=build_message(to, subject, body, str(config["MAIL_FROM"])),
            smtp_url=config.get("SMTP_URL") or None,
            outbox=Path(config["DATA_DIR"]) / "outbox",
            transaction=session.get_nested_transaction() or session.get_transaction() or session.begin(),
        )
    )


def pending_mail(session: Session | None = None) -> list[EmailMessage]:
    """Messages queued on `session` (default: the current one) and not yet delivered."""
    session = session if session is not None else db.session()
    return [item.message for item in session.info.get(_QUEUE, [])]


def deliver(message: EmailMessage, *, smtp_url: str | None, outbox: Path) -> None:
    """Send one message now, outside any transaction; errors are logged, never raised."""
    try:
        if smtp_url:
            _send_smtp(smtp_url, message)
        else:
            path = _write_outbox(outbox, message)
            log.info("mail to %s written to %s", message["To"], path)
    except (OSError, smtplib.SMTPException, ValueError):
        log.exception("could not deliver mail to %s (subject %r)", message["To"], message["Subject"])


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("TALENT_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    context = ssl.create_default_context()
    if scheme == "smtps":
        connection = smtplib.SMTP_SSL(
            parts.hostname, parts.port or 465, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=SMTP_TIMEOUT)
    with connection as smtp:
        if scheme == "smtp" and parts.port == 587:
            smtp.starttls(context=context)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
    log.info("mail to %s sent through %s", message["To"], parts.hostname)


def _write_outbox(outbox: Path, message: EmailMessage) -> Path:
    name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
    # Written whole or not at all, so a reader of the outbox never sees half a message; readable
    # by the owner only, since mails carry reset links.
    return write_atomically(outbox, name, [message.as_bytes()])


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    # A savepoint's commit fires this event too; its messages wait for the outermost commit.
    if session.get_nested_transaction() is not None:
        return
    for item in session.info.pop(_QUEUE, []):
        deliver(item.message, smtp_url=item.smtp_url, outbox=item.outbox)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_QUEUE)
    if not queued:
        return
    if previous_transaction.parent is None:
        session.info.pop(_QUEUE, None)
        return
    session.info[_QUEUE] = [item for item in queued if not is_within(item.transaction, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without committing (session closed): nothing goes out.
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)
