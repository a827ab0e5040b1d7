"""Background work for certificates: bulk issuance of a cohort (a core job) and the periodic
clean-up of PDFs left in staging by processes that died.

Bulk issuance is idempotent and resumable: it selects the completed enrolments that have no live
certificate yet, issues them one by one (one commit each) and, when its process died and the job
is claimed again, starts over from that selection, so nobody gets a second certificate.
"""

from __future__ import annotations

import os
from collections import deque

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from talent.certificates import issuance, rendering, signing, storage
from talent.certificates.models import Certificate, CertificateKind, CertificateStatus
from talent.core import audit
from talent.core.errors import DomainError
from talent.core.jobs import enqueue, register_job_kind
from talent.core.models import Job, JobStatus
from talent.extensions import db
from talent.reference.models import Person
from talent.scheduler import scheduled
from talent.workshops.models import Cohort, Enrolment, EnrolmentStatus

BULK_ISSUE = "certificates.bulk_issue"
# Rendering processes per bulk job: one per core (a certificate costs ~0.15 s of CPU), at most
# MAX_WORKERS. Below SMALL_BATCH certificates, starting them costs more than it saves and the
# job renders in its own process.
MAX_WORKERS = 8
SMALL_BATCH = 6
# Certificates handed to each worker ahead of the one being recorded, so neither side waits.
AHEAD_PER_WORKER = 4


def worker_count(certificates: int) -> int:
    return 0 if certificates < SMALL_BATCH else min(MAX_WORKERS, os.cpu_count() or 1)


def unfinished_job(cohort: Cohort) -> Job | None:
    """The bulk issuance of `cohort` that is queued or running, if any."""
    unfinished = db.session.execute(
        select(Job).where(Job.kind == BULK_ISSUE, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    ).scalars()
    return next((job for job in unfinished if job.params.get("cohort_id") == cohort.id), None)


def enqueue_bulk_issue(cohort: Cohort, actor) -> Job:
    """The job issuing `cohort`'s certificates: an unfinished one for the cohort, or a new one."""
    job = unfinished_job(cohort)
    if job is not None:
        return job
    job = enqueue(BULK_ISSUE, {"cohort_id": cohort.id}, user=actor)
    audit.record(
        "certificates.bulk_issue",
        cohort,
        changes={"certificate_job": [None, job.id]},
        summary=f"job {job.id}",
        actor=actor,
    )
    return job


def _missing(cohort_id: int) -> list[Enrolment]:
    """Completed enrolments of the cohort without a live course certificate ("not done yet").

    A revoked certificate counts as done: re-running the job must not undo a revocation (an
    administrator who wants a new one issues it from the cohort's certificates page).
    """
    live = select(Certificate.enrolment_id).where(
        Certificate.kind == CertificateKind.COURSE_COMPLETION,
        Certificate.status.in_([CertificateStatus.VALID, CertificateStatus.REVOKED]),
        Certificate.enrolment_id.is_not(None),
    )
    return list(
        db.session.execute(
            select(Enrolment)
            .options(joinedload(Enrolment.person))
            .where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.status == EnrolmentStatus.COMPLETED,
                Enrolment.id.not_in(live),
            )
            .order_by(Enrolment.id)
        ).scalars()
    )


def _completed_count(cohort_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.COMPLETED)
    ).scalar_one()


def _item(enrolment_id: int, name: str) -> str:
    return _("Enrolment %(id)d (%(name)s)", id=enrolment_id, name=name)


def bulk_issue(job: Job, ctx) -> dict:
    cohort = db.session.get(Cohort, ctx.params["cohort_id"])
    if cohort is None:
        raise LookupError(_("This cohort no longer exists."))
    area = f"job-{job.id}"
    recovered = storage.recover_staged(area)  # what a killed run of this job left behind
    signing.active_key()  # the first signing key, if need be, is made and committed here, once
    ctx.heartbeat()
    todo = _missing(cohort.id)
    total = _completed_count(cohort.id)
    done = total - len(todo)
    ctx.progress(done, total)
    # Ids and names only: an item's error rolls the session back and expires loaded objects.
    pending = iter([(e.id, e.person_id, e.person.name_latin) for e in todo])
    queue: deque = deque()
    issued = 0

    def counted() -> None:
        nonlocal done
        done += 1
        ctx.progress(done)

    workers = worker_count(len(todo))
    ahead = AHEAD_PER_WORKER * max(workers, 1)
    with rendering.BatchRenderer(workers=workers) as batch:

        def fill() -> None:
            """Take the snapshot and sign it, for up to `ahead` certificates the workers render."""
            while len(queue) < ahead and (entry := next(pending, None)) is not None:
                enrolment_id, person_id, name = entry
                item = _item(enrolment_id, name)
                try:
                    cert = issuance.new_course_certificate(
                        db.session.get(Enrolment, enrolment_id),
                        cohort,
                        db.session.get(Person, person_id),
                        actor=ctx.user,
                    )
                except DomainError as exc:
                    ctx.error(item, exc.message)
                    counted()
                    continue
                queue.append((item, cert, batch.submit(cert, signing.verify_url(cert.serial, cert.token))))

        fill()
        while queue:
            item, cert, future = queue.popleft()
            result = future.result()
            if isinstance(result, rendering.RenderingFailed):
                ctx.error(item, issuance.failure_message(result))
            else:
                try:
                    recorded = issuance.record_issued(cert, result, actor=ctx.user, staging=area)
                except DomainError as exc:
                    ctx.error(item, exc.message)
                else:
                    issued += recorded is cert  # not when another issuer got there first
            counted()
            fill()
    return {"issued": issued, "recovered": recovered["moved"]}


register_job_kind(BULK_ISSUE, bulk_issue, label=_l("Certificate issuance"))


@scheduled("certificates.recover_staged_pdfs", trigger="interval", minutes=30)
def recover_staged_pdfs() -> None:
    storage.recover_staged()
