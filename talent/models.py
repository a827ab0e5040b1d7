"""Imports every feature's models so the metadata is complete (Alembic, tests, shell)."""

from talent.accounts.models import ApiToken, User, UserRole
from talent.certificates.models import Certificate, CertificateVerification, SigningKey
from talent.core.audit import AuditEntry
from talent.core.models import Job, Notification
from talent.programmes.models import (
    Application,
    ApplicationDocument,
    Call,
    Placement,
    Programme,
    Review,
    ReviewerConflict,
)
from talent.reference.models import Country, Institution, Person
from talent.workshops.models import Attendance, Cohort, CohortSession, Course, Enrolment

__all__ = [
    "Application",
    "ApplicationDocument",
    "Call",
    "Placement",
    "Programme",
    "Review",
    "ReviewerConflict",
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "Certificate",
    "CertificateVerification",
    "Cohort",
    "CohortSession",
    "Country",
    "Course",
    "Enrolment",
    "Institution",
    "Job",
    "Notification",
    "Person",
    "SigningKey",
    "User",
    "UserRole",
]
