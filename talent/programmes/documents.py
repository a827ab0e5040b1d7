"""Application documents: checked by their content, size-limited, kept outside the web root.

A file is accepted only when its first bytes say PDF, PNG or JPEG (the name and the browser's
declared type are not trusted), and only up to `MAX_DOCUMENT_BYTES`, counted while it is read
in chunks, so a large upload is never held in memory. It is stored as DATA_DIR/documents/<random
hex> with no extension and served only as an attachment with the checked media type.

Files follow the transaction that records them (talent.core.files): a new file is deleted again
when its transaction rolls back, and a replaced or deleted one is removed only after the commit,
so a failed request never leaves a row pointing at a missing file (nor an orphan file behind).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from talent.core import audit, files
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.extensions import db
from talent.programmes.labels import DOCUMENT_TYPE
from talent.programmes.models import Application, ApplicationDocument, DocumentType, Review, ReviewStatus

FOLDER = "documents"
# Reviewers of a blind call see only these: the others name or picture the applicant.
BLIND_SAFE_DOCUMENTS = frozenset({DocumentType.RESEARCH_PLAN})

# First bytes → (media type, extension). Anything else is refused, whatever it is called.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {media_type: extension for _magic, media_type, extension in SIGNATURES}
_HEAD = max(len(magic) for magic, _type, _ext in SIGNATURES)
_CHUNK = 64 * 1024


class DocumentRefused(ValidationFailed):
    """An upload the rules refuse; `status_code` 413 when it is too large."""

    def __init__(self, message: str, *, status_code: int = 422):
        super().__init__(message, field="file")
        self.status_code = status_code


def folder() -> Path:
    return Path(current_app.config["DATA_DIR"]) / FOLDER


def path_of(document: ApplicationDocument) -> Path:
    return folder() / document.stored_name


def max_bytes() -> int:
    return int(current_app.config["MAX_DOCUMENT_BYTES"])


def max_size_words() -> str:
    limit = max_bytes()
    if limit >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(limit / (1024 * 1024), "#,##0.#"))
    return _("%(size)s KB", size=format_decimal(limit / 1024, "#,##0.#"))


def too_large_message() -> str:
    return _(
        "This file is larger than %(size)s, the most a document may be. Make it smaller (for example "
        "scan it at a lower resolution) and upload it again.",
        size=max_size_words(),
    )


def not_allowed_message() -> str:
    return _("This file is not a PDF, PNG or JPEG image. Upload the document as PDF, PNG or JPEG.")


def download_name(document: ApplicationDocument) -> str:
    """The name offered when saving: the uploaded name with the extension of its real type."""
    stem = PurePath(document.original_name).stem or document.doc_type.value
    return stem + EXTENSIONS.get(document.media_type, "")


def clean_name(raw: str | None, fallback: str) -> str:
    """The file's own name for display (never a path): last component, printable, at most 255."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-255:] or fallback


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    media_type: str
    size: int
    sha256: str


def store(stream: IO[bytes]) -> StoredFile:
    """Read `stream` in chunks into a new random file, refusing wrong types and oversize files.

    The file is deleted again if the current transaction rolls back.
    """
    limit = max_bytes()
    head = stream.read(_HEAD)
    media_type = next((kind for magic, kind, _ext in SIGNATURES if head.startswith(magic)), None)
    if media_type is None:
        raise DocumentRefused(not_allowed_message())
    digest, size = hashlib.sha256(head), len(head)

    def checked_chunks():
        nonlocal size
        yield head
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise DocumentRefused(too_large_message(), status_code=413)
            digest.update(chunk)
            yield chunk

    stored_name = secrets.token_hex(32)
    final = files.write_atomically(folder(), stored_name, checked_chunks())
    files.follow_transaction(final, on_rollback=files.delete)
    return StoredFile(stored_name, media_type, size, digest.hexdigest())


# --- operations ----------------------------------------------------------------------------


def _check_editable(application: Application) -> None:
    if not application.is_editable:
        raise IllegalTransition(
            _("This application is submitted; its documents can no longer be changed."), field="file"
        )


def attach(
    application: Application, doc_type: DocumentType, stream: IO[bytes], filename: str | None, *, actor
) -> ApplicationDocument:
    """Add the document of `doc_type` to a draft, replacing the one of that type it had.

    The caller holds the application's row lock (see application_queries.load_application).
    """
    _check_editable(application)
    stored = store(stream)
    document = db.session.execute(
        db.select(ApplicationDocument).where(
            ApplicationDocument.application_id == application.id, ApplicationDocument.doc_type == doc_type
        )
    ).scalar_one_or_none()
    name = clean_name(filename, f"{doc_type.value}{EXTENSIONS[stored.media_type]}")
    action = "application.document_replaced"
    if document is None:
        action = "application.document_added"
        document = ApplicationDocument(application_id=application.id, doc_type=doc_type)
        db.session.add(document)
    else:
        files.follow_transaction(path_of(document), on_commit=files.delete)
    document.original_name = name
    document.stored_name = stored.stored_name
    document.media_type = stored.media_type
    document.size = stored.size
    document.sha256 = stored.sha256
    document.uploaded_at = utcnow()
    document.uploaded_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record(
        action,
        application,
        changes={"documents": {doc_type.value: [None, {"name": name, "size": stored.size}]}},
        summary=str(DOCUMENT_TYPE[doc_type]),
        actor=actor,
    )
    db.session.flush()
    return document


def remove(application: Application, document: ApplicationDocument, *, actor) -> None:
    """Delete a draft's document; its file goes once the deletion is committed."""
    _check_editable(application)
    files.follow_transaction(path_of(document), on_commit=files.delete)
    audit.record(
        "application.document_deleted",
        application,
        changes={"documents": {document.doc_type.value: [{"name": document.original_name}, None]}},
        summary=str(DOCUMENT_TYPE[document.doc_type]),
        actor=actor,
    )
    db.session.delete(document)
    db.session.flush()


# --- who may read a document ---------------------------------------------------------------


def can_download(document: ApplicationDocument, application: Application, user) -> bool:
    """The applicant, the programme office, and reviewers with an active review of the application
    (on a blind call only the documents in BLIND_SAFE_DOCUMENTS)."""
    if not user.is_authenticated:
        return False
    if application.can_view(user):
        return True
    active = db.session.execute(
        db.select(Review.id).where(
            Review.application_id == application.id,
            Review.reviewer_id == user.id,
            Review.status.in_((ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED)),
        )
    ).first()
    if active is None:
        return False
    return not application.call.is_blind_review or document.doc_type in BLIND_SAFE_DOCUMENTS
