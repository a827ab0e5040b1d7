"""Certificate demo data: every completed trainee of the demo's finished cohorts holds a
certificate, with PDFs stored, so a newcomer can verify one at once. One was revoked, and one was
re-issued with a corrected name (its first version shows as superseded)."""

from __future__ import annotations

from sqlalchemy import select

from talent.certificates import issuance
from talent.certificates.models import Certificate
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus

REVOKED_HOLDER = "Brian Otieno Ouma"
REVOKED_REASON = "Issued in error: the practical assessment was recorded for the wrong trainee."
CORRECTED_HOLDER = ("Naree Sukjai", "Naree Sukjai Wongsawat", "นารี สุขใจ วงศ์สวัสดิ์")


def load_certificate_demo(actor) -> int:
    """Returns how many certificates were issued (0 when the demo already has certificates)."""
    if db.session.scalar(select(Certificate.id).limit(1)) is not None:
        return 0
    completed = db.session.execute(
        select(Enrolment, Person.name_latin)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Cohort.status == CohortStatus.CLOSED, Enrolment.status == EnrolmentStatus.COMPLETED)
        .order_by(Enrolment.id)
    ).all()
    issued = {name: issuance.issue_for_enrolment(enrolment, actor=actor) for enrolment, name in completed}
    if REVOKED_HOLDER in issued:
        issuance.revoke(issued[REVOKED_HOLDER], reason=REVOKED_REASON, actor=actor)
    old_name, new_name, new_native = CORRECTED_HOLDER
    if old_name in issued:
        issuance.reissue(
            issued[old_name], actor=actor, corrections={"name": new_name, "name_native": new_native}
        )
    return len(issued) + (1 if old_name in issued else 0)
