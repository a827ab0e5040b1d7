"""Where issued PDFs are kept: DATA_DIR/certificates/<serial>.pdf, written once.

A PDF is first written to a staging folder and reaches its final place only when the
transaction that records its certificate commits; a rollback deletes it. A process killed in
between leaves its staging folder behind: `recover_staged` then moves the PDFs whose
certificate was committed and deletes the others (the bulk job does it for its own folder
when it resumes; a periodic task does it for folders idle for an hour).
"""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from talent.certificates.models import Certificate
from talent.core import files
from talent.extensions import db

PDF_FOLDER = "certificates"
STAGING_FOLDER = ".staging"
# A staging area nobody wrote to for this long belongs to a process that is gone.
STALE_STAGING_SECONDS = 3600


def pdf_folder() -> Path:
    return Path(current_app.config["DATA_DIR"]) / PDF_FOLDER


def relative_path(serial: str) -> str:
    return f"{PDF_FOLDER}/{serial}.pdf"


def stage(pdf: bytes, serial: str, *, area: str | None = None) -> Path:
    """Write `pdf` to the staging area `area` (default: this process's); it moves to its final
    place when the current transaction commits."""
    folder = pdf_folder() / STAGING_FOLDER / (area or f"pid-{os.getpid()}")
    path = files.write_atomically(folder, f"{serial}.pdf", [pdf])
    files.follow_transaction(
        path, on_commit=partial(_publish, final=pdf_folder() / f"{serial}.pdf"), on_rollback=files.delete
    )
    return path


def discard(path: Path) -> None:
    files.forget(path)
    path.unlink(missing_ok=True)


def _publish(path: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, final)


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
