"""Imports every feature's models so the metadata is complete (Alembic, tests, shell)."""

from talent.accounts.models import ApiToken, User, UserRole
from talent.core.audit import AuditEntry
from talent.core.models import Job, Notification
from talent.reference.models import Country, Institution, Person

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Country",
    "Institution",
    "Job",
    "Notification",
    "Person",
    "User",
    "UserRole",
]
