"""Reads for the certificate pages: the administrators' list, a holder's certificates, counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from talent.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateVerification,
)
from talent.certificates.serials import SerialError, normalise_serial
from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.reference.models import Person

RECENT_DAYS = 30


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class CertificateFilter:
    q: str = ""
    kind: str = ""
    status: str = ""  # a public status: valid, revoked, superseded or expired
    cohort: int | None = None
    issuer_country: str = ""
    nationality: str = ""

    def as_args(self) -> dict:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in ("", None)
        }

    def apply(self, stmt: Select, today: date) -> Select:
        if self.q:
            try:
                stmt = stmt.where(Certificate.serial == normalise_serial(self.q))
            except SerialError:
                pattern = _contains(self.q)
                stmt = stmt.where(
                    or_(
                        Certificate.holder_name.ilike(pattern, escape="\\"),
                        Certificate.holder_name_native.ilike(pattern, escape="\\"),
                    )
                )
        if self.kind:
            stmt = stmt.where(Certificate.kind == CertificateKind(self.kind))
        not_expired = or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today)
        if self.status == "valid":
            stmt = stmt.where(Certificate.status == CertificateStatus.VALID, not_expired)
        elif self.status == "expired":
            stmt = stmt.where(
                Certificate.status == CertificateStatus.VALID,
                and_(Certificate.expires_on.is_not(None), Certificate.expires_on < today),
            )
        elif self.status:
            stmt = stmt.where(Certificate.status == CertificateStatus(self.status))
        if self.cohort is not None:
            stmt = stmt.where(Certificate.cohort_id == self.cohort)
        if self.issuer_country:
            stmt = stmt.where(Certificate.issuer_country == self.issuer_country)
        if self.nationality:
            stmt = stmt.where(
                Certificate.person_id.in_(
                    select(Person.id).where(Person.nationality_code == self.nationality)
                )
            )
        return stmt


def _newest_first(stmt: Select) -> Select:
    return stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def certificates_page(filters: CertificateFilter, *, today: date, per_page: int) -> Page:
    stmt = filters.apply(select(Certificate), today)
    return paginate(_newest_first(stmt), per_page=per_page, args=filters.as_args())


def holder_certificates_page(user, *, per_page: int) -> Page:
    """Certificates of the person record tied to `user`, newest first."""
    stmt = select(Certificate).where(
        Certificate.person_id.in_(select(Person.id).where(Person.user_id == user.id))
    )
    return paginate(_newest_first(stmt.options(joinedload(Certificate.superseded_by))), per_page=per_page)


def certificate_by_serial(serial: str) -> Certificate | None:
    """For the administrators' detail page: the certificate with its neighbours and holder."""
    return (
        db.session.execute(
            select(Certificate)
            .where(Certificate.serial == serial)
            .options(joinedload(Certificate.superseded_by), joinedload(Certificate.person))
        )
        .unique()
        .scalar_one_or_none()
    )


@dataclass
class VerificationCounts:
    total: int
    recent: list[tuple[date, int]]  # days with at least one check, newest first


def verification_counts(certificate_ids: list[int], today: date) -> dict[int, VerificationCounts]:
    """Checks per certificate: the total and the last RECENT_DAYS days, in two queries for any number."""
    out = {ident: VerificationCounts(0, []) for ident in certificate_ids}
    if not certificate_ids:
        return out
    totals = db.session.execute(
        select(CertificateVerification.certificate_id, func.sum(CertificateVerification.count))
        .where(CertificateVerification.certificate_id.in_(certificate_ids))
        .group_by(CertificateVerification.certificate_id)
    )
    for ident, total in totals:
        out[ident].total = int(total or 0)
    recent: dict[int, list[tuple[date, int]]] = defaultdict(list)
    rows = db.session.execute(
        select(
            CertificateVerification.certificate_id,
            CertificateVerification.verified_on,
            CertificateVerification.count,
        )
        .where(
            CertificateVerification.certificate_id.in_(certificate_ids),
            CertificateVerification.verified_on > today - timedelta(days=RECENT_DAYS),
        )
        .order_by(CertificateVerification.verified_on.desc())
    )
    for ident, day, count in rows:
        recent[ident].append((day, count))
    for ident, days in recent.items():
        out[ident].recent = days
    return out
