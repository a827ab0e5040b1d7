"""Background jobs: long work (bulk issuance, imports) run by the scheduler process, with progress.

A feature registers a handler for its kind of job, usually in its tasks.py:

    def issue_cohort(job, ctx):
        cohort = db.session.get(Cohort, job.params["cohort_id"])
        todo = [e for e in cohort.enrolments if not has_certificate(e)]   # "not done yet" condition
        for n, enrolment in enumerate(todo, 1):
            try:
                issue(enrolment, actor=ctx.user)                              # flushes, never commits
            except DomainError as exc:
                ctx.error(f"enrolment {enrolment.id}", exc.message)
            ctx.progress(n, len(todo))                                     # commits this unit
        return {"issued": ...}

    register_job_kind("certificates.issue_cohort", issue_cohort, label=_l("Certificate issuance"))

A view or API call then does `enqueue("certificates.issue_cohort", {"cohort_id": 7}, user=current_user)`
and links to `core.job` to show the progress. A handler must be idempotent: after a crash the job is
claimed again and the handler called again from the start, so it selects only work not done yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import lazyload

from talent.core.db import utcnow
from talent.core.errors import DomainError
from talent.core.models import Job, JobStatus
from talent.core.signals import job_finished
from talent.extensions import db

log = logging.getLogger(__name__)

# A running job whose heartbeat is older than this is taken to have lost its process (crash,
# restart, machine gone) and is claimed again. Handlers report progress far more often.
STALE_AFTER = timedelta(minutes=5)
# A job whose process keeps dying (e.g. out of memory on one item) is given up after this many starts.
MAX_ATTEMPTS = 5
DEFAULT_LOCALE = "en"

STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting to start"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Finished"),
    JobStatus.FAILED: _l("Failed"),
}


@dataclass(frozen=True)
class JobKind:
    kind: str
    handler: Callable[[Job, JobContext], dict[str, Any] | None]
    label: object


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: str, handler, *, label: object = None) -> None:
    """Declare the handler `handler(job, ctx)` for jobs of `kind`; `label` names the kind on pages."""
    existing = _KINDS.get(kind)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"job kind {kind!r} is already registered to {existing.handler!r}")
    _KINDS[kind] = JobKind(kind, handler, label or kind)


def kind_label(kind: str) -> object:
    known = _KINDS.get(kind)
    return known.label if known else kind


def enqueue(kind: str, params: dict[str, Any] | None = None, user=None) -> Job:
    """Queue a job; it starts once the current transaction commits and the scheduler polls."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=dict(params or {}), created_by_id=user.id if user is not None else None)
    db.session.add(job)
    db.session.flush()
    return job


class JobContext:
    """What a handler uses to report. Each report commits: the unit of work the handler did
    since the previous report is saved together with the progress it represents."""

    def __init__(self, job: Job):
        self.job = job

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    @property
    def user(self):
        """The user who asked for the job (the actor for audit entries), or None."""
        return self.job.created_by

    def progress(self, done: int, total: int | None = None) -> None:
        self.job.progress(done, total)
        db.session.commit()

    def error(self, item: str, message: str) -> None:
        """Record that `item` failed, discarding the failed unit's uncommitted changes.

        A repeated error for the same item (a resumed job meeting it again) replaces the old one.
        """
        db.session.rollback()
        job = self.job
        job.errors = [e for e in job.errors if e.get("item") != item]
        job.add_error(item, message)
        job.heartbeat_at = utcnow()
        db.session.commit()

    def heartbeat(self) -> None:
        """Keep a job that spends long on one unit from being taken for crashed."""
        self.job.heartbeat_at = utcnow()
        db.session.commit()


def _claimable(now: datetime, stale_after: timedelta):
    return or_(
        Job.status == JobStatus.QUEUED,
        and_(
            Job.status == JobStatus.RUNNING,
            or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - stale_after),
        ),
    )


def claim_next_job(stale_after: timedelta = STALE_AFTER) -> Job | None:
    """Take the oldest queued job, or a running one whose process died, and commit it as ours.

    PostgreSQL: FOR UPDATE SKIP LOCKED lets several runners claim side by side, each skipping
    rows another is claiming. SQLite has no row locks; there WAL refuses a write from a
    transaction whose snapshot is out of date, so a runner that lost the race gets an
    OperationalError here and the job stays with the winner.
    """
    while True:
        stmt = (
            select(Job)
            .where(_claimable(utcnow(), stale_after))
            .order_by(Job.id)
            .limit(1)
            .options(lazyload(Job.created_by))
            .with_for_update(of=Job, skip_locked=True)
        )
        try:
            job = db.session.execute(stmt).scalar_one_or_none()
            if job is None:
                db.session.rollback()
                return None
            if job.status == JobStatus.RUNNING and job.attempts >= MAX_ATTEMPTS:
                with force_locale(_locale_of(job)):
                    job.fail(
                        _(
                            "Gave up after %(attempts)d attempts: the process running it stopped each time.",
                            attempts=job.attempts,
                        )
                    )
                job_finished.send(job)
                db.session.commit()
                log.error("job %s (%s) given up after %s attempts", job.id, job.kind, job.attempts)
                continue
            if job.status == JobStatus.RUNNING:
                log.warning("job %s (%s) lost its runner; resuming it", job.id, job.kind)
            job.start()
            db.session.commit()
        except OperationalError as exc:
            # On SQLite, typically another runner claiming the same job first; either way the
            # job is still claimable and the next poll tries again.
            db.session.rollback()
            log.info("could not claim a job this time: %s", exc.orig)
            return None
        return job


def _locale_of(job: Job) -> str:
    creator = job.created_by
    return (creator.locale if creator is not None else None) or DEFAULT_LOCALE


def run_job(job: Job) -> None:
    """Run a claimed job's handler to the end and record how it ended (one final commit)."""
    known = _KINDS.get(job.kind)
    # What the handler records is read by the person who started the job, in their language.
    with force_locale(_locale_of(job)):
        try:
            if known is None:
                raise LookupError(_("This kind of job (%(kind)s) cannot be run here.", kind=job.kind))
            result = known.handler(job, JobContext(job))
            job.finish(result or {})
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s (%s) failed", job.id, job.kind)
            job.fail(exc.message if isinstance(exc, DomainError) else (str(exc) or type(exc).__name__))
    job_finished.send(job)
    db.session.commit()
    log.info(
        "job %s (%s) %s: %s/%s done, %s errors",
        job.id,
        job.kind,
        job.status,
        job.done,
        job.total,
        len(job.errors),
    )


def run_pending_jobs(max_jobs: int | None = None, *, stale_after: timedelta = STALE_AFTER) -> int:
    """Claim and run jobs until none is waiting (or `max_jobs` ran); returns how many ran."""
    ran = 0
    while max_jobs is None or ran < max_jobs:
        job = claim_next_job(stale_after)
        if job is None:
            break
        run_job(job)
        ran += 1
    return ran
