"""Helpers for the application tests: files of each kind, the applicant's own profile, the
outbox, and a snapshot of what an application holds (to prove a refusal changed nothing)."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.extensions import db
from talent.programmes.models import Application, ApplicationDocument

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
LINUX_ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


def upload(content: bytes, name: str = "document.pdf", doc_type: str = "cv") -> dict:
    return {"doc_type": doc_type, "file": (io.BytesIO(content), name)}


def stored_files(app) -> set[str]:
    folder = Path(app.config["DATA_DIR"]) / "documents"
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()


def snapshot(application_id: int) -> dict:
    """What the applicant could notice changing: fields, documents, audit entries."""
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    documents = db.session.execute(
        select(ApplicationDocument.doc_type, ApplicationDocument.stored_name, ApplicationDocument.sha256)
        .where(ApplicationDocument.application_id == application_id)
        .order_by(ApplicationDocument.doc_type)
    ).all()
    audits = db.session.scalar(
        select(func.count()).where(
            AuditEntry.object_type == "applications", AuditEntry.object_id == str(application_id)
        )
    )
    return {
        "status": application.status,
        "statement": application.statement,
        "plan": application.plan,
        "referees": application.referees,
        "submitted_at": application.submitted_at,
        "extended_until": application.extended_until,
        "documents": [tuple(row) for row in documents],
        "audit_entries": audits,
    }


def audit_actions(application_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "applications", AuditEntry.object_id == str(application_id))
            .order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def outbox(app):
    """`outbox("a@b.org")` → the mails written to the outbox for that address, oldest first."""
    folder = Path(app.config["DATA_DIR"]) / "outbox"

    def mails_to(address: str):
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address:
                found.append(message)
        return found

    return mails_to


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def applicant(make_user, make_person):
    """A user with the applicant role and a Kenyan profile linked to the account."""
    user = make_user("applicant", timezone="Africa/Nairobi")
    make_person(user_id=user.id, nationality_code="KE", email=user.email)
    return user


@pytest.fixture
def applicant_client(app, applicant, login):
    client = app.test_client()
    login(client, applicant)
    return client


def person_of(user):
    from talent.reference.operations import profile_of

    return profile_of(user)
