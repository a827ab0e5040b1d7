"""Mail leaves only when the transaction that caused it commits, in any script."""

import logging
import socket
from email import message_from_bytes, policy

import pytest

from talent.core.mail import pending_mail, send_mail
from tests.core.smtp_server import SMTPServer

SUBJECT = "证书已签发 — شهادتك جاهزة — ሰርተፊኬትዎ ዝግጁ ነው"
BODY = "尊敬的王小明，\nعزيزي أحمد،\nውድ አበበ፣\nYour certificate is ready."


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    return tmp_path / "outbox"


def read_outbox(outbox):
    if not outbox.exists():
        return []
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(outbox.glob("*.eml"))]


def test_mail_is_written_to_the_outbox_after_commit(db, outbox, app):
    send_mail("wang@example.org", SUBJECT, BODY)
    assert read_outbox(outbox) == []
    db.session.commit()
    [message] = read_outbox(outbox)
    assert message["To"] == "wang@example.org"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Subject"] == SUBJECT
    assert message.get_content().rstrip("\n") == BODY
    assert message["Message-ID"] and message["Date"]
    # Nothing but finished messages in the outbox: the temporary file was renamed.
    assert [p.suffix for p in outbox.iterdir()] == [".eml"]


def test_rolled_back_transaction_sends_nothing(db, outbox):
    send_mail("someone@example.org", "Welcome", "Hello")
    db.session.rollback()
    db.session.commit()
    assert read_outbox(outbox) == []
    assert pending_mail() == []


def test_rolled_back_savepoint_drops_only_its_own_mail(db, outbox):
    send_mail("first@example.org", "Kept", "kept")
    savepoint = db.session.begin_nested()
    send_mail("second@example.org", "Dropped", "dropped")
    savepoint.rollback()
    with db.session.begin_nested():
        send_mail("third@example.org", "Also kept", "kept")
    assert read_outbox(outbox) == []  # a savepoint's commit is not the end of the transaction
    db.session.commit()
    assert sorted(m["To"] for m in read_outbox(outbox)) == ["first@example.org", "third@example.org"]


def test_mail_goes_through_smtp_when_configured(db, app, monkeypatch, outbox):
    with SMTPServer() as server:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://mailer%40talent:p%40ss@127.0.0.1:{server.port}")
        send_mail("amina@example.org", SUBJECT, BODY)
        db.session.commit()
    [message] = server.messages
    assert message["To"] == "amina@example.org"
    assert message["Subject"] == SUBJECT
    assert message.get_content().rstrip("\n") == BODY
    assert server.logins == [("mailer@talent", "p@ss")]
    assert read_outbox(outbox) == []


def test_failed_smtp_delivery_is_logged_not_raised(db, app, monkeypatch, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{closed_port}")
    # Alembic's logging set-up (migrations/env.py) disables loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("talent.core.mail"), "disabled", False)
    send_mail("someone@example.org", "Hello", "Hello")
    with caplog.at_level(logging.ERROR, logger="talent.core.mail"):
        db.session.commit()
    assert "could not deliver mail to someone@example.org" in caplog.text
