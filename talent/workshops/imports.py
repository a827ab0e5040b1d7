"""Uploaded lists of trainees and of scores: what views and jobs call.

A list is read and checked, shown as a dry run, and applied once confirmed; in between, the
upload waits in DATA_DIR/imports under its SHA-256, which is all the confirmation posts back. Lists of up to
`JOB_THRESHOLD` rows are applied within the confirming request; longer ones run as a background
job that reports progress after each chunk of rows. A job that crashed is started again from
its first row and meets what it already did as "already enrolled" or "unchanged", since
enrolling and scoring are idempotent.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from talent.core.errors import ValidationFailed
from talent.core.jobs import JobContext, enqueue, register_job_kind
from talent.core.models import Job
from talent.extensions import db
from talent.workshops import import_enrolments, import_scores
from talent.workshops.import_enrolments import Applied
from talent.workshops.import_files import FileRejected, Table
from talent.workshops.models import Cohort
from talent.workshops.progress import record_scores

__all__ = [
    "JOB_THRESHOLD",
    "KINDS",
    "apply_upload",
    "load_upload",
    "max_size",
    "plan_upload",
    "read_upload",
    "record_scores",
    "store_upload",
]

JOB_THRESHOLD = 500
# The job page lists this many errors at most; past it a job only counts them, so that a list
# full of mistakes does not rewrite an ever longer error list after every row.
MAX_JOB_ERRORS = 200
# Uploads wait this long for their confirmation (and a background import for its run).
KEEP_UPLOADS_SECONDS = 24 * 3600
_DIGEST = re.compile(r"[0-9a-f]{64}")


# --- keeping an upload between the dry run and its confirmation ----------------------------------


def read_upload(storage) -> bytes:
    """The bytes of an uploaded file, refused when over the configured size."""
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise FileRejected(too_large_message())
    return data


def max_size() -> str:
    """The configured upload limit in words, e.g. "10 MB"."""
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    if limit >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(limit / (1024 * 1024), "#,##0.#"))
    return _("%(size)s KB", size=format_decimal(limit / 1024, "#,##0.#"))


def too_large_message() -> str:
    return _("The file is larger than %(size)s. Split the list into smaller files.", size=max_size())


def _folder() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(data: bytes) -> str:
    """Keep `data` under its SHA-256, the only reference a confirmation may post back."""
    digest = hashlib.sha256(data).hexdigest()
    folder = _folder()
    path = folder / digest
    if path.exists():
        os.utime(path)
    else:
        partial = folder / f".{digest}.{os.getpid()}"
        partial.write_bytes(data)
        os.replace(partial, path)
    _prune(folder)
    return digest


def load_upload(digest: str) -> bytes:
    gone = FileRejected(
        _("The uploaded file is no longer here (uploads are kept for a day). Upload it again.")
    )
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise gone
    try:
        data = (_folder() / digest).read_bytes()
    except FileNotFoundError:
        raise gone from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise gone
    return data


def _prune(folder: Path) -> None:
    # Lists hold personal data: keep them only as long as a confirmation or a job may need them.
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue


# --- dry run, apply, background job ---------------------------------------------------------


@dataclass(frozen=True)
class ListKind:
    read: Callable[[bytes], Table]
    plan: Callable
    apply: Callable
    job_kind: str


KINDS = {
    "enrolments": ListKind(
        import_enrolments.read_enrolment_table,
        import_enrolments.plan_enrolments,
        import_enrolments.apply_enrolments,
        "workshops.import",
    ),
    "scores": ListKind(
        import_scores.read_score_table,
        import_scores.plan_scores,
        import_scores.apply_scores,
        "workshops.import_scores",
    ),
}


def plan_upload(what: str, cohort: Cohort, data: bytes):
    """The dry run of a list of `what` ("enrolments" or "scores"); writes nothing."""
    kind = KINDS[what]
    return kind.plan(cohort, kind.read(data))


def apply_upload(what: str, cohort: Cohort, digest: str, *, actor) -> Applied | Job:
    """Apply a stored upload now, or queue it as a job when it is long; returns what it did or the job."""
    kind = KINDS[what]
    table = kind.read(load_upload(digest))
    if len(table.rows) > JOB_THRESHOLD:
        return enqueue(kind.job_kind, {"cohort_id": cohort.id, "upload": digest}, user=actor)
    return kind.apply(cohort, table, actor=actor)


def run_import_job(job: Job, ctx: JobContext) -> dict:
    kind = next(kind for kind in KINDS.values() if kind.job_kind == job.kind)
    cohort = db.session.get(Cohort, ctx.params["cohort_id"])
    if cohort is None:
        raise ValidationFailed(_("The cohort of this list no longer exists."))
    table = kind.read(load_upload(ctx.params["upload"]))
    ctx.progress(0, len(table.rows))
    reported = 0

    def report(done: int, total: int, errors: list[tuple[int, str]]) -> None:
        nonlocal reported
        ctx.progress(done, total)
        for line, message in errors:
            if reported < MAX_JOB_ERRORS:
                ctx.error(_("line %(line)d", line=line), message)
            reported += 1

    applied = kind.apply(cohort, table, actor=ctx.user, on_chunk=report)
    if reported > MAX_JOB_ERRORS:
        ctx.error(
            _("more lines"),
            _(
                "%(count)d more lines have errors; the dry run of the list shows them all.",
                count=reported - MAX_JOB_ERRORS,
            ),
        )
    return {str(key): count for key, count in applied.counts.items()}


register_job_kind("workshops.import", run_import_job, label=_l("Trainee list import"))
register_job_kind("workshops.import_scores", run_import_job, label=_l("Score list import"))
