"""Helpers for the application tests: files of each kind, stored documents, the applicant's own
profile, mail bodies, and a snapshot of what an application holds (to prove a refusal changed nothing).

The fixtures these tests share are in conftest.py (`applicant`, `applicant_client`) and tests/conftest.py (`outbox`).
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.extensions import db
from talent.programmes.documents import store as store_document
from talent.programmes.models import Application, ApplicationDocument, DocumentType

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
LINUX_ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


def upload(content: bytes, name: str = "document.pdf", doc_type: str = "cv") -> dict:
    return {"doc_type": doc_type, "file": (io.BytesIO(content), name)}


def add_document(db, application, doc_type=DocumentType.CV, content=PDF):
    """A document stored the way an upload stores it."""
    stored = store_document(io.BytesIO(content))
    document = ApplicationDocument(
        application_id=application.id,
        doc_type=doc_type,
        original_name=f"{doc_type.value}.pdf",
        stored_name=stored.stored_name,
        media_type=stored.media_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    db.session.add(document)
    db.session.commit()
    return document


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


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def person_of(user):
    from talent.reference.operations import profile_of

    return profile_of(user)
