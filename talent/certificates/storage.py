"""Where issued PDFs are kept: DATA_DIR/certificates/<serial>.pdf, written once.

A PDF is first written to a staging folder and reaches its final place only when the
transaction that records its certificate commits; a rollback deletes it. A process killed in
between leaves its staging folder behind: `recover_staged` then moves the PDFs whose
certificate was committed and deletes the others (the bulk job does it for its own folder
when it resumes; a periodic task does it for folders idle for an hour).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from talent.certificates.models import Certificate
from talent.extensions import db

PDF_FOLDER = "certificates"
STAGING_FOLDER = ".staging"
# A staging area nobody wrote to for this long belongs to a process that is gone.
STALE_STAGING_SECONDS = 3600
_STAGED = "talent.certificates.staged_pdfs"


@dataclass
class _Staged:
    path: Path
    final: Path
    # Innermost transaction open when staged: rolling it back deletes the file.
    transaction: SessionTransaction | None


def pdf_folder() -> Path:
    return Path(current_app.config["DATA_DIR"]) / PDF_FOLDER


def relative_path(serial: str) -> str:
    return f"{PDF_FOLDER}/{serial}.pdf"


def stage(pdf: bytes, serial: str, *, area: str | None = None) -> Path:
    """Write `pdf` to the staging area `area` (default: this process's); it moves to its final
    place when the current transaction commits."""
    folder = pdf_folder() / STAGING_FOLDER / (area or f"pid-{os.getpid()}")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
            fh.flush()
            os.fsync(fh.fileno())
        path = folder / f"{serial}.pdf"
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    session = db.session()
    session.info.setdefault(_STAGED, []).append(
        _Staged(
            path,
            pdf_folder() / f"{serial}.pdf",
            session.get_nested_transaction() or session.get_transaction(),
        )
    )
    return path


def discard(path: Path) -> None:
    session = db.session()
    session.info[_STAGED] = [item for item in session.info.get(_STAGED, []) if item.path != path]
    path.unlink(missing_ok=True)


def _publish(path: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, final)


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint: wait for the real commit
        return
    for item in session.info.pop(_STAGED, []):
        _publish(item.path, item.final)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _delete_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    staged = session.info.get(_STAGED)
    if not staged:
        return
    keep = []
    for item in staged:
        if previous_transaction.parent is None or _within(item.transaction, previous_transaction):
            item.path.unlink(missing_ok=True)
        else:
            keep.append(item)
    session.info[_STAGED] = keep


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        for item in session.info.pop(_STAGED, []):
            item.path.unlink(missing_ok=True)


def recover_staged(area: str | None = None) -> dict[str, int]:
    """Finish what a killed process left in staging: a PDF whose certificate was committed moves
    to its place, any other is deleted. Without `area`: every area idle for an hour."""
    root = pdf_folder() / STAGING_FOLDER
    if area is not None:
        areas = [root / area]
    else:
        cutoff = time.time() - STALE_STAGING_SECONDS
        areas = (
            [p for p in root.glob("*") if p.is_dir() and p.stat().st_mtime < cutoff] if root.is_dir() else []
        )
    moved = deleted = 0
    for folder in areas:
        for path in folder.glob("*"):
            serial = path.stem if path.suffix == ".pdf" else None
            known = (
                serial
                and db.session.execute(select(Certificate.id).where(Certificate.serial == serial)).first()
            )
            if known and not (pdf_folder() / path.name).exists():
                _publish(path, pdf_folder() / path.name)
                moved += 1
            else:
                path.unlink(missing_ok=True)
                deleted += 1
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return {"moved": moved, "deleted": deleted}
